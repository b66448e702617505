#!/usr/bin/env bash
# minidl against Keras 3 (TensorFlow backend) and PyTorch, on this machine, in the same run.
#
#   bench/compare_peers.sh                      THREADS="1 2" ROUNDS=3 by default
#   THREADS=1 ROUNDS=5 bench/compare_peers.sh
#   PEERS=torch bench/compare_peers.sh          only one peer (PEERS="keras torch" by default)
#
# Measures the reference CNN (training at batch 64, inference at batch 256) and ResNet-20
# (training at batch 128, inference at batch 256) in minidl_bench, ../shared/bench/keras_peer.py
# and ../shared/bench/torch_peer.py. For each thread count, ROUNDS rounds run the three programs
# one after the other, never concurrently; the starting program rotates from round to round so
# that none is always first after an idle spell or last in a busy one. Each run reports the
# median of its timed blocks (about 0.7 s each); the table shows the median over rounds, the
# ratio minidl / faster peer and the peak RSS (the largest of any of a program's processes at
# that thread count, /usr/bin/time's maximum resident set size). Raw JSON and logs stay in $OUT.
#
# This script does not build minidl: it uses $MINIDL_BENCH as it is. A key missing from its JSON
# (e.g. the ResNet-20 keys on an older build), or a missing binary, shows as n/a.
# Augmentation and OPENBLAS_CORETYPE=unset runs are in compare_torch.sh (PyTorch only).
#
# Environment:
#   THREADS       thread counts to measure (default "1 2"; at most the number of cores)
#   ROUNDS        rounds per thread count (default 3)
#   PEERS         which peers to run: "keras torch" (default), "keras" or "torch"
#   KERAS_PYTHON  Python with tensorflow-cpu + keras (default /tmp/keras-venv/bin/python; setup:
#                 python3 -m venv /tmp/keras-venv &&
#                   /tmp/keras-venv/bin/pip install tensorflow-cpu keras)
#   TORCH_PYTHON  Python with torch + torchvision (default /tmp/torch-venv/bin/python if it exists,
#                 else /usr/bin/python3, where Debian's python3-torch python3-torchvision install)
#   MINIDL_BENCH  the minidl benchmark binary (default build/bench/minidl_bench)
#   MINIDL_REPS   timed blocks per minidl measurement (default 9, as the peers' REPS)
#   PIN           1 (default): every program runs on cores 0..N-1 for N threads. 0: only Keras is
#                 pinned (TensorFlow sizes its thread pools from the cores it may use, so pinning
#                 is how keras_peer.py takes its thread count); minidl and PyTorch float.
#   OUT           directory for raw results (default: a new temporary directory)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
shared=$(cd "$root/.." && pwd)/shared/bench

THREADS=${THREADS:-"1 2"}
ROUNDS=${ROUNDS:-3}
PEERS=${PEERS:-"keras torch"}
KERAS_PYTHON=${KERAS_PYTHON:-/tmp/keras-venv/bin/python}
if [ -z "${TORCH_PYTHON:-}" ]; then
  if [ -x /tmp/torch-venv/bin/python ]; then TORCH_PYTHON=/tmp/torch-venv/bin/python
  else TORCH_PYTHON=/usr/bin/python3; fi
fi
MINIDL_BENCH=${MINIDL_BENCH:-$root/build/bench/minidl_bench}
MINIDL_REPS=${MINIDL_REPS:-9}
PIN=${PIN:-1}

die() { echo "compare_peers.sh: $*" >&2; exit 1; }
warn() { echo "compare_peers.sh: warning: $*" >&2; }
has_peer() { [[ " $PEERS " == *" $1 "* ]]; }
for p in $PEERS; do [[ "$p" == keras || "$p" == torch ]] || die "unknown peer '$p' in PEERS"; done

# --- checks, before anything is timed -------------------------------------------------------
command -v /usr/bin/time >/dev/null || die "/usr/bin/time not found (apt-get install time)"
cores=$(nproc)
for t in $THREADS; do
  [[ "$t" =~ ^[1-9][0-9]*$ ]] || die "THREADS must hold positive integers, got '$t'"
  [ "$t" -le "$cores" ] || die "$t threads asked for, but this machine has $cores cores"
done
if has_peer keras; then
  [ -f "$shared/keras_peer.py" ] || die "$shared/keras_peer.py not found"
  KERAS_BACKEND=tensorflow TF_CPP_MIN_LOG_LEVEL=3 "$KERAS_PYTHON" -c "import keras, tensorflow" \
    2>/dev/null ||
    die "$KERAS_PYTHON cannot import keras + tensorflow; set up with:
  python3 -m venv /tmp/keras-venv && /tmp/keras-venv/bin/pip install tensorflow-cpu keras
or set KERAS_PYTHON, or leave keras out of PEERS"
fi
if has_peer torch; then
  [ -f "$shared/torch_peer.py" ] || die "$shared/torch_peer.py not found"
  "$TORCH_PYTHON" -c "import torch, torchvision" 2>/dev/null ||
    die "$TORCH_PYTHON cannot import torch + torchvision; on Debian:
  apt-get install python3-torch python3-torchvision   (for /usr/bin/python3)
or set TORCH_PYTHON, or leave torch out of PEERS"
fi
have_minidl=1
if [ ! -x "$MINIDL_BENCH" ]; then
  warn "$MINIDL_BENCH not found: minidl's column will be n/a"
  have_minidl=0
fi

OUT=${OUT:-$(mktemp -d -t compare_peers.XXXXXX)}
mkdir -p "$OUT"
# A reused $OUT keeps no checksums of an earlier run's binary.
rm -f "$OUT/minidl_sha256"

# --- one program's share of a round ---------------------------------------------------------
# Each run_* takes the thread count and the round number, and writes NAME_tT_rR_PART.json (the
# program's results) and .rss (peak RSS in KB); see timed below. BENCH_ONLY (peers) and --only
# (minidl) select by substring, which is why the parts are split as they are: every part runs only
# measurements the table uses, and the parts together run all of them.

# pin T: the command prefix that limits a process to cores 0..T-1.
pin() { echo "taskset -c $(seq -s, 0 $(($1 - 1)))"; }

# maybe_pin T: pin T if PIN=1, else nothing (for minidl and PyTorch, which take a thread count).
maybe_pin() { if [ "$PIN" = 1 ]; then pin "$1"; fi; }

# timed NAME T R PART cmd...: run cmd with its peak RSS recorded, stdout in .out, stderr in .log
# and the load average before it appended to loadavg_tT. A failure is reported, not fatal, so that
# one broken program does not lose the others' rounds; its results are removed so that the table
# shows n/a rather than a partial run.
timed() {
  local base="$OUT/$1_t$2_r$3_$4"
  # The 1-minute load average as each run starts flags rounds taken while something else ran.
  cut -d' ' -f1 /proc/loadavg >>"$OUT/loadavg_t$2"
  shift 4
  if ! /usr/bin/time -f "%M" -o "$base.rss" "$@" >"$base.out" 2>"$base.log"; then
    warn "failed: $* (see $base.log)"
    rm -f "$base.json" "$base.rss"
    return 1
  fi
}

run_keras() {  # thread count = cores it may use (see PIN above)
  local t=$1 r=$2 part filter
  # "inference b256" also matches "resnet20 inference b256"; Keras has no filter for the reference
  # CNN's inference alone, so that part runs both models' inference.
  for part in ref_train:"train, no aug" infer:"inference b256" resnet_train:"resnet20 train"; do
    filter=${part#*:}; part=${part%%:*}
    timed keras "$t" "$r" "$part" env KERAS_BACKEND=tensorflow TF_CPP_MIN_LOG_LEVEL=3 \
      BENCH_ONLY="$filter" RESULT_JSON="$OUT/keras_t${t}_r${r}_$part.json" \
      $(pin "$t") "$KERAS_PYTHON" "$shared/keras_peer.py" || true
  done
}

run_torch() {  # each part measures both layouts, NCHW and channels_last
  local t=$1 r=$2 part filter
  for part in ref_train:"train, no aug" ref_infer:"inference eval b256" resnet:"resnet20"; do
    filter=${part#*:}; part=${part%%:*}
    timed torch "$t" "$r" "$part" env BENCH_ONLY="$filter" \
      RESULT_JSON="$OUT/torch_t${t}_r${r}_$part.json" \
      $(maybe_pin "$t") "$TORCH_PYTHON" "$shared/torch_peer.py" "$t" || true
  done
}

run_minidl() {  # "train_images" and "infer" leave out the augmentation measurements
  local t=$1 r=$2 part
  [ "$have_minidl" = 1 ] || return 0
  # The binary's checksum at each run: the table warns when it was rebuilt during the rounds.
  sha256sum "$MINIDL_BENCH" 2>/dev/null | cut -d' ' -f1 >>"$OUT/minidl_sha256" || true
  for part in train_images infer; do
    # minidl_bench prints its JSON on stdout.
    timed minidl "$t" "$r" "$part" $(maybe_pin "$t") \
      "$MINIDL_BENCH" --threads "$t" --reps "$MINIDL_REPS" --only "$part" &&
      mv "$OUT/minidl_t${t}_r${r}_$part.out" "$OUT/minidl_t${t}_r${r}_$part.json"
  done
  return 0
}

# --- the rounds ------------------------------------------------------------------------------
programs=()
has_peer keras && programs+=(keras)
has_peer torch && programs+=(torch)
programs+=(minidl)
n=${#programs[@]}
echo "results in $OUT; OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}; PIN=$PIN" >&2
for t in $THREADS; do
  for r in $(seq "$ROUNDS"); do
    for i in $(seq 0 $((n - 1))); do
      prog=${programs[$(((i + r - 1) % n))]}  # round r starts with program r-1 (mod n)
      echo "threads=$t round $r/$ROUNDS: $prog" >&2
      "run_$prog" "$t" "$r"
    done
  done
done

# --- the table -------------------------------------------------------------------------------
python3 - "$OUT" "$THREADS" "$ROUNDS" "$(for p in $PEERS; do echo "$p"; done | sort -u)" <<'PYEOF'
import glob, json, os, statistics, sys

out, threads, rounds, peers = sys.argv[1], sys.argv[2].split(), sys.argv[3], sys.argv[4].split()

# (row label, minidl key, Keras measurement names, PyTorch measurement names). For PyTorch the
# faster layout (by median over rounds) counts, as in compare_torch.sh.
METRICS = [
    ("ref CNN train img/s", "train_images_per_s", ["train, no aug"],
     ["train, no aug", "train, no aug, channels_last"]),
    ("ref CNN inference img/s", "infer_images_per_s", ["inference b256"],
     ["inference eval b256", "inference eval b256, channels_last"]),
    ("ResNet-20 train img/s", "resnet20_train_images_per_s", ["resnet20 train b128"],
     ["resnet20 train b128", "resnet20 train b128, channels_last"]),
    ("ResNet-20 inference img/s", "resnet20_infer_images_per_s", ["resnet20 inference b256"],
     ["resnet20 inference b256", "resnet20 inference b256, channels_last"]),
]

TITLE = {"keras": "Keras", "torch": "PyTorch"}

def load_json(path):
    try:
        with open(path) as f: return json.load(f)
    except (OSError, ValueError):
        return None

def peer_rates(prog, t):
    """Measurement name -> list of per-round medians, over every part of every round."""
    rates = {}
    for path in sorted(glob.glob(f"{out}/{prog}_t{t}_r*_*.json")):
        for d in load_json(path) or []:
            rates.setdefault(d["name"], []).append(d["median"])
    return rates

def peak_rss_mb(prog, t):
    """The largest peak RSS of any of prog's processes at t threads (time -f %M is in KB)."""
    kb = []
    for path in glob.glob(f"{out}/{prog}_t{t}_r*_*.rss"):
        try: kb.append(int(open(path).read().split()[-1]))
        except (OSError, ValueError, IndexError): pass
    return max(kb) / 1024 if kb else None

def fmt(v, digits=1):
    return "n/a" if v is None else f"{v:.{digits}f}"

def median_of_rounds(vals):
    """(median or None, its cell text); the text notes how many rounds it has if not all."""
    if not vals: return None, "n/a"
    m = statistics.median(vals)
    return m, f"{m:.1f}" + (f" [{len(vals)}/{rounds}]" if len(vals) < int(rounds) else "")

def print_table(rows):
    """rows[0] is the header; the first column left-aligned, the others right-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for k, row in enumerate(rows):
        print("| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w)
                                for i, (c, w) in enumerate(zip(row, widths))) + " |")
        if k == 0:
            print("|" + "|".join("-" * (w + 1) + (":" if i else "-")
                                 for i, w in enumerate(widths)) + "|")

for t in threads:
    # minidl: the parts of a round merged into one dict per round.
    per_round = {}
    for path in sorted(glob.glob(f"{out}/minidl_t{t}_r*_*.json")):
        r = os.path.basename(path).split("_")[2]
        d = load_json(path)
        if d: per_round.setdefault(r, {}).update(d)
    ours = list(per_round.values())
    info = ours[0] if ours else {}
    try: load = [float(v) for v in open(f"{out}/loadavg_t{t}").read().split()]
    except (OSError, ValueError): load = []
    print(f"\n### {t} thread(s), median of {rounds} round(s) ([k/{rounds}]: of k only)\n"
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE') or 'unset'}; "
          f"minidl GEMM {info.get('gemm_kernel', 'n/a')}, "
          f"OpenBLAS core {info.get('blas_core', 'n/a')}; 1-minute load average at run starts "
          f"{f'{min(load):.1f}-{max(load):.1f}' if load else 'n/a'} on {os.cpu_count()} cores\n")

    rates = {p: peer_rates(p, t) for p in peers}
    rows = [["metric", "minidl"] + [TITLE[p] + (" (layout)" if p == "torch" else "") for p in peers]
            + ["minidl / faster peer"]]
    for label, key, keras_names, torch_names in METRICS:
        m, m_cell = median_of_rounds([d[key] for d in ours if key in d])
        cells, best = [], None  # best: (rate, peer) of the faster peer
        for p in peers:
            names = keras_names if p == "keras" else torch_names
            layouts = [median_of_rounds(rates[p][n]) + (n,) for n in names if rates[p].get(n)]
            if not layouts:
                cells.append("n/a"); continue
            v, cell, name = max(layouts)
            if p == "torch": cell += " (CL)" if name.endswith("channels_last") else " (NCHW)"
            cells.append(cell)
            if best is None or v > best[0]: best = (v, p)
        ratio = f"{m / best[0]:.2f}x vs {TITLE[best[1]]}" if m is not None and best else "n/a"
        rows.append([label, m_cell] + cells + [ratio])
    # Peak RSS: the ratio is against the peer with the smaller footprint.
    m, cells, best = peak_rss_mb("minidl", t), [], None
    for p in peers:
        v = peak_rss_mb(p, t)
        cells.append(fmt(v, 0))
        if v is not None and (best is None or v < best[0]): best = (v, p)
    ratio = f"{m / best[0]:.2f}x vs {TITLE[best[1]]} (smaller)" if m is not None and best else "n/a"
    rows.append(["peak RSS MB", fmt(m, 0)] + cells + [ratio])
    print_table(rows)
try: builds = len(set(open(f"{out}/minidl_sha256").read().split()))
except OSError: builds = 0
if builds > 1:
    print(f"\nWARNING: {builds} different minidl_bench binaries ran (it was rebuilt during the "
          "rounds); medians mix them, and keys only some have come from those rounds alone.")
print(f"\nraw results: {out}")
PYEOF
