"""Golden forward values for minidl's Conv2D ('same', stride 2, even and odd inputs) and
BatchNormalization (inference), computed with PyTorch. Run once; the tests read the output file.

    /usr/bin/python3 tests/data/make_conv_bn_golden.py > tests/data/conv_bn_golden.txt

TensorFlow's 'same' padding puts the odd extra row/column at the bottom/right; PyTorch's
padding= is symmetric, so the asymmetric padding is applied with F.pad before a 'valid' conv.
Tensors are written NHWC (minidl's layout) with the kernel as (KH, KW, Cin, Cout).
Format: a line "name d0 d1 ...", then one line with the values (float32, repr precision).
"""
import math
import torch
import torch.nn.functional as F

torch.manual_seed(0)


def emit(name, t):
    print(name, *t.shape)
    print(" ".join(repr(float(v)) for v in t.flatten()))


def same_pads(size, k, s):
    out = math.ceil(size / s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def conv_same_case(name, n, h, w, cin, cout, kh, kw, sh, sw):
    x = torch.randn(n, h, w, cin)
    kernel = torch.randn(kh, kw, cin, cout) * 0.5
    bias = torch.randn(cout)
    top, bottom = same_pads(h, kh, sh)
    left, right = same_pads(w, kw, sw)
    x_nchw = F.pad(x.permute(0, 3, 1, 2), (left, right, top, bottom))
    y = F.conv2d(x_nchw, kernel.permute(3, 2, 0, 1), bias, stride=(sh, sw)).permute(0, 2, 3, 1)
    emit(name + "/x", x)
    emit(name + "/kernel", kernel)
    emit(name + "/bias", bias)
    emit(name + "/y", y)


def bn_inference_case(name, shape):
    c = shape[-1]
    x = torch.randn(*shape)
    gamma, beta = torch.rand(c) + 0.5, torch.randn(c)
    mean, var = torch.randn(c), torch.rand(c) + 0.1
    y = F.batch_norm(x.reshape(-1, c), mean, var, gamma, beta, training=False, eps=1e-3)
    emit(name + "/x", x)
    emit(name + "/gamma", gamma)
    emit(name + "/beta", beta)
    emit(name + "/moving_mean", mean)
    emit(name + "/moving_variance", var)
    emit(name + "/y", y.reshape(shape))


# 6x6, 3x3 kernel, stride 2: total padding 1 -> 0 before, 1 after (the asymmetric case).
conv_same_case("conv_same_s2_even", 2, 6, 6, 3, 4, 3, 3, 2, 2)
# 7x8, 4x3 kernel, strides (2,3): rows pad 1/2, columns pad 0/1.
conv_same_case("conv_same_s23_odd", 1, 7, 8, 2, 3, 4, 3, 2, 3)
bn_inference_case("bn_inference", (3, 2, 2, 5))
