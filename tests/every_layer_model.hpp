// Models that use every built-in layer at least once, for the model-file, Keras-archive and
// concurrent-predict tests: a Functional graph with two inputs and two outputs, and a Sequential
// CNN. Both are compiled; every_layer_data() trains them a little so that BatchNormalization's
// moving statistics and the optimizer state are not their initial values.
#pragma once

#include <minidl/minidl.hpp>

namespace minidl::testing {

// crop: RandomCrop's size; 12, the input's, for a model Keras can take (Keras 3 does not crop at
// inference).
inline Model every_layer_functional(std::uint64_t seed, Index crop = 11) {
  Node image = Input({12, 12, 3}, "image");
  Node extra = Input({10, 10, 2}, "extra");
  Node h = Rescaling(1.0f / 255.0f, 0.1f)(image);
  h = Normalization({0.4f, 0.5f, 0.45f}, {0.08f, 0.05f, 0.1f})(h);
  h = RandomFlip("horizontal")(h);
  h = RandomRotation(0.1f, "constant", "bilinear", 0.2f)(h);
  h = RandomTranslation(0.1f, {-0.2f, 0.1f}, "nearest", "nearest")(h);
  h = RandomZoom({-0.2f, 0.1f}, std::nullopt, "wrap")(h);
  h = RandomContrast({0.1f, 0.3f}, ValueRange(-3.0f, 3.0f))(h);
  h = RandomBrightness(0.1f, ValueRange(-3.0f, 3.0f))(h);
  h = RandomCrop(crop, crop)(h);
  h = Resizing(12, 12, "bilinear")(h);
  h = CenterCrop(10, 10)(h);
  h = Conv2D(4, 3, 1, "same", "relu")(h);
  h = BatchNormalization(0.9f, 1e-3f)(h);
  h = ReLU(6.0f, 0.1f, 0.05f)(h);
  Node e = Conv2D(4, {1, 1}, 1, "valid", "linear", false)(extra);
  Node sum = Add()({h, e});
  Node diff = Subtract()({h, e});
  Node prod = Multiply()({h, e});
  Node mean = Average()({sum, diff});
  Node top = Maximum()({mean, prod});
  Node cat = Concatenate(-1)({top, h});                                   // (10,10,8)
  Node padded = ZeroPadding2D(ZeroPadding2D::Pads{{1, 0}, {0, 1}})(cat);  // (11,11,8)
  Node d = DepthwiseConv2D(Size2(3, 3), 2, "same", 2, "relu")(padded);    // (6,6,16)
  Node a = MaxPooling2D(2, std::nullopt, "same")(d);                      // (3,3,16)
  Node b = AveragePooling2D(2, 1, "valid")(d);                            // (5,5,16)
  Node first = Dense(3)(Dropout(0.2f)(Flatten()(a)));
  Node pooled = Concatenate()({GlobalAveragePooling2D()(b), GlobalMaxPooling2D()(b)});
  Node second = Activation("softmax")(Dense(2, "tanh")(pooled));
  Model model({image, extra}, {first, second}, "every_layer", seed);
  model.compile(SGD(0.05f, 0.9f), losses(SparseCategoricalCrossentropy(true), MeanSquaredError()),
                {"accuracy"}, {1.0f, 0.5f});
  return model;
}

struct EveryLayerData {
  std::vector<Tensor> xs, ys;
};

inline EveryLayerData every_layer_data(Index n, std::uint64_t seed) {
  Generator rng(seed);
  Tensor image(Shape{n, 12, 12, 3}), extra(Shape{n, 10, 10, 2}), label(Shape{n}),
      target(Shape{n, 2});
  for (Index i = 0; i < image.size(); ++i) image[i] = rng.uniform(0.0f, 255.0f);
  for (Index i = 0; i < extra.size(); ++i) extra[i] = rng.uniform(-1.0f, 1.0f);
  for (Index i = 0; i < n; ++i) label[i] = float(i % 3);
  for (Index i = 0; i < target.size(); ++i) target[i] = rng.uniform(0.0f, 1.0f);
  EveryLayerData data;
  data.xs.push_back(std::move(image));
  data.xs.push_back(std::move(extra));
  data.ys.push_back(std::move(label));
  data.ys.push_back(std::move(target));
  return data;
}

inline Sequential every_layer_sequential(std::uint64_t seed) {
  Sequential model(seed, "cnn");
  model.add(RandomFlip("horizontal_and_vertical"));
  model.add(Conv2D(6, 3, 2, "valid", "sigmoid"));
  model.add(BatchNormalization());
  model.add(Dropout(0.3f));
  model.add(Flatten());
  model.add(Dense(4, "relu"));
  model.add(Dense(3));
  model.build(Shape{9, 9, 2});
  model.compile(Adam(CosineDecay(0.01f, 40, 0.1f)), SparseCategoricalCrossentropy(true),
                {"accuracy"});
  return model;
}

}  // namespace minidl::testing
