#!/usr/bin/env bash
# bfloat16 mixed precision, minidl against Keras 3 (TensorFlow) and PyTorch, in the same run.
#
#   bench/compare_bf16.sh            THREADS="1 2" ROUNDS=3 by default
#
# The reference CNN trained (batch 64) and run (batch 256) in float32 and in mixed bfloat16 by
# minidl_bench (train_images_per_s, train_bf16_images_per_s, infer_*) and by
# bench/mixed_precision_peer.py (Keras' mixed_bfloat16 policy; PyTorch's CPU autocast(bfloat16)).
# For each thread count, ROUNDS rounds run the three programs one after the other, pinned to
# cores 0..N-1, the first program rotating; the table gives medians over rounds and, per
# framework, bf16 / fp32. Uses build/bench/minidl_bench as it is; KERAS_PYTHON and TORCH_PYTHON
# as in compare_peers.sh; REPS timed blocks per measurement (default 9). Raw JSON stays in $OUT.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
THREADS=${THREADS:-"1 2"}
ROUNDS=${ROUNDS:-3}
export REPS=${REPS:-9}  # timed blocks per measurement, in every program
KERAS_PYTHON=${KERAS_PYTHON:-/tmp/keras-venv/bin/python}
TORCH_PYTHON=${TORCH_PYTHON:-/tmp/torch-venv/bin/python}
MINIDL_BENCH=${MINIDL_BENCH:-$root/build/bench/minidl_bench}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
measures=train_images_per_s,train_bf16_images_per_s,infer_images_per_s,infer_bf16_images_per_s

run() {  # program threads round
  local cores
  cores=$(seq -s, 0 $(($2 - 1)))
  case $1 in
    minidl) taskset -c "$cores" "$MINIDL_BENCH" --threads "$2" --reps "$REPS" --only "$measures" \
              >"$OUT/minidl_t$2_r$3.json" ;;
    keras|torch)
      local python=$KERAS_PYTHON
      [ "$1" = torch ] && python=$TORCH_PYTHON
      RESULT_JSON="$OUT/$1_t$2_r$3.json" taskset -c "$cores" "$python" \
        "$here/mixed_precision_peer.py" "$1" >"$OUT/$1_t$2_r$3.log" 2>&1 ;;
  esac
}

programs=(minidl keras torch)
for t in $THREADS; do
  for r in $(seq 1 "$ROUNDS"); do
    for i in 0 1 2; do
      p=${programs[$(((i + r) % 3))]}
      echo "threads $t round $r: $p" >&2
      run "$p" "$t" "$r"
    done
  done
done

python3 - "$OUT" "$THREADS" <<'PY'
import glob, json, statistics, sys
out, threads = sys.argv[1], sys.argv[2].split()
def minidl(t):
    rows = [json.load(open(f)) for f in glob.glob(f"{out}/minidl_t{t}_r*.json")]
    key = {"train fp32": "train_images_per_s", "train bf16": "train_bf16_images_per_s",
           "inference fp32": "infer_images_per_s", "inference bf16": "infer_bf16_images_per_s"}
    return {k: statistics.median(r[v] for r in rows) for k, v in key.items()}
def peer(name, t):
    runs = [json.load(open(f)) for f in glob.glob(f"{out}/{name}_t{t}_r*.json")]
    names = {d["name"] for r in runs for d in r}
    return {n: statistics.median(d["median"] for r in runs for d in r if d["name"] == n) for n in names}
print("| threads | work | minidl fp32 | minidl bf16 | bf16/fp32 | Keras fp32 | Keras bf16 | bf16/fp32 | PyTorch fp32 | PyTorch bf16 | bf16/fp32 |")
print("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
for t in threads:
    res = {"minidl": minidl(t), "keras": peer("keras", t), "torch": peer("torch", t)}
    for work in ("train", "inference"):
        cells = []
        for fw in ("minidl", "keras", "torch"):
            a, b = res[fw].get(f"{work} fp32"), res[fw].get(f"{work} bf16")
            cells += [f"{a:.0f}" if a else "n/a", f"{b:.0f}" if b else "n/a",
                      f"{b / a:.2f}x" if a and b else "n/a"]
        print(f"| {t} | {work} | " + " | ".join(cells) + " |")
PY
echo "raw results: $OUT" >&2
