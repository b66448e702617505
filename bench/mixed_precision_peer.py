"""The peers' side of minidl_bench's train_bf16_images_per_s and infer_bf16_images_per_s: the
reference CNN (batch 64, 32x32x3, Conv2D(32,3,same,relu) MaxPooling2D(2) Conv2D(64,3,same,relu)
MaxPooling2D(2) Flatten Dense(128,relu) Dense(10); Adam 1e-3; sparse cross-entropy from logits)
in float32 and in bfloat16 mixed precision, measured in one process, round-robin.

  keras: Keras 3 on TensorFlow, keras.mixed_precision.set_global_policy("mixed_bfloat16") for
         the second model (its layers compute in bfloat16, keep float32 variables).
  torch: PyTorch, channels_last, torch.autocast("cpu", dtype=torch.bfloat16) around the forward
         pass and the loss (autocast keeps the loss in float32), float32 parameters and Adam.

Usage: taskset -c 0 PYTHON bench/mixed_precision_peer.py keras|torch   (PYTHON: a venv with
tensorflow-cpu + keras, or torch; see bench/compare_peers.sh). Prints one line per measurement
(median img/s over REPS timed blocks of about 0.7 s); RESULT_JSON=path also writes them."""
import json, os, statistics, sys, time
import numpy as np

REPS = int(os.environ.get("REPS", "9"))
BENCHES = []


def measure(name, fn, n):
    BENCHES.append((name, fn, n))


def run_all(warm=3, block_s=0.7):
    calls = {}
    for name, fn, n in BENCHES:
        for _ in range(warm): fn()
        t0 = time.perf_counter(); fn(); one = time.perf_counter() - t0
        calls[name] = max(1, int(block_s / max(one, 1e-6)))
    rates = {name: [] for name, _, _ in BENCHES}
    for _ in range(REPS):
        for name, fn, n in BENCHES:
            t0 = time.perf_counter()
            for _ in range(calls[name]): fn()
            rates[name].append(calls[name] * n / (time.perf_counter() - t0))
    res = [dict(name=name, cores=len(os.sched_getaffinity(0)), median=statistics.median(r))
           for name, r in rates.items()]
    for d in res: print(f"{d['name']:24s} cores={d['cores']}  img/s median {d['median']:9.1f}", flush=True)
    return res


rng = np.random.default_rng(0)
x = rng.random((64, 32, 32, 3), dtype=np.float32)
y = rng.integers(0, 10, 64).astype("int64")
xi = rng.random((256, 32, 32, 3), dtype=np.float32)


def keras_side():
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    from keras import layers

    def model():
        m = keras.Sequential([keras.Input((32, 32, 3)),
                              layers.Conv2D(32, 3, padding="same", activation="relu"), layers.MaxPooling2D(2),
                              layers.Conv2D(64, 3, padding="same", activation="relu"), layers.MaxPooling2D(2),
                              layers.Flatten(), layers.Dense(128, activation="relu"), layers.Dense(10)])
        m.compile(keras.optimizers.Adam(1e-3), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        return m

    fp32 = model()
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    bf16 = model()
    assert bf16.layers[0].compute_dtype == "bfloat16" and bf16.layers[0].variable_dtype == "float32"
    yk = y.astype("int32")
    measure("train fp32", lambda: fp32.train_on_batch(x, yk), 64)
    measure("train bf16", lambda: bf16.train_on_batch(x, yk), 64)
    measure("inference fp32", lambda: fp32.predict_on_batch(xi), 256)
    measure("inference bf16", lambda: bf16.predict_on_batch(xi), 256)


def torch_side():
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    torch.set_num_threads(len(os.sched_getaffinity(0)))
    torch.manual_seed(0)

    def model():
        return nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(64 * 8 * 8, 128), nn.ReLU(), nn.Linear(128, 10)
                             ).to(memory_format=torch.channels_last)

    xt = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous(memory_format=torch.channels_last)
    xit = torch.from_numpy(xi).permute(0, 3, 1, 2).contiguous(memory_format=torch.channels_last)
    yt = torch.from_numpy(y)

    def trainer(bf16):
        m = model(); opt = torch.optim.Adam(m.parameters(), lr=1e-3)
        def step():
            opt.zero_grad(set_to_none=True)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                loss = F.cross_entropy(m(xt), yt)
            loss.backward(); opt.step()
        return step

    def inferrer(bf16):
        m = model().eval()
        def infer():
            with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                m(xit)
        return infer

    measure("train fp32", trainer(False), 64)
    measure("train bf16", trainer(True), 64)
    measure("inference fp32", inferrer(False), 256)
    measure("inference bf16", inferrer(True), 256)


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in ("keras", "torch"):
        sys.exit(__doc__)
    keras_side() if sys.argv[1] == "keras" else torch_side()
    res = run_all()
    if os.environ.get("RESULT_JSON"):
        with open(os.environ["RESULT_JSON"], "w") as f: json.dump(res, f, indent=1)
