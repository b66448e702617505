#!/usr/bin/env bash
# Data-parallel scaling on this machine: 1 process x 2 threads against 2 processes x 1 thread,
# minidl over MPI (minidl_mpi_bench) and PyTorch DDP over gloo (torch_ddp_peer.py), in one run.
#
#   bench/scaling.sh                  ROUNDS=3 MODELS="cnn resnet20" by default
#
# Each round runs every configuration once, one after the other, the order rotating from round to
# round; each run reports the median of its timed blocks of training steps (about 1 s each), and
# the table shows the median over rounds. minidl's ResNet-20 runs with synchronised BatchNorm (its
# default) and with each process's own statistics (--local-bn), which is what PyTorch 1.13 does on
# the CPU (its SyncBatchNorm is GPU-only). Raw JSON lines stay in $OUT.
#
# Environment:
#   ROUNDS        rounds (default 3)
#   MODELS        "cnn resnet20" (default), or one of them
#   TORCH_PYTHON  Python with torch (default /usr/bin/python3: Debian's python3-torch)
#   MINIDL_MPI_BENCH  default build/bench/minidl_mpi_bench (built with MINIDL_MPI)
#   OUT           directory for raw results (default: a new temporary directory)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${ROUNDS:-3}
MODELS=${MODELS:-cnn resnet20}
TORCH_PYTHON=${TORCH_PYTHON:-/usr/bin/python3}
BENCH=${MINIDL_MPI_BENCH:-$root/build/bench/minidl_mpi_bench}
OUT=${OUT:-$(mktemp -d)}
# Open MPI on one machine as root: shared memory only, no binding (each process's threads float),
# yield when idle rather than spin on the other process's core.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_pml=ob1 \
  OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none \
  OMPI_MCA_hwloc_base_binding_policy=none OMPI_MCA_mpi_yield_when_idle=1
[ -x "$BENCH" ] || { echo "no $BENCH: build with MPI (make test installs Open MPI)" >&2; exit 1; }

configs=()
for model in $MODELS; do
  configs+=("minidl $model 1 2" "minidl $model 2 1" "torch $model 1 2" "torch $model 2 1")
  [ "$model" = resnet20 ] && configs+=("minidl-local-bn $model 2 1")
done
run() {  # who model processes threads
  local who=$1 model=$2 np=$3 threads=$4
  case $who in
    minidl) OMP_NUM_THREADS=$threads mpirun -np "$np" "$BENCH" --model "$model" ;;
    minidl-local-bn) OMP_NUM_THREADS=$threads mpirun -np "$np" "$BENCH" --model "$model" --local-bn ;;
    torch) OMP_NUM_THREADS=$threads "$TORCH_PYTHON" "$root/bench/torch_ddp_peer.py" "$np" "$threads" "$model" ;;
  esac | tail -1 | sed "s/^{/{\"who\": \"$who\", /"
}
for round in $(seq 1 "$ROUNDS"); do
  n=${#configs[@]}
  for k in $(seq 0 $((n - 1))); do
    config=${configs[$(((k + round) % n))]}
    echo "round $round: $config" >&2
    run $config >> "$OUT/scaling.jsonl"
  done
done
python3 - "$OUT/scaling.jsonl" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    key = (r["model"], r["who"], r["processes"], r["threads_per_process"])
    rows.setdefault(key, []).append(r)
print("| model | program | processes x threads | images/s (median) | all-reduce ms/step |")
print("|---|---|---|---|---|")
for key in sorted(rows):
    rs = rows[key]
    rate = statistics.median(r["images_per_s"] for r in rs)
    ar = [r["allreduce_ms_per_step"] for r in rs if r["allreduce_ms_per_step"] is not None]
    print(f"| {key[0]} | {key[1]} | {key[2]} x {key[3]} | {rate:.0f} | "
          f"{statistics.median(ar):.2f} |" if ar else
          f"| {key[0]} | {key[1]} | {key[2]} x {key[3]} | {rate:.0f} | n/a |")
PY
echo "raw results: $OUT/scaling.jsonl" >&2
