"""Golden vectors for the deterministic part of Keras 3's image augmentation layers.

Produces keras_goldens.json (next to this file). Generated with Keras 3.15.1, NumPy 2.4.6,
TensorFlow 2.21.0 (tensorflow-cpu), jax 0.10.2, scipy 1.17.1, Python 3.11.

How to run (from the repository root):

    python3 -m pip install keras==3.15.1 tensorflow-cpu jax scipy
    KERAS_BACKEND=numpy python3 tests/data/augment/make_keras_goldens.py

The Keras numpy backend imports jax at start-up (and uses jax.lax for depthwise_conv) and uses
scipy for map_coordinates / convolve2d, so both must be installed. The default backend is
"numpy"; a case computed on the TensorFlow backend says so in its "backend" field. The
TensorFlow backend is reached in the same process through Keras' own DynamicBackend
(`layer.backend.set_backend("tensorflow")`, the mechanism the layers use inside tf.data).
Every numpy case is also re-run on the TensorFlow backend and the largest absolute difference
is stored as "tf_backend_max_abs_diff" (informational; the golden is the "backend" output).

How fixed parameters are imposed: each Keras layer's `get_random_transformation` returns a dict
(or array) of per-image parameters. The script builds that structure by hand with fixed values
and calls `layer.transform_images(images, transformation=..., training=True)`. "params" records
the exact values placed in the transformation; "note" says what they mean.

Cases (image 0 gets the first per-image value, image 1 the second):
  rgb_to_hsv, hsv_to_rgb, hsv_to_rgb_hue_wrap, rgb_hsv_round_trip, rgb_to_hsv_ties
      keras.ops.image.rgb_to_hsv / hsv_to_rgb on inputs in [0, 1].
  rgb_to_grayscale                    keras.ops.image.rgb_to_grayscale.
  random_grayscale                    RandomGrayscale.transform_images, transformation =
                                      bool array (2,1,1,1) all True.
  random_hue                          RandomHue.transform_images, {"factor": [0.1, -0.3]}.
  random_saturation, random_saturation_vr01
                                      RandomSaturation.transform_images,
                                      {"factor": f/(1-f+1e-7)} for f = 0.25, 0.8.
  random_color_degeneration           RandomColorDegeneration, {"factor": [0.3, 0.9]} (2,1,1,1).
  random_sharpness                    RandomSharpness, {"factor": [0.2, 0.8]}.
  random_posterization                RandomPosterization, {"shift_factor": uint8 [5, 2]}
                                      (bits 3 and 6; shift = 8 - bits).
  solarization                        Solarization, {"additions": [0, 20], "thresholds":
                                      [100, 200]} each shaped (2,1,1,1).
  random_invert_vr0_255, random_invert_vr_m1_1
                                      RandomInvert, {"apply_inversion": [True, True]}.
  auto_contrast, auto_contrast_const_channel
                                      AutoContrast.transform_images (no random parameters).
  equalization_single, equalization_batch2
                                      Equalization(bins=256).transform_images.
  gaussian_blur_k3_s1, gaussian_blur_k5_s06_14, gaussian_blur_k3x5_s06_14
                                      RandomGaussianBlur(kernel_size=...).transform_images with
                                      {"should_apply_blur": [True, True], "blur_factor": sigma}.
  random_shear_<interp>_<fill>        RandomShear(interpolation, fill_mode, fill_value=0)
                                      .transform_images, {"shear_factor": [[0.2, 0.0],
                                      [-0.1, 0.35]]}.
  random_perspective_bilinear         RandomPerspective(fill_value=0).transform_images with
                                      fixed start/end points.
  affine_transform_projective_<interp>
                                      keras.ops.image.affine_transform on the TensorFlow
                                      backend (the numpy backend ignores c0, c1: see note).
  random_erasing                      RandomErasing.transform_images with masks built by the
                                      layer's own _generate_batch_mask from fixed rectangles.
  random_color_jitter                 skipped (composition).
"""
import json
import os
import sys
import warnings

os.environ.setdefault("KERAS_BACKEND", "numpy")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

import keras  # noqa: E402
from keras import layers  # noqa: E402
from keras.src.utils.backend_utils import DynamicBackend  # noqa: E402

warnings.filterwarnings("ignore")

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keras_goldens.json")
MAIN_BACKEND = keras.backend.backend()
TFB = DynamicBackend("tensorflow")
F32 = np.float32


def base_images():
    rs = np.random.RandomState(0)
    return np.round(rs.uniform(0, 255, size=(2, 5, 6, 3)), 2).astype(F32)


X = base_images()
N, H, W, C = X.shape


def to_np(a):
    if hasattr(a, "numpy"):
        a = a.numpy()
    return np.asarray(a)


def flat(a):
    a = np.asarray(a)
    if a.dtype == bool:
        return [bool(v) for v in a.reshape(-1)]
    if np.issubdtype(a.dtype, np.integer):
        return [int(v) for v in a.reshape(-1)]
    a = a.astype(F32).reshape(-1)
    assert np.all(np.isfinite(a)), "non-finite value in golden"
    return [float("%.9g" % v) for v in a]


def jsonable(v):
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, np.ndarray):
        if v.ndim == 0:
            return jsonable(v[()])
        return jsonable(v.tolist()) if v.dtype != F32 else np.vectorize(
            lambda s: float("%.9g" % s), otypes=[object])(v).tolist()
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return float("%.9g" % v)
    return v


cases = []


def add(name, layer, params, note, inp, out, value_range=(0, 255), backend=None,
        tf_out=None, extra=None):
    out = to_np(out)
    case = {
        "name": name,
        "layer": layer,
        "backend": backend or MAIN_BACKEND,
        "params": jsonable(params),
        "note": note,
        "value_range": list(value_range),
        "shape": list(inp.shape),
        "input": flat(inp),
        "output_shape": list(out.shape),
        "output": flat(out),
    }
    if tf_out is not None:
        case["tf_backend_max_abs_diff"] = float(
            "%.9g" % np.max(np.abs(to_np(tf_out).astype(F32) - out.astype(F32))))
    if extra:
        case.update(jsonable(extra))
    cases.append(case)
    print(f"{name:40s} {case['backend']:10s} out{tuple(out.shape)}"
          + (f"  tf diff {case.get('tf_backend_max_abs_diff')}" if tf_out is not None else ""))


def layer_both(layer, images, transformation):
    """transform_images on the main backend, then on the TF backend for the cross-check."""
    out = to_np(layer.transform_images(images, transformation=transformation, training=True))
    layer.backend.set_backend("tensorflow")
    try:
        tf_out = to_np(layer.transform_images(images, transformation=transformation,
                                              training=True))
    finally:
        layer.backend.reset()
    return out, tf_out


def check_no_half(coords, what):
    """Nearest-neighbour goldens must not sample at exact .5 positions (rounding differs)."""
    frac = np.abs(np.asarray(coords, dtype=np.float64) % 1.0 - 0.5)
    assert frac.min() > 1e-3, f"{what}: a sample position is (nearly) exactly at .5"


# ---------------------------------------------------------------- colour-space ops
X01 = (X / F32(255.0)).astype(F32)
ops = keras.ops.image

out = ops.rgb_to_hsv(X01)
add("rgb_to_hsv", "keras.ops.image.rgb_to_hsv", {},
    "input = base image / 255 (float32). Output channels (H, S, V), H in [0,1) as a fraction "
    "of a turn, S = (max-min)/max (0 if max==0), V = max. Values with |x| < float32 eps are "
    "zeroed first. Hue branch priority: max==R, else max==G, else B; H<0 gets +1.",
    X01, out, value_range=(0, 1), tf_out=TFB.image.rgb_to_hsv(X01))

out = ops.hsv_to_rgb(X01)
add("hsv_to_rgb", "keras.ops.image.hsv_to_rgb", {},
    "input = base image / 255 read as (H, S, V). dh = mod(H,1)*6; dr = clip(|dh-3|-1,0,1), "
    "dg = clip(2-|dh-2|,0,1), db = clip(2-|dh-4|,0,1); out = V*(1-S+S*d). No output clip.",
    X01, out, value_range=(0, 1), tf_out=TFB.image.hsv_to_rgb(X01))

hsv_wrap = X01.copy()
hsv_wrap[..., 0] = X01[..., 0] * F32(3.0) - F32(1.0)
out = ops.hsv_to_rgb(hsv_wrap)
add("hsv_to_rgb_hue_wrap", "keras.ops.image.hsv_to_rgb", {},
    "as hsv_to_rgb but H = 3*(x/255) - 1 in [-1, 2], to show H is taken mod 1 "
    "(numpy-style mod: result in [0,1) also for negative H). The TF backend (tf.image."
    "hsv_to_rgb) does NOT wrap: it clamps H to [0,1] (hence the large tf diff).",
    hsv_wrap, out, value_range=(0, 1), tf_out=TFB.image.hsv_to_rgb(hsv_wrap))

out = ops.hsv_to_rgb(ops.rgb_to_hsv(X01))
add("rgb_hsv_round_trip", "keras.ops.image.hsv_to_rgb(keras.ops.image.rgb_to_hsv(x))", {},
    "round trip on base image / 255; differs from the input only by float32 rounding.",
    X01, out, value_range=(0, 1),
    tf_out=TFB.image.hsv_to_rgb(TFB.image.rgb_to_hsv(X01)),
    extra={"max_abs_diff_vs_input": float(np.max(np.abs(to_np(out) - X01)))})

ties = np.array([[[[0.0, 0.0, 0.0], [0.5, 0.5, 0.5], [1.0, 1.0, 0.0], [0.0, 1.0, 1.0]],
                  [[1.0, 0.0, 1.0], [0.2, 0.2, 0.6], [1e-8, 0.0, 0.0], [0.3, 0.1, 0.2]]]],
                dtype=F32)
out = ops.rgb_to_hsv(ties)
add("rgb_to_hsv_ties", "keras.ops.image.rgb_to_hsv", {},
    "hand-made pixels: black, grey, R=G max (R branch wins -> H=1/6), G=B max (G branch -> "
    "H=0.5), R=B max (R branch -> H=-1/6+1=5/6), B max, 1e-8 (< eps -> zeroed -> black), "
    "R max with G<B (negative hue wrapped +1). The TF backend (tf.image.rgb_to_hsv) does "
    "not zero tiny values: for the 1e-8 pixel it gives S=1, V=1e-8 (hence tf diff 1).",
    ties, out, value_range=(0, 1), tf_out=TFB.image.rgb_to_hsv(ties))

out = ops.rgb_to_grayscale(X)
add("rgb_to_grayscale", "keras.ops.image.rgb_to_grayscale", {"weights": [0.2989, 0.587, 0.114]},
    "gray = 0.2989*R + 0.5870*G + 0.1140*B (weights in float32, sum 0.9999, no clip); "
    "output has 1 channel.", X, out, tf_out=TFB.image.rgb_to_grayscale(X))

# ---------------------------------------------------------------- RandomGrayscale
lay = layers.RandomGrayscale(factor=1.0)
tr = np.array([True, True]).reshape(2, 1, 1, 1)
out, tfo = layer_both(lay, X, tr)
add("random_grayscale", "keras.layers.RandomGrayscale.transform_images",
    {"should_apply": [True, True]},
    "transformation is a bool array (N,1,1,1) (true where u < factor). Output = "
    "where(apply, rgb_to_grayscale(x), x): the 1-channel gray broadcasts, so the output "
    "KEEPS 3 channels, each equal to gray. No value_range use, no clip.",
    X, out, tf_out=tfo)

# ---------------------------------------------------------------- RandomHue
lay = layers.RandomHue(factor=(0.0, 1.0), value_range=(0, 255))
hue = np.array([0.1, -0.3], dtype=F32)
out, tfo = layer_both(lay, X, {"factor": hue})
add("random_hue", "keras.layers.RandomHue.transform_images", {"factor": hue},
    "transformation['factor'] = delta added to H, where H is a fraction of a full turn "
    "(+0.1 = +36 deg, -0.3 = -108 deg). The layer draws delta = sign*u*0.5 with u in the "
    "layer factor range and sign = -1 if another uniform > 0.5 (so layer factor 1.0 means at "
    "most half a turn). Formula: x01 = (x-lo)/(hi-lo); H' = H+delta; H' -= 1 if H' > 1; "
    "H' += 1 if H' < 0; y = clip(hsv_to_rgb(H',S,V), 0, 1)*(hi-lo)+lo.",
    X, out, tf_out=tfo)

# ---------------------------------------------------------------- RandomSaturation
f_sat = np.array([0.25, 0.8], dtype=F32)
mult = f_sat / (F32(1.0) - f_sat + F32(keras.config.epsilon()))
lay = layers.RandomSaturation(factor=(0.0, 1.0), value_range=(0, 255))
out, tfo = layer_both(lay, X, {"factor": mult})
add("random_saturation", "keras.layers.RandomSaturation.transform_images",
    {"factor_f": f_sat, "factor": mult},
    "layer draws f in its factor range and stores multiplier m = f/(1-f+1e-7) "
    "(float32; f=0.5 -> identity, f=0.25 -> 1/3, f=0.8 -> ~4). transform: (H,S,V) = "
    "rgb_to_hsv(x) directly on the 0..255 values (no value-range mapping; H and S are "
    "scale-invariant, V stays in 0..255); S' = clip(S*m, lo, hi) with the value_range bounds "
    "(0,255), so S is effectively NOT clipped at 1; y = hsv_to_rgb(H,S',V), no final clip: "
    "S'>1 gives negative outputs (image 1).",
    X, out, tf_out=tfo)

lay = layers.RandomSaturation(factor=(0.0, 1.0), value_range=(0, 1))
out, tfo = layer_both(lay, X01, {"factor": mult})
add("random_saturation_vr01", "keras.layers.RandomSaturation.transform_images",
    {"factor_f": f_sat, "factor": mult},
    "same multipliers with value_range (0,1) on input/255: now S' = clip(S*m, 0, 1).",
    X01, out, value_range=(0, 1), tf_out=tfo)

# ---------------------------------------------------------------- RandomColorDegeneration
lay = layers.RandomColorDegeneration(factor=(0.0, 1.0), value_range=(0, 255))
cd = np.array([0.3, 0.9], dtype=F32).reshape(2, 1, 1, 1)
out, tfo = layer_both(lay, X, {"factor": cd})
add("random_color_degeneration", "keras.layers.RandomColorDegeneration.transform_images",
    {"factor": cd.reshape(-1)},
    "transformation['factor'] shape (N,1,1,1). y = clip(x + f*(gray(x) - x), lo, hi), "
    "gray = rgb_to_grayscale weights (0.2989,0.587,0.114); f=0 identity, f=1 fully gray.",
    X, out, tf_out=tfo)

# ---------------------------------------------------------------- RandomSharpness
lay = layers.RandomSharpness(factor=(0.0, 1.0), value_range=(0, 255))
sh = np.array([0.2, 0.8], dtype=F32)
out, tfo = layer_both(lay, X, {"factor": sh})
add("random_sharpness", "keras.layers.RandomSharpness.transform_images", {"factor": sh},
    "s = 2*factor; smoothed = depthwise conv with kernel [[1,1,1],[1,5,1],[1,1,1]]/13, "
    "padding 'same' = ZERO padding (border pixels are smoothed too, towards 0); "
    "y = clip(x + (1-s)*(smoothed - x), lo, hi). factor 0.5 = identity, 0.2 -> 0.6 of the way "
    "to smoothed, 0.8 -> sharpen (1-s = -0.6). Numpy backend runs the conv through jax.lax.",
    X, out, tf_out=tfo)

# ---------------------------------------------------------------- RandomPosterization
lay = layers.RandomPosterization(factor=(1, 8), value_range=(0, 255))
bits = np.array([3, 6], dtype=np.uint8)
shift = (np.uint8(8) - bits).astype(np.uint8)
out, tfo = layer_both(lay, X, {"shift_factor": shift})
add("random_posterization", "keras.layers.RandomPosterization.transform_images",
    {"bits": bits, "shift_factor": shift},
    "transformation holds shift_factor = 8 - bits (uint8). x255 = (x-lo)/(hi-lo)*255, cast to "
    "uint8 (truncation toward zero), y8 = (x255 >> shift) << shift, y = y8/255*(hi-lo)+lo "
    "(the (0,255) range maps are skipped exactly when value_range == (0,255)).",
    X, out, tf_out=tfo)

# ---------------------------------------------------------------- Solarization
lay = layers.Solarization(addition_factor=(0.0, 1.0), threshold_factor=(0.0, 1.0),
                          value_range=(0, 255))
adds = np.array([0.0, 20.0], dtype=F32).reshape(2, 1, 1, 1)
thr = np.array([100.0, 200.0], dtype=F32).reshape(2, 1, 1, 1)
out, tfo = layer_both(lay, X, {"additions": adds, "thresholds": thr})
add("solarization", "keras.layers.Solarization.transform_images",
    {"additions": adds.reshape(-1), "thresholds": thr.reshape(-1)},
    "additions/thresholds are in 0..255 units, shape (N,1,1,1). x255 = map x to 0..255; "
    "r = clip(x255 + add, 0, 255); y255 = r if r < thr else 255 - r; map back to value_range. "
    "Note the output keeps the added offset below the threshold.",
    X, out, tf_out=tfo)

# ---------------------------------------------------------------- RandomInvert
lay = layers.RandomInvert(factor=1.0, value_range=(0, 255))
app = np.array([True, True])
out, tfo = layer_both(lay, X, {"apply_inversion": app})
add("random_invert_vr0_255", "keras.layers.RandomInvert.transform_images",
    {"apply_inversion": app},
    "y = where(apply, value_range[1] - x, x). Only the upper bound is used; no clip.",
    X, out, tf_out=tfo)

Xm1 = (X / F32(127.5) - F32(1.0)).astype(F32)
lay = layers.RandomInvert(factor=1.0, value_range=(-1, 1))
out, tfo = layer_both(lay, Xm1, {"apply_inversion": app})
add("random_invert_vr_m1_1", "keras.layers.RandomInvert.transform_images",
    {"apply_inversion": app},
    "input = x/127.5 - 1 in [-1,1]. y = 1 - x (value_range[1] - x), so the output lies in "
    "[0, 2], NOT the mirror (lo+hi) - x = -x. No clip.",
    Xm1, out, value_range=(-1, 1), tf_out=tfo)

# ---------------------------------------------------------------- AutoContrast
lay = layers.AutoContrast(value_range=(0, 255))
with np.errstate(all="ignore"):
    out, tfo = layer_both(lay, X, None)
add("auto_contrast", "keras.layers.AutoContrast.transform_images", {},
    "per image AND per channel: lo_c = min over (H,W), hi_c = max; y255 = clip((x255 - lo_c)"
    "*255/(hi_c-lo_c), 0, 255) with x255 = x mapped to 0..255; map back; where the result is "
    "NaN the ORIGINAL input is returned.", X, out, tf_out=tfo)

Xc = X.copy()
Xc[0, :, :, 1] = 7.0
with np.errstate(all="ignore"):
    out, tfo = layer_both(lay, Xc, None)
add("auto_contrast_const_channel", "keras.layers.AutoContrast.transform_images", {},
    "image 0 channel 1 is constant 7.0: hi-lo = 0 -> scale = inf, x*inf - lo*inf = NaN -> "
    "the NaN guard returns the original 7.0 for that channel; other channels stretched.",
    Xc, out, tf_out=tfo)

# ---------------------------------------------------------------- Equalization
rs1 = np.random.RandomState(1)
Xeq = np.floor(255.0 * rs1.uniform(0, 1, size=(1, 8, 9, 3)) ** np.array([3.0, 2.0, 0.5])
               ).astype(F32)
lay = layers.Equalization(value_range=(0, 255), bins=256)
out, tfo = layer_both(lay, Xeq, None)
add("equalization_single", "keras.layers.Equalization.transform_images", {"bins": 256},
    "per channel, histogram over the WHOLE BATCH (here 1 image): bin = int32((v-0)*(bins-1)/255)"
    " clipped to [0,bins-1]; if <=1 nonzero bins the channel is unchanged; else cdf = cumsum, "
    "cdf_min = first nonzero cdf, lut = clip(round((cdf-cdf_min)*255/max(cdf[-1]-cdf_min,1)),"
    "0,255) (round = half-to-even); y = lut[int32(clip(v/255*(bins-1), 0, bins-1))]. Input: "
    "integers 0..255, channel c = floor(255*u^p), p = 3, 2, 0.5 (skewed).",
    Xeq, out, tf_out=tfo)

out, tfo = layer_both(lay, X, None)
add("equalization_batch2", "keras.layers.Equalization.transform_images", {"bins": 256},
    "same formula on the 2-image base batch: ONE histogram per channel over both images "
    "(N*H*W = 60 values), non-integer inputs truncated to their bin.", X, out, tf_out=tfo)

# ---------------------------------------------------------------- RandomGaussianBlur
for name, ks, sig in (("gaussian_blur_k3_s1", 3, (1.0, 1.0)),
                      ("gaussian_blur_k5_s06_14", 5, (0.6, 1.4)),
                      ("gaussian_blur_k3x5_s06_14", (3, 5), (0.6, 1.4))):
    lay = layers.RandomGaussianBlur(factor=1.0, kernel_size=ks, sigma=1.0,
                                    value_range=(0, 255))
    bf = np.array(sig, dtype=F32)
    tr = {"should_apply_blur": np.array([True, True]), "blur_factor": bf}
    out, tfo = layer_both(lay, X, tr)
    note = ("layer.kernel_size = %s (a 2-tuple: [0] = taps along x/width, [1] = taps along "
            "y/height). blur_factor = (sigma_x, sigma_y), ONE pair drawn per batch (shape (2,)),"
            " the layer adds 1e-6 to its draw; here the exact values are passed. 1-D kernel "
            "k(i) = exp(-0.5*((i-(n-1)/2)/sigma)^2) normalised to sum 1; 2-D = outer(k_y, k_x);"
            " ZERO padding (numpy: np.pad constant 0 + convolve2d 'valid'; TF: depthwise "
            "'SAME'); then clip(., lo, hi)." % (lay.kernel_size,))
    if isinstance(ks, tuple):
        note += (" NON-SQUARE: here x has 3 taps (sigma 0.6), y has 5 taps (sigma 1.4). The TF "
                 "backend reshapes the (5,3) kernel to (3,5) (row-major reinterpretation), so "
                 "its output differs: do not match TF for non-square kernels.")
    add(name, "keras.layers.RandomGaussianBlur.transform_images",
        {"kernel_size": list(lay.kernel_size), "sigma_xy": bf,
         "should_apply_blur": [True, True]},
        note, X, out, tf_out=tfo)

# ---------------------------------------------------------------- RandomShear
shear = np.array([[0.2, 0.0], [-0.1, 0.35]], dtype=F32)
shear_matrix = None
for interp in ("bilinear", "nearest"):
    for fill in ("reflect", "constant"):
        lay = layers.RandomShear(x_factor=(0.0, 1.0), y_factor=(0.0, 1.0),
                                 interpolation=interp, fill_mode=fill, fill_value=0.0)
        shear_matrix = to_np(lay._get_shear_matrix(shear)).astype(F32)
        if interp == "nearest":
            yy, xx = np.meshgrid(np.arange(H), np.arange(W), indexing="ij")
            for m in shear_matrix:
                check_no_half(m[0] * xx + m[1] * yy + m[2], "shear x")
                check_no_half(m[3] * xx + m[4] * yy + m[5], "shear y")
        out, tfo = layer_both(lay, X, {"shear_factor": shear, "input_shape": X.shape})
        add(f"random_shear_{interp}_{fill}", "keras.layers.RandomShear.transform_images",
            {"shear_factor_sx_sy": shear, "transform_8": shear_matrix,
             "interpolation": interp, "fill_mode": fill, "fill_value": 0.0},
            "shear_factor rows = (sx, sy) per image, already including the layer's random "
            "sign (layer draws sx in x_factor, sy in y_factor, multiplies both by the same "
            "+-1). Matrix [a0,a1,a2,b0,b1,b2,c0,c1] = [1, sx, 0, sy, 1, 0, 0, 0] -> "
            "affine_transform maps OUTPUT pixel (x,y) to INPUT point x_in = x + sx*y, "
            "y_in = sy*x + y (about the top-left pixel centre (0,0), no centring, integer "
            "pixel centres). 'reflect' = half-sample symmetric (d c b a | a b c d | d c b a); "
            "'constant' fills fill_value; bilinear/nearest (no sample is at an exact .5).",
            X, out, tf_out=tfo)

# ---------------------------------------------------------------- RandomPerspective
start = np.array([[[0, 0], [W - 1, 0], [0, H - 1], [W - 1, H - 1]]] * 2, dtype=F32)
end = np.array([[[1.0, 1.0], [W - 2.0, 0.5], [0.5, H - 2.0], [W - 1.5, H - 1.5]],
                [[0.8, 0.4], [W - 2.2, 0.9], [0.3, H - 1.7], [W - 1.5, H - 2.1]]],
               dtype=F32)
lay = layers.RandomPerspective(factor=1.0, scale=1.0, interpolation="bilinear",
                               fill_value=0.0)
homog = to_np(ops.compute_homography_matrix(start, end)
              if hasattr(ops, "compute_homography_matrix")
              else lay.backend.image.compute_homography_matrix(start, end)).astype(F32)
tr = {"apply_perspective": np.array([True, True]), "start_points": start,
      "end_points": end, "input_shape": X.shape}
out, tfo = layer_both(lay, X, tr)
add("random_perspective_bilinear", "keras.layers.RandomPerspective.transform_images",
    {"start_points": start, "end_points": end, "homography_a0_a7": homog,
     "interpolation": "bilinear", "fill_value": 0.0},
    "points are (x, y) in pixel units, order TL, TR, BL, BR. compute_homography_matrix solves "
    "the 8x8 system so that H maps END points to START points; output pixel (x,y) samples "
    "input at x_in = (a0 x + a1 y + a2)/(a6 x + a7 y + 1), y_in = (a3 x + a4 y + a5)/"
    "(a6 x + a7 y + 1); fill mode is always 'constant' with fill_value. The layer's own draw "
    "is end = start + start*u (u in +-0.5*scale per coordinate), so the TL corner (0,0) and "
    "the x of BL / y of TR never move.",
    X, out, tf_out=tfo)

# ---------------------------------------------------------------- affine_transform projective
proj = np.array([[0.9, 0.12, 0.27, -0.05, 1.1, -0.2, 0.02, -0.03],
                 [1.05, -0.1, -0.4, 0.08, 0.95, 0.35, -0.015, 0.025]], dtype=F32)
yy, xx = np.meshgrid(np.arange(H, dtype=np.float64), np.arange(W, dtype=np.float64),
                     indexing="ij")
for t in proj.astype(np.float64):
    k = t[6] * xx + t[7] * yy + 1.0
    check_no_half((t[0] * xx + t[1] * yy + t[2]) / k, "proj x")
    check_no_half((t[3] * xx + t[4] * yy + t[5]) / k, "proj y")
for interp in ("bilinear", "nearest"):
    out = to_np(TFB.image.affine_transform(X, proj, interpolation=interp,
                                           fill_mode="constant", fill_value=0.0))
    np_out = to_np(keras.ops.image.affine_transform(X, proj, interpolation=interp,
                                                    fill_mode="constant", fill_value=0.0))
    add(f"affine_transform_projective_{interp}", "keras.ops.image.affine_transform",
        {"transform": proj, "interpolation": interp, "fill_mode": "constant",
         "fill_value": 0.0},
        "TensorFlow backend (tf.raw_ops.ImageProjectiveTransformV3). transform = [a0,a1,a2,"
        "b0,b1,b2,c0,c1] maps OUTPUT (x,y) to INPUT: k = c0 x + c1 y + 1, x_in = (a0 x + a1 y "
        "+ a2)/k, y_in = (b0 x + b1 y + b2)/k; constant fill outside. The NUMPY backend is "
        "wrong for c0,c1 != 0: it does no division and instead adds c0*channel_index to y_in "
        "and c1*channel_index to x_in; its output is not a golden (see "
        "numpy_backend_max_abs_diff).",
        X, out, backend="tensorflow",
        extra={"numpy_backend_max_abs_diff": float(np.max(np.abs(np_out - out)))})

# ---------------------------------------------------------------- RandomErasing
lay = layers.RandomErasing(factor=1.0, scale=(0.02, 0.33), fill_value=0.0,
                           value_range=(0, 255))
x0 = np.array([1.0, 0.5], dtype=F32)
x1 = np.array([4.0, 3.2], dtype=F32)
y0 = np.array([0.0, 2.0], dtype=F32)
y1 = np.array([2.5, 5.0], dtype=F32)
masks = to_np(lay._generate_batch_mask(X.shape, (x0, x1, y0, y1)))
fills = np.array([[0.0, 0.0, 0.0], [10.0, 128.0, 250.0]], dtype=F32)
fill_value = np.clip(np.broadcast_to(fills[:, None, None, :], X.shape), 0, 255).astype(F32)
tr = {"apply_erasing": np.array([True, True]), "batch_masks": masks, "fill_value": fill_value}
out, tfo = layer_both(lay, X, tr)
add("random_erasing", "keras.layers.RandomErasing.transform_images",
    {"x0": x0, "x1": x1, "y0": y0, "y1": y1, "fill_rgb": fills,
     "apply_erasing": [True, True]},
    "transformation holds explicit per-pixel batch_masks (N,H,W,C bool) and a full-size "
    "fill_value array; masks are built with the layer's own _generate_batch_mask: pixel "
    "(x,y) (integer column/row index) is erased iff x0 <= x < x1 and y0 <= y < y1 (float "
    "bounds). y = where(mask & apply, fill, x). The layer draws w = sqrt(u1), h = sqrt(u2) "
    "with u in scale; len = w*W (resp. h*H); start = u3*(W-len); fill_value None -> "
    "normal*value_range[1]; fill is clipped to value_range.",
    X, out, tf_out=tfo)

cases.append({
    "name": "random_color_jitter",
    "skipped": "RandomColorJitter is a composition: in transform_images it draws and applies, "
               "in this order, RandomBrightness -> RandomContrast -> RandomSaturation -> "
               "RandomHue (each only if its factor is not None), each sub-layer drawing its "
               "own transformation from the jitter's seed generator; covered by the "
               "individual cases.",
})

doc = {
    "keras_version": keras.__version__,
    "backend": MAIN_BACKEND,
    "backend_note": "default backend for all cases; a case's own 'backend' field is "
                    "authoritative. tf_backend_max_abs_diff = max |TF-backend output - "
                    "golden| for the same call (informational).",
    "numpy_version": np.__version__,
    "input_recipe": "np.round(np.random.RandomState(0).uniform(0, 255, (2,5,6,3)), 2)"
                    ".astype(float32); cases derived from it say how",
    "cases": cases,
}
with open(OUT, "w") as fh:
    json.dump(doc, fh, separators=(",", ":"))
    fh.write("\n")
print("wrote", OUT, os.path.getsize(OUT), "bytes", file=sys.stderr)
