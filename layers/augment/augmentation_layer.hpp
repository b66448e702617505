// AugmentationLayer: what the random image augmentation layers share.
//   Input: a batch (N,H,W,C) or one image (H,W,C); the output has the input's shape.
//   training == true:  every image gets its own random parameters, drawn from its own stream
//                      (Layer::next_sample_streams: keyed by seed, epoch, the image's position
//                      in the epoch and the call), then the images are transformed in parallel:
//                      the output depends on the seed and the positions, never on the thread
//                      count, the batch split or the number of processes.
//   training == false: the identity; the output shares the input's buffer, bit for bit.
// `training` has no default, here or in the layers: a call outside a model says what it wants
// (Keras' layers default to training=True when called alone, its models to False, which is the
// confusion this avoids).
// backward passes the gradient through unchanged: augmentation sits at the input, where no
// gradient is needed, and a model never calls it there.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <minidl/layers/augment/annotated_images.hpp>
#include <minidl/layers/layer.hpp>

namespace minidl {

// A factor range: one number f means [-f, f]; two numbers are (lower, upper).
struct FactorRange {
  FactorRange(float factor) : lower(-factor), upper(factor) {}  // NOLINT: implicit, as Keras
  FactorRange(float low, float high) : lower(low), upper(high) {}
  float lower, upper;
};

// A probability argument from a config: a number p, or Keras' pair (low, high) from which Keras
// draws p per image, which applies with probability (low + high) / 2 (RandomInvert,
// RandomGaussianBlur, RandomErasing, RandomPerspective, RandomElasticTransform).
float probability_of(const LayerConfig& config, const char* key, float fallback);

class AugmentationLayer : public Layer {
  // The layers that run others image by image (augmentation_policies.hpp) call their draw and
  // transform.
  friend class AugmentationComposite;

 public:
  // Hides Layer::operator()(x, training) to also take a single image (H,W,C).
  using Layer::operator();
  Tensor operator()(const Tensor& images, bool training);
  // Images with masks and boxes (annotated_images.hpp): the images as above, each image's mask
  // and boxes moved with it by the same draw. Not for concurrent calls on one layer.
  AnnotatedImages operator()(const AnnotatedImages& batch, bool training);
  // backward passes dy through: nothing is cached for it.
  std::optional<std::vector<Tensor*>> backward_cache() override { return std::vector<Tensor*>{}; }
  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& dy) override;

 protected:
  explicit AugmentationLayer(std::optional<std::uint64_t> seed);
  Shape build_impl(const Shape& sample_shape) override;

  // Draws the parameters of images 0..n-1, image i from streams(i).
  virtual void draw(Index n, const SampleStreams& streams) = 0;
  // Transforms image i (H,W,C) with its drawn parameters; `in` and `out` do not overlap.
  // Called in parallel for different images.
  virtual void transform(Index i, const float* in, float* out) const = 0;

  // Image i's mask (H,W,1 class ids) as transform() moved image i's pixels, with nearest sampling
  // and `fill` for what comes from outside the image; the default copies it (colour layers).
  virtual void transform_mask(Index i, const float* in, float* out, float fill) const;
  // Image i's boxes (pixel xyxy, annotated_images.hpp), in place, as transform() moved its pixels;
  // the default leaves them.
  virtual void transform_boxes(Index i, std::vector<std::array<float, 4>>& boxes) const;
  // Throws when the layer cannot move masks or boxes (AugMix); called before any work.
  virtual void check_annotations_supported(const AnnotatedImages& batch) const;
  // A layer whose inference changes the image size (RandomCrop, RandomResizedCrop) sets up its
  // inference geometry for n images here, so that masks and boxes follow it.
  virtual void prepare_inference(Index n);

  // Transforms every image of x with the parameters drawn last, in parallel, into a batch of
  // output_shape() images.
  Tensor transform_batch(const Tensor& x) const;

  // Throws unless lower <= upper and both lie in [min, max], naming the layer and the argument.
  void check_range(const char* argument, const FactorRange& range, float min, float max) const;

  Index height() const { return input_shape()[0]; }
  Index width() const { return input_shape()[1]; }
  Index channels() const { return input_shape()[2]; }
};

}  // namespace minidl
