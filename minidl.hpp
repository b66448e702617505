// The umbrella header: everything a user of minidl needs.
#pragma once

#include <minidl/core/error.hpp>
#include <minidl/core/gemm.hpp>
#include <minidl/core/generator.hpp>
#include <minidl/core/shape.hpp>
#include <minidl/core/tensor.hpp>
#include <minidl/core/threads.hpp>
#include <minidl/data/synthetic.hpp>
#include <minidl/layers/activation.hpp>
#include <minidl/layers/average_pooling2d.hpp>
#include <minidl/layers/batch_normalization.hpp>
#include <minidl/layers/conv2d.hpp>
#include <minidl/layers/dense.hpp>
#include <minidl/layers/dropout.hpp>
#include <minidl/layers/flatten.hpp>
#include <minidl/layers/global_average_pooling2d.hpp>
#include <minidl/layers/layer.hpp>
#include <minidl/layers/max_pooling2d.hpp>
#include <minidl/models/losses.hpp>
#include <minidl/models/metrics.hpp>
#include <minidl/models/optimizers.hpp>
#include <minidl/models/sequential.hpp>
