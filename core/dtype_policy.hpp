// Keras' dtype policies: what a layer computes in. Weights, optimizer state, losses and
// BatchNormalization's statistics are float32 under both.
//   float32         everything in float32.
//   mixed_bfloat16  Conv2D's and Dense's products (forward and both gradients) multiply bfloat16
//                   operands, rounded from the float32 ones, and add in float32 (core/gemm_bf16).
//                   Their outputs, and every other layer, stay float32.
// A layer takes the global policy when it is made, as in Keras; Layer::set_dtype_policy and
// Model::set_dtype_policy change it afterwards.
#pragma once

#include <string>

namespace minidl {

enum class DtypePolicy { float32, mixed_bfloat16 };

// The policy layers made from now on take; float32 unless set.
DtypePolicy global_dtype_policy();
void set_dtype_policy(DtypePolicy policy);
// "float32" or "mixed_bfloat16".
void set_dtype_policy(const std::string& name);

const char* dtype_policy_name(DtypePolicy policy);
// minidl::Error naming the choices for another name.
DtypePolicy parse_dtype_policy(const std::string& name);

}  // namespace minidl
