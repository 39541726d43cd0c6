// Tensor handle, factories, printing, dtype handling.
#include <sstream>

#include "helpers.hpp"

TEST_CASE("factories and metadata") {
  xg::Tensor t = xg::tensor({1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK(t.shape() == xg::Shape{2, 3});
  CHECK(t.dim() == 2);
  CHECK(t.numel() == 6);
  CHECK(t.size(-1) == 3);
  CHECK(t.dtype() == xg::kFloat32);
  CHECK(t.defined());
  CHECK_FALSE(xg::Tensor().defined());
  CHECK(xg::scalar_tensor(2.5).dim() == 0);
  CHECK(xg::scalar_tensor(2.5).item<float>() == 2.5f);
  check_values(xg::zeros({2}), {0, 0});
  check_values(xg::ones({2}, xg::dtype(xg::kFloat64)), {1, 1});
  check_values(xg::full({2}, 7.0), {7, 7});
  check_values(xg::arange(0, 5, 2), {0, 2, 4});
  check_values(xg::arange(1, 0, -0.25), {1, 0.75, 0.5, 0.25});
  check_values(xg::linspace(0, 1, 5), {0, 0.25, 0.5, 0.75, 1});
  CHECK(xg::zeros_like(t).shape() == t.shape());
  CHECK(xg::ones_like(xg::zeros({3}, xg::dtype(xg::kFloat64))).dtype() == xg::kFloat64);
  CHECK(xg::tensor({1.0}, xg::requires_grad()).requires_grad());
  CHECK_THROWS_AS(xg::tensor({1, 2, 3}, {2, 2}), std::invalid_argument);
  CHECK_THROWS_AS(xg::zeros({-1}), std::invalid_argument);
  CHECK_THROWS_AS(xg::zeros({1LL << 40, 1LL << 40}), std::length_error);
  CHECK_THROWS_AS(xg::arange(0, 1e30), std::length_error);
  CHECK_THROWS_AS(xg::arange(0, 1, 0), std::invalid_argument);
}

TEST_CASE("copies share data, and clone does not") {
  xg::Tensor a = xg::zeros({2});
  xg::Tensor b = a;
  b.fill_(3.0);
  check_values(a, {3, 3});
  xg::Tensor c = a.clone();
  c.fill_(1.0);
  check_values(a, {3, 3});
  xg::Tensor r = a.reshape({2, 1});  // reshape shares storage, like a PyTorch view
  r.fill_(4.0);
  check_values(a, {4, 4});
}

TEST_CASE("manual_seed makes random tensors reproducible") {
  xg::manual_seed(42);
  std::vector<float> first = xg::randn({5}).to_vector<float>();
  std::vector<float> uniform = xg::rand({1000}).to_vector<float>();
  xg::manual_seed(42);
  CHECK(xg::randn({5}).to_vector<float>() == first);
  for (float u : uniform) CHECK((u >= 0.0f && u < 1.0f));
}

TEST_CASE("printing shows values, shape, dtype and grad_fn") {
  std::ostringstream out;
  xg::Tensor w = xg::tensor({1, 2, 3, 4}, {2, 2}, xg::requires_grad());
  out << w * 2.0;
  CHECK(out.str() == "tensor([[2.0000, 4.0000],\n        [6.0000, 8.0000]], shape=[2, 2], dtype=float32, grad_fn=<MulBackward>)");
  std::ostringstream leaf;
  leaf << xg::scalar_tensor(1.5, xg::dtype(xg::kFloat64).requires_grad(true));
  CHECK(leaf.str() == "tensor(1.5000, shape=[], dtype=float64, requires_grad=true)");
}

TEST_CASE("dtype conversion and data access") {
  xg::Tensor t = xg::tensor({1.5, 2.5});
  xg::Tensor d = t.to(xg::kFloat64);
  CHECK(d.dtype() == xg::kFloat64);
  CHECK(d.data_ptr<double>()[1] == 2.5);
  CHECK_THROWS_AS(d.data_ptr<float>(), std::invalid_argument);
  CHECK(t.to_vector<double>() == std::vector<double>{1.5, 2.5});
  CHECK(t.to_vector<int64_t>() == std::vector<int64_t>{1, 2});
  CHECK(xg::scalar_tensor(7.0).item<int>() == 7);
}

TEST_CASE("float64 and float32 ops keep their dtype, and scalars do not promote") {
  xg::Tensor d = xg::ones({2}, xg::dtype(xg::kFloat64));
  CHECK((d * 2.0).dtype() == xg::kFloat64);
  CHECK((xg::ones({2}) * 2.0).dtype() == xg::kFloat32);
}

TEST_CASE("shape ops are free functions too") {
  xg::Tensor x = xg::zeros({2, 1, 3});
  CHECK(xg::squeeze(x).shape() == xg::Shape{2, 3});
  CHECK(xg::squeeze(x, 1).shape() == xg::Shape{2, 3});
  CHECK(xg::unsqueeze(x, 0).shape() == xg::Shape{1, 2, 1, 3});
  CHECK(xg::t(xg::zeros({2, 3})).shape() == xg::Shape{3, 2});
  CHECK(xg::reshape(x, {3, 2}).shape() == xg::Shape{3, 2});
}

TEST_CASE("from_blob wraps the caller's memory without copying, as LibTorch's, and runs the deleter once") {
  std::vector<float> memory{1, 2, 3, 4, 5, 6};
  xg::Tensor t = xg::from_blob(memory.data(), {2, 3});
  CHECK(t.dtype() == xg::kFloat32);
  CHECK(t.data_ptr<float>() == memory.data());
  t.select(0, 1).mul_(10);  // writes reach the caller's memory, through views too
  CHECK(memory == std::vector<float>{1, 2, 3, 40, 50, 60});
  memory[0] = -1;
  CHECK(t.select(0, 0).select(0, 0).item<float>() == -1);
  // Strides in elements: every other column of a 2 x 4 buffer, and a transposed reading.
  std::vector<double> grid{0, 1, 2, 3, 4, 5, 6, 7};
  xg::Tensor columns = xg::from_blob(grid.data(), {2, 2}, {4, 2}, xg::kFloat64);
  CHECK_FALSE(columns.is_contiguous());
  CHECK(columns.to_vector<double>() == std::vector<double>{0, 2, 4, 6});
  CHECK(xg::from_blob(grid.data(), {4, 2}, {1, 4}, xg::kFloat64).to_vector<double>() ==
        std::vector<double>{0, 4, 1, 5, 2, 6, 3, 7});
  // A deleter runs when the last tensor on the memory goes, views included.
  int deleted = 0;
  auto* owned = new int64_t[3]{7, 8, 9};
  {
    xg::Tensor whole = xg::from_blob(owned, {3}, [&deleted](void* p) { delete[] static_cast<int64_t*>(p); ++deleted; },
                                     xg::kInt64);
    xg::Tensor tail = whole.slice(0, 1);
    whole = xg::Tensor();
    CHECK(deleted == 0);
    CHECK(tail.to_vector<int64_t>() == std::vector<int64_t>{8, 9});
  }
  CHECK(deleted == 1);
  // A leaf that requires grad: its gradient is xgrad's own tensor; the data stays the caller's.
  std::vector<float> weights{1, 2};
  xg::Tensor w = xg::from_blob(weights.data(), {2}, xg::requires_grad());
  (w * w).sum().backward();
  CHECK(w.grad().to_vector<float>() == std::vector<float>{2, 4});
  {
    xg::NoGradGuard no_grad;
    w.sub_(w.grad());
  }
  CHECK(weights == std::vector<float>{-1, -2});
  CHECK(xg::from_blob(nullptr, {0}).numel() == 0);
  // Bad arguments.
  CHECK_THROWS_WITH_AS(xg::from_blob(reinterpret_cast<char*>(grid.data()) + 1, {2}, xg::kFloat64),
                       doctest::Contains("from_blob: the data is not aligned to 8 bytes"), xg::Error);
  CHECK_THROWS_WITH_AS(xg::from_blob(grid.data(), {2, 2}, {1}, xg::kFloat64), doctest::Contains("from_blob: 1 strides"),
                       xg::Error);
  CHECK_THROWS_WITH_AS(xg::from_blob(grid.data(), {2}, {-1}, xg::kFloat64), doctest::Contains("negative stride"), xg::Error);
  CHECK_THROWS_AS(xg::from_blob(nullptr, {2}), xg::Error);
  CHECK_THROWS_AS(xg::from_blob(grid.data(), {2}, xg::kCUDA), xg::Error);
}
