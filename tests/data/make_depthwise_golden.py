"""Golden values of Keras 3's DepthwiseConv2D (forward and gradients), for minidl's
DepthwiseConv2D. Run once; the tests read the output file. It installs nothing: run it where
keras and a backend with gradients (TensorFlow here) are installed, e.g.

    python3 -m venv /tmp/keras-venv && /tmp/keras-venv/bin/pip install keras tensorflow-cpu
    KERAS_BACKEND=tensorflow /tmp/keras-venv/bin/python tests/data/make_depthwise_golden.py \
        > tests/data/depthwise_golden.txt

Each case builds a real keras.layers.DepthwiseConv2D, sets its kernel (KH, KW, C, M) and a
non-zero bias (C*M), and records y = layer(x) and, for L = sum(y * dy) with a fixed random dy,
dL/dx, dL/dkernel and dL/dbias (tf.GradientTape). Odd sizes with 'same' padding exercise
TensorFlow's asymmetric split (the odd extra row/column after the image).
Format: a line "name d0 d1 ...", then one line with the values (float32, shortest exact form).
"""
import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras
import numpy as np
import tensorflow as tf

rng = np.random.default_rng(0)


def emit(name, array):
    array = np.asarray(array, dtype="float32")
    print(name, *array.shape)
    print(" ".join(str(v) for v in array.flatten()))  # float32's shortest exact form


def case(name, batch, height, width, channels, kernel_size, strides, padding, multiplier,
         activation=None):
    layer = keras.layers.DepthwiseConv2D(kernel_size, strides=strides, padding=padding,
                                         depth_multiplier=multiplier, activation=activation)
    x = rng.normal(size=(batch, height, width, channels)).astype("float32")
    layer.build(x.shape)
    kernel = rng.normal(scale=0.5, size=tuple(layer.kernel.shape)).astype("float32")
    bias = rng.normal(size=tuple(layer.bias.shape)).astype("float32")
    layer.kernel.assign(kernel)
    layer.bias.assign(bias)
    x_var = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = layer(x_var)
        dy = tf.constant(rng.normal(size=tuple(y.shape)).astype("float32"))
        loss = tf.reduce_sum(y * dy)
    dx, dkernel, dbias = tape.gradient(loss, [x_var, layer.kernel, layer.bias])
    print(f"# {name}: kernel_size {kernel_size}, strides {strides}, padding {padding}, "
          f"depth_multiplier {multiplier}, activation {activation}")
    emit(name + "/x", x)
    emit(name + "/kernel", kernel)
    emit(name + "/bias", bias)
    emit(name + "/y", y)
    emit(name + "/dy", dy)
    emit(name + "/dx", dx)
    emit(name + "/dkernel", dkernel)
    emit(name + "/dbias", dbias)


print("# keras", keras.__version__, "backend", keras.backend.backend(), "tensorflow",
      tf.__version__)
# 7x6, 3x3, stride 1: symmetric 'same' padding (1 each side).
case("same_s1", 2, 7, 6, 3, (3, 3), (1, 1), "same", 1)
# 7x6, 3x3, stride 2, multiplier 2: rows pad 1/1, columns 0/1 (asymmetric).
case("same_s2_m2", 2, 7, 6, 3, (3, 3), (2, 2), "same", 2)
# 4x3 kernel at strides (1,2): rows pad 1/2 even at stride 1, columns pad 1/1 (out 3).
case("same_k43_s12_m2", 1, 7, 6, 2, (4, 3), (1, 2), "same", 2)
# 'valid' at stride 2 on 7x6 leaves the last column outside every window (dx there is 0).
case("valid_s2_m2", 2, 7, 6, 3, (3, 3), (2, 2), "valid", 2)
case("valid_k23_s1_m3", 1, 5, 6, 2, (2, 3), (1, 1), "valid", 3)
# A fused relu.
case("same_s1_relu", 1, 5, 5, 4, (3, 3), (1, 1), "same", 1, "relu")
