// Accuracy, with the meaning Keras gives "accuracy" for the loss in use:
//   sparse labels (N) or (N,1) with predictions (N,C>1): argmax(prediction) == label;
//   targets (N,C>1) of the predictions' shape: argmax(prediction) == argmax(target);
//   predictions (N,1) with targets (N,1) or (N): (prediction > 0.5) == (target > 0.5).
#pragma once

#include <minidl/core/tensor.hpp>

namespace minidl {

// The number of correctly predicted samples in the batch.
Index count_correct(const Tensor& predictions, const Tensor& targets);

}  // namespace minidl
