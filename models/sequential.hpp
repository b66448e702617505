// Sequential: a stack of layers, each reading the previous one's output. It is a Model whose
// graph is a chain, made when the input shape is known (build, or the first batch of fit,
// evaluate or predict); everything else (compile, fit, evaluate, predict, weights, summary) is
// Model's.
//   minidl::Sequential model(/*seed=*/1);
//   model.add(minidl::RandomFlip("horizontal"));
//   model.add(minidl::Conv2D(32, 3, 1, "same", "relu"));
//   ...
// Layer i without its own seed gets derive_seed(model seed, i).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>

#include <minidl/models/model.hpp>

namespace minidl {

class Sequential : public Model {
 public:
  explicit Sequential(std::uint64_t seed = 0, std::string name = "sequential");

  // Adds a layer, naming it after its type when it has no name ("dense", "dense_1", ...).
  Layer& add(std::unique_ptr<Layer> layer);
  template <class L, class = std::enable_if_t<std::is_base_of_v<Layer, L>>>
  L& add(L layer) {
    return static_cast<L&>(add_shared(std::make_shared<L>(std::move(layer))));
  }

  // Builds every layer for samples of `sample_shape` (no batch axis), e.g. {32,32,3}.
  void build(const Shape& sample_shape);

 protected:
  const char* kind() const override { return "Sequential"; }

 private:
  Layer& add_shared(std::shared_ptr<Layer> layer);
  void build_for(const std::vector<Tensor>& xs) override;
};

}  // namespace minidl
