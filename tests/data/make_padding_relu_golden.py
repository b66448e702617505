"""Golden values of Keras 3's ZeroPadding2D and ReLU, for minidl's ZeroPadding2D and ReLU. Run
once; the tests read the output file. It installs nothing: run it where keras and a backend with
gradients (TensorFlow here) are installed, e.g.

    python3 -m venv /tmp/keras-venv && /tmp/keras-venv/bin/pip install keras tensorflow-cpu
    KERAS_BACKEND=tensorflow /tmp/keras-venv/bin/python tests/data/make_padding_relu_golden.py \
        > tests/data/padding_relu_golden.txt

ZeroPadding2D: the three forms of `padding` (int, (h, w), ((top, bottom), (left, right))) on a
7x6 image with 2 channels. ReLU: every combination of the options on values that hit each
piece, including values exactly at the threshold and at max_value, with the gradient of
L = sum(y * dy) from tf.GradientTape (only away from those kinks: there the derivative is a
convention, see layers/relu.hpp).
Format: a line "name d0 d1 ...", then one line with the values (float32, shortest exact form).
"""
import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras
import numpy as np
import tensorflow as tf

rng = np.random.default_rng(1)


def emit(name, array):
    array = np.asarray(array, dtype="float32")
    print(name, *array.shape)
    print(" ".join(str(v) for v in array.flatten()))  # float32's shortest exact form


print("# keras", keras.__version__, "backend", keras.backend.backend(), "tensorflow",
      tf.__version__)

image = rng.normal(size=(2, 7, 6, 2)).astype("float32")
emit("pad/x", image)
for name, padding in [("pad_1", 1), ("pad_2_1", (2, 1)), ("pad_1_2_3_0", ((1, 2), (3, 0)))]:
    print(f"# {name}: padding {padding}")
    emit(name + "/y", keras.layers.ZeroPadding2D(padding)(image))

# 3 rows x 16: the values -3 .. 4.5 in steps of 0.5 (each lands on a kink of some case below).
values = np.tile(np.arange(-3.0, 5.0, 0.5, dtype="float32"), (3, 1))
dy = rng.normal(size=values.shape).astype("float32")
emit("relu/x", values)
emit("relu/dy", dy)
cases = [
    ("relu_default", {}),
    ("relu_max6", {"max_value": 6.0}),
    ("relu_max2", {"max_value": 2.0}),
    ("relu_slope", {"negative_slope": 0.1}),
    ("relu_threshold", {"threshold": 1.0}),
    ("relu_all", {"max_value": 3.0, "negative_slope": 0.2, "threshold": 1.5}),
    ("relu_max_below_threshold", {"max_value": 1.0, "negative_slope": 0.5, "threshold": 2.0}),
]
for name, options in cases:
    print(f"# {name}: {options}")
    layer = keras.layers.ReLU(**options)
    x = tf.Variable(values)
    with tf.GradientTape() as tape:
        y = layer(x)
        loss = tf.reduce_sum(y * dy)
    emit(name + "/y", y)
    emit(name + "/dx", tape.gradient(loss, x))
