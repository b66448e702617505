#!/usr/bin/env bash
# minidl against PyTorch on the reference CNN, on this machine, in the same run.
#   bench/compare_torch.sh            (ROUNDS=5 THREADS="1 2" by default)
# Measures training, inference and augmentation (RandomFlip + RandomRotation(0.1)).
# For each thread count, ROUNDS rounds alternate ../shared/bench/torch_peer.py and minidl_bench,
# once with the environment as it is and once with OPENBLAS_CORETYPE unset (it selects OpenBLAS's
# kernels; PyTorch's convolutions do not use OpenBLAS). Each run reports the median of its timed
# blocks; the table shows the median over rounds, the ratio minidl / PyTorch's best layout
# (NCHW or channels_last) and the peak RSS of each process. Raw JSON stays in $OUT.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
ROUNDS=${ROUNDS:-5}
THREADS=${THREADS:-"1 2"}
BUILD_DIR=${BUILD_DIR:-$root/build}
PEER=${PEER:-$root/../shared/bench/torch_peer.py}
OUT=${OUT:-$(mktemp -d)}
# Debian's python3-torch installs for /usr/bin/python3, which need not be the first python3.
PY=/usr/bin/python3

if ! "$PY" -c "import torch, torchvision" 2>/dev/null; then
  SUDO=$([ "$(id -u)" -eq 0 ] || echo sudo)
  $SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y \
    python3-torch python3-torchvision
fi
[ -f "$PEER" ] || { echo "compare_torch.sh: peer script $PEER not found" >&2; exit 1; }
make -C "$root" build >/dev/null
BENCH=$BUILD_DIR/bench/minidl_bench

run_env() {  # run_env asis|unset command...
  local mode=$1; shift
  if [ "$mode" = unset ]; then env -u OPENBLAS_CORETYPE "$@"; else "$@"; fi
}

for mode in asis unset; do
  for t in $THREADS; do
    for r in $(seq "$ROUNDS"); do
      echo "round $r/$ROUNDS: threads=$t OPENBLAS_CORETYPE=$([ $mode = asis ] && echo "${OPENBLAS_CORETYPE:-}" || echo unset)" >&2
      for part in "no aug" "inference eval" "aug only"; do
        tag=$(echo "$part" | tr ' ' _)
        run_env "$mode" env RESULT_JSON="$OUT/torch_${mode}_${t}_${r}_${tag}.json" BENCH_ONLY="$part" \
          /usr/bin/time -f "%M" -o "$OUT/torch_${mode}_${t}_${r}_${tag}.rss" \
          "$PY" "$PEER" "$t" >/dev/null
      done
      run_env "$mode" "$BENCH" --threads "$t" --reps 5 > "$OUT/minidl_${mode}_${t}_${r}.json"
    done
  done
done

"$PY" - "$OUT" "$THREADS" <<'PYEOF'
import glob, json, os, statistics, sys
out, threads = sys.argv[1], sys.argv[2].split()
med = statistics.median
print(f"{'OPENBLAS_CORETYPE':18} {'thr':>3} {'metric':6} {'minidl':>9} {'torch NCHW':>11} "
      f"{'torch CL':>9} {'ratio':>6}   rss minidl/torch MB   minidl gemm")
for mode in ("asis", "unset"):
    for t in threads:
        ours = [json.load(open(f)) for f in sorted(glob.glob(f"{out}/minidl_{mode}_{t}_*.json"))]
        peer = {}
        for f in glob.glob(f"{out}/torch_{mode}_{t}_*.json"):
            for d in json.load(open(f)):
                peer.setdefault(d["name"], []).append(d["median"])
        rss_t = max(int(open(f).read().split()[-1]) for f in glob.glob(f"{out}/torch_{mode}_{t}_*.rss")) / 1024
        rss_m = max(d["peak_rss_mb"] for d in ours)
        core = ours[0]["OPENBLAS_CORETYPE"] or "unset"
        for metric, key, nchw, cl in (
            ("train", "train_images_per_s", "train, no aug", "train, no aug, channels_last"),
            ("infer", "infer_images_per_s", "inference eval b256", "inference eval b256, channels_last")):
            m = med([d[key] for d in ours])
            a, b = med(peer[nchw]), med(peer[cl])
            print(f"{core:18} {t:>3} {metric:6} {m:9.1f} {a:11.1f} {b:9.1f} {m / max(a, b):6.2f}"
                  f"   {rss_m:7.1f} / {rss_t:7.1f}    {ours[0]['gemm_kernel']} ({ours[0]['blas_core']})")
        # Augmentation (RandomFlip + RandomRotation(0.1)) against torchvision's per-image
        # transforms and its batched affine_grid/grid_sample (reflection padding, as minidl's
        # default fill mode).
        m = med([d["augment_images_per_s"] for d in ours])
        per_image = med(peer["aug only, per-sample torchvision"])
        batched = med(peer["aug only, batched, reflection pad"])
        step = med([d["train_images_per_s"] / d["train_aug_images_per_s"] for d in ours]) - 1
        print(f"{core:18} {t:>3} augment {m:8.1f}  per-image {per_image:8.1f} ({m / per_image:5.1f}x)"
              f"  batched {batched:8.1f} ({m / batched:4.2f}x)  cost in a training step {step:+.1%}")
print(f"raw results: {out}")
PYEOF
