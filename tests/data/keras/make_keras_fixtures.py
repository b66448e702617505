"""Keras 3 `.keras` fixtures for minidl's Keras import/export tests.

Run in a venv with `pip install keras tensorflow-cpu` (or jax[cpu]) and h5py:

    python tests/data/keras/make_keras_fixtures.py [output_dir]

(output_dir defaults to this script's folder). For each model it writes

    <name>.keras           saved with model.save() (Keras' own writer)
    <name>_expected.json   {"keras_version", "backend", "inputs": [...], "outputs": [...]}
                           each entry {"name", "shape", "data"}: data is the row-major (NHWC)
                           flattening, every value a float32 written exactly (shortest repr of
                           the double equal to it). outputs come from predict (training=False)
                           on the reloaded file, in the model's output order.

Deterministic: keras.utils.set_random_seed and a fixed numpy RandomState set every weight;
biases and BatchNormalization statistics are random so that a dropped bias or a wrong
moving-variance shows. Models:
  sequential_cnn       preprocessing + augmentation (identity at inference) + CNN, Sequential
  functional_residual  residual block with a 1x1 projection shortcut, compiled + optimizer state
  functional_layers    two inputs, two outputs, shared layers, every merge layer, ReLU options,
                       ZeroPadding2D, DepthwiseConv2D, CenterCrop, Resizing, RandomCrop
  unsupported          Conv2DTranspose and LayerNormalization: an importer must refuse both
  quirk_dilation       Conv2D with dilation_rate=2: minidl has no dilation, must refuse
  quirk_random_crop    RandomCrop(4, 4) on 8x8 images: Keras 3's predict does NOT crop (returns
                       the 8x8 input), so its output differs from a centre crop
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

SEED = 1234
rng = np.random.RandomState(SEED)


def randomize_weights(model):
    """Gives every variable a random value: kernels N(0, 1/fan_in)-ish, biases N(0, 0.3),
    BatchNormalization gamma U(0.5, 1.5), beta N(0, 0.3), moving_mean N(0, 0.5),
    moving_variance U(0.3, 2.0)."""
    for layer in model.layers:
        new = []
        for v in layer.weights:
            shape = tuple(v.shape)
            kind = v.path.split("/")[-1]
            if kind == "gamma":
                a = rng.uniform(0.5, 1.5, shape)
            elif kind == "moving_variance":
                a = rng.uniform(0.3, 2.0, shape)
            elif kind == "moving_mean":
                a = rng.normal(0.0, 0.5, shape)
            elif kind in ("beta", "bias"):
                a = rng.normal(0.0, 0.3, shape)
            elif kind == "count":
                a = np.asarray(v)
            else:  # kernels
                fan_in = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
                if layer.__class__.__name__ == "DepthwiseConv2D":
                    fan_in = shape[0] * shape[1]
                a = rng.normal(0.0, 1.0 / np.sqrt(fan_in), shape)
            new.append(np.asarray(a, dtype=v.dtype))
        if new:
            layer.set_weights(new)


def f32_list(a):
    return [float(np.float32(v)) for v in np.asarray(a, dtype=np.float32).ravel()]


def entry(name, a):
    a = np.asarray(a, dtype=np.float32)
    return {"name": name, "shape": list(a.shape), "data": f32_list(a)}


NOTES = {
    "quirk_random_crop": "Keras 3 predict leaves RandomCrop's input uncropped (8x8 reaches the "
    "pooling); a centre crop (4x4) gives a different output",
    "quirk_dilation": "dilation_rate (2, 2): an importer without dilation must refuse",
    "unsupported": "Conv2DTranspose and LayerNormalization: an importer must refuse, naming both",
}


# Models that Keras trains one step further from the saved file, with these labels: minidl,
# loading the same file (weights and optimizer state), must arrive at the same predictions.
STEP_LABELS = {"functional_residual": [2, 0]}


def save(model, name, inputs, outdir):
    path = os.path.join(outdir, name + ".keras")
    model.save(path)
    reloaded = keras.saving.load_model(path)
    outs = reloaded.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
    outs = outs if isinstance(outs, (list, tuple)) else [outs]
    direct = model(inputs if len(inputs) > 1 else inputs[0], training=False)
    direct = direct if isinstance(direct, (list, tuple)) else [direct]
    for a, b in zip(outs, direct):  # the saved file reproduces the live model
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-5, atol=1e-6)
    # Functional models name their outputs after the output layers; a Sequential's is its last
    out_names = getattr(reloaded, "output_names", None) or [reloaded.layers[-1].name]
    doc = {
        "keras_version": keras.__version__,
        "backend": keras.backend.backend(),
        "inputs": [entry(t.name, x) for t, x in zip(reloaded.inputs, inputs)],
        "outputs": [entry(n, y) for n, y in zip(out_names, outs)],
    }
    if name in NOTES:
        doc["note"] = NOTES[name]
    if name in STEP_LABELS:
        stepped = keras.saving.load_model(path)
        labels = np.asarray(STEP_LABELS[name], dtype=np.float32)
        stepped.train_on_batch(inputs if len(inputs) > 1 else inputs[0], labels)
        after = stepped.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
        after = after if isinstance(after, (list, tuple)) else [after]
        doc["after_step"] = {"labels": f32_list(labels),
                             "outputs": [entry(n, y) for n, y in zip(out_names, after)]}
    with open(os.path.join(outdir, name + "_expected.json"), "w") as f:
        json.dump(doc, f)
        f.write("\n")
    print(f"{name}: {os.path.getsize(path)} bytes, outputs {[list(o.shape) for o in outs]}")


def sequential_cnn():
    model = keras.Sequential(
        [
            keras.Input((16, 16, 3)),
            layers.Rescaling(1.0 / 255),
            layers.Normalization(mean=[0.45, 0.5, 0.4], variance=[0.07, 0.05, 0.09]),
            layers.RandomFlip(),
            layers.RandomRotation(0.1),
            layers.RandomTranslation(0.1, 0.1),
            layers.RandomZoom(0.1),
            layers.RandomContrast(0.2),
            layers.RandomBrightness(0.2),
            layers.Conv2D(4, 3, padding="same", activation="relu"),
            layers.BatchNormalization(),
            layers.MaxPooling2D(),
            layers.Conv2D(6, 3, strides=2, use_bias=False),
            # strides=1 keeps a 2x2 map so that Flatten's NHWC order matters
            layers.AveragePooling2D(pool_size=2, strides=1),
            layers.Dropout(0.3),
            layers.Flatten(),
            layers.Dense(5),
            layers.Activation("softmax"),
        ],
        name="sequential_cnn",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=["accuracy"],
    )
    randomize_weights(model)
    x = rng.uniform(0.0, 255.0, (2, 16, 16, 3)).astype(np.float32)
    return model, [x]


def functional_residual():
    inp = keras.Input((8, 8, 3), name="image")
    x = layers.Conv2D(4, 3, padding="same", use_bias=False, name="conv_a")(inp)
    x = layers.BatchNormalization(name="bn_a")(x)
    x = layers.ReLU(name="relu_a")(x)
    x = layers.Conv2D(4, 3, padding="same", name="conv_b")(x)
    shortcut = layers.Conv2D(4, 1, name="projection")(inp)
    x = layers.Add(name="residual_add")([x, shortcut])
    x = layers.ReLU(name="relu_out")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    out = layers.Dense(3, name="logits")(x)
    model = keras.Model(inp, out, name="functional_residual")
    model.compile(
        optimizer=keras.optimizers.SGD(0.01, momentum=0.9),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    # one training step so that the file carries built optimizer state (momentums), which an
    # importer takes over; the weights are then replaced by the random ones
    model.fit(rng.normal(size=(4, 8, 8, 3)), np.array([0, 1, 2, 0]), epochs=1, verbose=0)
    randomize_weights(model)
    x = rng.normal(0.0, 1.0, (2, 8, 8, 3)).astype(np.float32)
    return model, [x]


def functional_layers():
    a = keras.Input((8, 8, 2), name="in_a")
    b = keras.Input((8, 8, 2), name="in_b")
    pad = layers.ZeroPadding2D((1, 2), name="pad")  # shared: called on a and on b
    dw = layers.DepthwiseConv2D(3, depth_multiplier=2, strides=2, padding="same", name="dw")
    relu = layers.ReLU(max_value=6.0, negative_slope=0.1, threshold=0.5, name="relu_opts")
    ra = relu(dw(pad(a)))  # (5, 6, 4)
    rb = relu(dw(pad(b)))
    sub = layers.Subtract(name="sub")([ra, rb])
    mul = layers.Multiply(name="mul")([ra, rb])
    avg = layers.Average(name="avg")([ra, rb, sub])  # three inputs
    mx = layers.Maximum(name="max")([sub, mul])
    cat = layers.Concatenate(axis=-1, name="cat")([avg, mx, ra])  # (5, 6, 12)
    g = layers.GlobalMaxPooling2D(name="gmp")(cat)
    out1 = layers.Dense(3, name="head_a")(g)
    c = layers.CenterCrop(3, 4, name="crop")(cat)  # top 1, left 1
    r = layers.Resizing(5, 7, interpolation="bilinear", name="resize")(c)
    # RandomCrop to the size it already has: the identity at inference both in Keras 3 (which
    # never crops in predict) and in minidl (centre crop); see quirk_random_crop for the rest
    rc = layers.RandomCrop(5, 7, seed=7, name="rcrop")(r)
    f = layers.Flatten(name="flat")(rc)
    out2 = layers.Dense(2, name="head_b")(f)
    model = keras.Model([a, b], [out1, out2], name="functional_layers")
    randomize_weights(model)
    kernel, bias = dw.get_weights()  # larger, so that the ReLU's cap at 6 is reached too
    dw.set_weights([kernel * 2.5, bias])
    xa = rng.normal(0.0, 2.0, (2, 8, 8, 2)).astype(np.float32)
    xb = rng.normal(0.0, 2.0, (2, 8, 8, 2)).astype(np.float32)
    return model, [xa, xb]


def unsupported():
    inp = keras.Input((6, 6, 2))
    x = layers.Conv2DTranspose(2, 3, name="deconv")(inp)
    x = layers.LayerNormalization(name="layer_norm")(x)
    x = layers.Flatten()(x)
    out = layers.Dense(2)(x)
    model = keras.Model(inp, out, name="unsupported")
    randomize_weights(model)
    return model, [rng.normal(size=(1, 6, 6, 2)).astype(np.float32)]


def quirk_dilation():
    model = keras.Sequential(
        [
            keras.Input((9, 9, 2)),
            layers.Conv2D(3, 3, dilation_rate=2, name="dilated"),
            layers.Flatten(),
            layers.Dense(2),
        ],
        name="quirk_dilation",
    )
    randomize_weights(model)
    return model, [rng.normal(size=(1, 9, 9, 2)).astype(np.float32)]


def quirk_random_crop():
    model = keras.Sequential(
        [
            keras.Input((8, 8, 2)),
            layers.RandomCrop(4, 4, seed=3, name="rcrop"),
            layers.GlobalAveragePooling2D(),
            layers.Dense(2),
        ],
        name="quirk_random_crop",
    )
    randomize_weights(model)
    return model, [rng.normal(size=(2, 8, 8, 2)).astype(np.float32)]


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    os.makedirs(outdir, exist_ok=True)
    keras.utils.set_random_seed(SEED)
    for build in (sequential_cnn, functional_residual, functional_layers, unsupported,
                  quirk_dilation, quirk_random_crop):
        model, inputs = build()
        save(model, build.__name__, inputs, outdir)


if __name__ == "__main__":
    main()
