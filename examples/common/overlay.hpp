// Masks and boxes drawn over images, for augment_preview --masks.
#pragma once

#include <minidl/minidl.hpp>

namespace examples {

// The images as RGB (a gray image in all three channels), the pixels of mask class >= 1 tinted
// red, and each box outlined in green: (N,H,W,3) in 0..255.
minidl::Tensor overlay(const minidl::AnnotatedImages& batch);

// Annotations for images without any: the mask is class 1 where channel 0 exceeds `threshold`
// (the object of a Fashion-MNIST image), and one box, labelled 1, encloses it.
minidl::AnnotatedImages annotate_foreground(const minidl::Tensor& images, float threshold);

}  // namespace examples
