#!/usr/bin/env bash
# Every augmentation layer against torchvision.transforms.v2, on this machine, in the same run.
#   bench/compare_augment.sh          (ROUNDS=3 THREADS=1 by default)
# For each thread count, ROUNDS rounds run `minidl_bench --augment` and
# bench/torchvision_augment_peer.py one after the other (never concurrently; which goes first
# alternates from round to round). The table shows, per layer and image size (batch 64 of
# 32x32x3 and 224x224x3), the median over rounds of images/s: minidl, torchvision per image (a
# draw per image, as minidl) and batched (one draw for the batch), minidl's ratio to each, and
# minidl's share of a plain copy of the batch (`copy`, what any layer that writes a new batch
# cannot beat). Raw JSON stays in $OUT. ONLY=name (e.g. ONLY=RandomElasticTransform) measures the
# layers whose key contains it, and the copy, on both sides.
# The peer needs torch and torchvision >= 0.16: TORCH_PYTHON, else /tmp/torch-venv/bin/python if
# it exists, else /usr/bin/python3.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-1}
REPS=${REPS:-3}
BUILD_DIR=${BUILD_DIR:-$root/build}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
if [ -z "${TORCH_PYTHON:-}" ]; then
  TORCH_PYTHON=/usr/bin/python3
  [ -x /tmp/torch-venv/bin/python ] && TORCH_PYTHON=/tmp/torch-venv/bin/python
fi
"$TORCH_PYTHON" -c "from torchvision.transforms import v2" 2>/dev/null || {
  echo "compare_augment.sh: $TORCH_PYTHON has no torchvision.transforms.v2 (torchvision >= 0.16)" >&2
  exit 1
}
BENCH=${MINIDL_BENCH:-$BUILD_DIR/bench/minidl_bench}
[ -x "$BENCH" ] || make -C "$root" build >/dev/null

for t in $THREADS; do
  for r in $(seq "$ROUNDS"); do
    echo "round $r/$ROUNDS, $t thread(s), load $(cut -d' ' -f1 /proc/loadavg)" >&2
    minidl() {
      if [ -n "${ONLY:-}" ]; then
        { "$BENCH" --threads "$t" --augment --reps "$REPS" --only "$ONLY"
          "$BENCH" --threads "$t" --augment --reps "$REPS" --only copy_; } |
          python3 -c 'import json, sys, re; d = {}
for part in re.findall(r"\{.*?\n\}", sys.stdin.read(), re.S): d.update(json.loads(part))
print(json.dumps(d))' > "$OUT/minidl_${t}_$r.json"
      else
        "$BENCH" --threads "$t" --augment --reps "$REPS" > "$OUT/minidl_${t}_$r.json"
      fi
    }
    peer() { "$TORCH_PYTHON" "$here/torchvision_augment_peer.py" "$t" "$REPS" "${ONLY:-}" > "$OUT/torchvision_${t}_$r.json"; }
    if [ $((r % 2)) -eq 1 ]; then minidl; peer; else peer; minidl; fi
  done
done

python3 - "$OUT" "$THREADS" <<'PYEOF'
import glob, json, statistics, sys
out, threads = sys.argv[1], sys.argv[2].split()
def medians(pattern):
    runs = [json.load(open(f)) for f in sorted(glob.glob(pattern))]
    keys = {k for run in runs for k, v in run.items() if isinstance(v, (int, float))}
    return {k: statistics.median(run[k] for run in runs if run.get(k) is not None)
            for k in keys if any(run.get(k) is not None for run in runs)}
for t in threads:
    ours, peer = medians(f"{out}/minidl_{t}_*.json"), medians(f"{out}/torchvision_{t}_*.json")
    print(f"\n{t} thread(s), medians of {len(glob.glob(f'{out}/minidl_{t}_*.json'))} rounds, images/s\n")
    print("| layer | size | minidl | torchvision per image | batched | vs per image | vs batched | of copy |")
    print("|---|---|---|---|---|---|---|---|")
    for size in (32, 224):
        copy = ours.get(f"copy_{size}_images_per_s")
        for key in sorted(k for k in ours if k.endswith(f"_{size}_images_per_s") and not k.startswith("copy_")):
            layer = key[: -len(f"_{size}_images_per_s")]
            mine = ours[key]
            each, batch = peer.get(f"{layer}_{size}_per_image"), peer.get(f"{layer}_{size}_batched")
            ratio = lambda p: f"{mine / p:.1f}x" if p else "n/a"
            print(f"| {layer} | {size} | {mine:,.0f} | {each or 0:,.0f} | "
                  f"{f'{batch:,.0f}' if batch else 'n/a'} | {ratio(each)} | {ratio(batch)} | "
                  f"{f'{mine / copy:.0%}' if copy else 'n/a'} |")
    for key in ("randaugment_erasing_ms", "train_step_ms", "randaugment_erasing_share_of_step"):
        if key in ours: print(f"\n{key}: {ours[key]:.4g}", end="")
    print()
PYEOF
