#include <cstdint>

#include <catch2/catch.hpp>

#include <minidl/core/error.hpp>
#include <minidl/core/tensor.hpp>

using namespace minidl;

TEST_CASE("Shape prints, counts and drops the batch axis") {
  const Shape s{64, 32, 32, 3};
  CHECK(s.rank() == 4);
  CHECK(s.size() == 64 * 32 * 32 * 3);
  CHECK(s.str() == "(64,32,32,3)");
  CHECK(s.without_batch() == Shape{32, 32, 3});
  CHECK(s.without_batch().str_batched() == "(None,32,32,3)");
  CHECK(s.without_batch().str_batched("N") == "(N,32,32,3)");
  CHECK(Shape{5}.with_batch(2) == Shape{2, 5});
  CHECK(Shape{}.size() == 1);
  CHECK_THROWS_AS((Shape{1, 2, 3, 4, 5}), Error);
  CHECK_THROWS_WITH(s.with_batch(1), Catch::Contains("(64,32,32,3)"));
}

TEST_CASE("Tensor buffers are 64-byte aligned and moves do not copy") {
  Tensor t(Shape{3, 5}, 1.5f);
  CHECK(reinterpret_cast<std::uintptr_t>(t.data()) % 64 == 0);
  const float* before = t.data();
  Tensor moved = std::move(t);
  CHECK(moved.data() == before);
  CHECK(moved[14] == 1.5f);
  Tensor copy = moved.clone();
  CHECK(copy.data() != moved.data());
  copy[0] = 2.0f;
  CHECK(moved[0] == 1.5f);
}

TEST_CASE("Tensor reshape keeps the data and rejects a different size") {
  Tensor t(Shape{2, 3}, {0, 1, 2, 3, 4, 5});
  t.reshape(Shape{3, 2});
  CHECK(t.shape() == Shape{3, 2});
  CHECK(t[5] == 5.0f);
  CHECK_THROWS_WITH(t.reshape(Shape{4, 2}), Catch::Contains("(3,2)") && Catch::Contains("(4,2)"));
  CHECK_THROWS_WITH(Tensor(Shape{2, 2}, {1, 2, 3}), Catch::Contains("(2,2)"));
}

TEST_CASE("Tensor slice and gather copy whole samples") {
  Tensor t(Shape{4, 2}, {0, 1, 10, 11, 20, 21, 30, 31});
  const Tensor s = t.slice(1, 3);
  CHECK(s.shape() == Shape{2, 2});
  CHECK(s[0] == 10.0f);
  CHECK(s[3] == 21.0f);
  const Index order[] = {3, 0};
  const Tensor g = t.gather(order, 2);
  CHECK(g[0] == 30.0f);
  CHECK(g[3] == 1.0f);
  CHECK_THROWS_WITH(t.slice(3, 5), Catch::Contains("(4,2)"));
  const Index bad[] = {4};
  CHECK_THROWS_WITH(t.gather(bad, 1), Catch::Contains("index 4"));
}
