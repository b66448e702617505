"""Golden outputs of Keras 3's geometric augmentation layers, for minidl's affine_transform and
RandomRotation / RandomTranslation / RandomZoom. Run once; the tests read the output file.

    python3 -m pip install keras jax scipy
    KERAS_BACKEND=numpy python3 tests/data/make_augment_golden.py > tests/data/augment_golden.txt

Each layer gets a degenerate factor range (lower == upper), so its "random" draw is fixed and the
output is deterministic. The image is non-square with two channels; translations avoid exact
half-pixel sample positions, where nearest-neighbour rounding conventions differ.
Format: a line "name d0 d1 ...", then one line with the values (float32, repr precision).
"""
import os

os.environ.setdefault("KERAS_BACKEND", "numpy")
import keras
import numpy as np

rng = np.random.default_rng(0)
image = rng.uniform(0, 1, size=(5, 7, 2)).astype("float32")


def emit(name, array):
    array = np.asarray(array, dtype="float32")
    print(name, *array.shape)
    print(" ".join(repr(float(v)) for v in array.flatten()))


emit("image", image)
print("# keras", keras.__version__, "backend", keras.backend.backend())
for fill_mode in ("reflect", "wrap", "constant", "nearest"):
    for interpolation in ("bilinear", "nearest"):
        common = dict(fill_mode=fill_mode, interpolation=interpolation, fill_value=0.25)
        tag = f"{fill_mode}/{interpolation}"
        for degrees in (30.0, -100.0):
            f = degrees / 360.0
            layer = keras.layers.RandomRotation(factor=(f, f), **common)
            emit(f"rotation/{degrees:g}/{tag}", layer(image, training=True))
        layer = keras.layers.RandomTranslation(height_factor=(0.26, 0.26),
                                               width_factor=(-0.33, -0.33), **common)
        emit(f"translation/0.26,-0.33/{tag}", layer(image, training=True))
        layer = keras.layers.RandomZoom(height_factor=(0.3, 0.3), width_factor=(-0.2, -0.2),
                                        **common)
        emit(f"zoom/0.3,-0.2/{tag}", layer(image, training=True))

for interpolation in ("bilinear", "nearest"):
    for size in ((3, 4), (8, 11)):
        layer = keras.layers.Resizing(*size, interpolation=interpolation)
        emit(f"resizing/{size[0]}x{size[1]}/{interpolation}", layer(image))
emit("center_crop/3x4", keras.layers.CenterCrop(3, 4)(image))
