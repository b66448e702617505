"""Checks minidl's Keras export against real Keras 3.

Usage: python check_export.py DIR

DIR holds what test_keras_export wrote: <name>.keras (save_keras_model) and <name>_minidl.json
({"inputs": [{"shape", "data"}], "outputs": [...]}: minidl's predict on those inputs). For each
model, keras.saving.load_model must open the archive and its predict must equal minidl's within
1e-5 relative. Installs nothing: run it with a Python that has keras and a backend.
"""
import glob
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import keras  # noqa: E402


def arrays(entries):
    return [np.asarray(e["data"], dtype=np.float32).reshape(e["shape"]) for e in entries]


def main(folder):
    failures = 0
    files = sorted(glob.glob(os.path.join(folder, "*.keras")))
    if not files:
        print("no .keras files in", folder)
        return 1
    for path in files:
        name = os.path.basename(path)[: -len(".keras")]
        with open(os.path.join(folder, name + "_minidl.json")) as f:
            expected = json.load(f)
        model = keras.saving.load_model(path)
        inputs = arrays(expected["inputs"])
        got = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
        got = got if isinstance(got, (list, tuple)) else [got]
        want = arrays(expected["outputs"])
        worst = 0.0
        for g, w in zip(got, want):
            g = np.asarray(g, dtype=np.float32)
            if g.shape != w.shape:
                worst = float("inf")
                break
            # Relative to the largest magnitude of the sample's output: a logit near zero that
            # is the sum of terms near 80 cannot agree to 1e-5 of itself in float32.
            axes = tuple(range(1, w.ndim))
            scale = np.maximum(np.max(np.abs(w), axis=axes, keepdims=True), 1e-6)
            worst = max(worst, float(np.max(np.abs(g - w) / scale)))
        ok = len(got) == len(want) and worst <= 1e-5
        # The optimizer's state came over: its step count and its slots (the variables after
        # iterations and, without a schedule, learning_rate).
        steps = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
        slots = sum(float(np.sum(np.abs(keras.ops.convert_to_numpy(v))))
                    for v in model.optimizer.variables[1:]
                    if v.path.split("/")[-1] != "learning_rate")
        want_slots = expected["optimizer_slot_abs_sum"]
        state_ok = (steps == expected["optimizer_iterations"]
                    and abs(slots - want_slots) <= 1e-5 * max(want_slots, 1.0))
        ok = ok and state_ok
        step = expected.get("after_step")
        if step:
            # One more training step in Keras from the file = minidl's step after the export.
            labels = np.asarray(step["labels"], dtype=np.float32)
            model.train_on_batch(inputs if len(inputs) > 1 else inputs[0], labels)
            after = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
            after = after if isinstance(after, (list, tuple)) else [after]
            step_worst = 0.0
            for g, w in zip(after, arrays(step["outputs"])):
                axes = tuple(range(1, w.ndim))
                scale = np.maximum(np.max(np.abs(w), axis=axes, keepdims=True), 1e-6)
                step_worst = max(step_worst, float(np.max(np.abs(np.asarray(g) - w) / scale)))
            print(f"  {name}: one more training step in Keras and in minidl: max relative "
                  f"difference of predict {step_worst:.2e}")
            ok = ok and step_worst <= 1e-4
        failures += not ok
        print(f"{name}: Keras {keras.__version__} ({keras.backend.backend()}) loaded it; "
              f"{len(model.layers)} layers, {model.count_params()} parameters; "
              f"max relative difference of predict {worst:.2e}; "
              f"{expected['optimizer']} state: {steps} steps, sum |slots| {slots:.6g} "
              f"(minidl {want_slots:.6g}) -> {'ok' if ok else 'FAILED'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
