// LibTorch's indexing API. Expected values from indexing_reference.py (python3-torch 1.13).
#include "helpers.hpp"

using namespace xg::indexing;

namespace {
xg::Tensor cube() { return xg::arange(0, 24, 1, xg::dtype(xg::kFloat64)).reshape({2, 3, 4}).contiguous(); }
xg::Tensor longs(std::vector<double> values, xg::Shape shape) { return xg::tensor(values, shape, xg::dtype(xg::kLong)); }
}  // namespace

TEST_CASE("index with integers, slices, None and ellipsis gives PyTorch's views") {
  xg::Tensor x = cube();
  xg::Tensor rows = x.index({Slice(0, 2), 1});
  check_values(rows, {4, 5, 6, 7, 16, 17, 18, 19});  // torch: x[0:2, 1]
  CHECK(rows.is_view());
  CHECK(x.index({"...", None}).shape() == xg::Shape{2, 3, 4, 1});
  CHECK(x.index({None, 1}).shape() == xg::Shape{1, 3, 4});
  check_values(x.index({1, Ellipsis, Slice(1, 4, 2)}), {13, 15, 17, 19, 21, 23});
  CHECK(x.index({Slice(None, None, 2)}).shape() == xg::Shape{1, 3, 4});
  CHECK(x.index({true}).shape() == xg::Shape{1, 2, 3, 4});
  CHECK(x.index({false}).shape() == xg::Shape{0, 2, 3, 4});
  x.index({0, 0, 0}).fill_(-1);  // a view: writes go to x
  CHECK(x.index({0, 0, 0}).item() == -1);
}

TEST_CASE("index with an integer or bool tensor gathers a copy, as PyTorch") {
  xg::Tensor x = cube();
  xg::Tensor picked = x.index({Slice(), longs({2, 0}, {2})});
  CHECK(picked.shape() == xg::Shape{2, 2, 4});
  check_values(picked, {8, 9, 10, 11, 0, 1, 2, 3, 20, 21, 22, 23, 12, 13, 14, 15});
  CHECK_FALSE(picked.is_view());
  xg::Tensor grid = x.index({1, longs({0, 1, 1, 0}, {2, 2})});
  CHECK(grid.shape() == xg::Shape{2, 2, 4});  // torch: x[1, i2]
  check_values(grid, {12, 13, 14, 15, 16, 17, 18, 19, 16, 17, 18, 19, 12, 13, 14, 15});
  xg::Tensor mask = xg::tensor({0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1}, {3, 4}, xg::dtype(xg::kBool));  // x[0] > 5
  check_values(x.index({0}).index({mask}), {6, 7, 8, 9, 10, 11});
  xg::Tensor masked = x.index({Slice(), mask});
  CHECK(masked.shape() == xg::Shape{2, 6});
  check_values(masked, {6, 7, 8, 9, 10, 11, 18, 19, 20, 21, 22, 23});
}

TEST_CASE("index_put_ writes through basic and tensor indices, as PyTorch") {
  xg::Tensor y = xg::zeros({3, 4});
  y.index_put_({Slice(1, None), longs({0, 3}, {2})}, xg::tensor({5.0, 6.0}));
  check_values(y, {0, 0, 0, 0, 5, 0, 0, 6, 5, 0, 0, 6});
  xg::Tensor z = xg::zeros({3, 4});
  z.index_put_({xg::ones({3, 4}).to(xg::kBool)}, 2.0);
  z.index_put_({0, Slice(1, 3)}, xg::tensor({7.0, 8.0}));
  check_values(z, {2, 7, 8, 2, 2, 2, 2, 2, 2, 2, 2, 2});
}

TEST_CASE("indexing is differentiable: gradients equal PyTorch's") {
  xg::Tensor a = xg::arange(0, 6, 1, f64());
  xg::Tensor b = a * 1.0;
  b.index_put_({longs({0, 2}, {2})}, xg::tensor({10.0, 20.0}, xg::dtype(xg::kFloat64)));
  (b * xg::arange(0, 6, 1, xg::dtype(xg::kFloat64))).sum().backward();
  check_values(a.grad(), {0, 1, 0, 3, 4, 5});  // torch: [0, 1, 0, 3, 4, 5]
  xg::Tensor m = xg::tensor({1.0, 2.0, 3.0, 4.0}, {2, 2}, f64());
  (m.index({longs({1, 1, 0}, {3})}) * 2.0).sum().backward();
  check_values(m.grad(), {2, 2, 4, 4});  // torch: [[2, 2], [4, 4]]
  auto f = [](const std::vector<xg::Tensor>& in) {
    xg::Tensor x = in[0] * 1.0;
    x.index_put_({Slice(), 1}, in[1]);
    return x.index({Slice(None, None, 2), longs({2, 0, 1}, {3})}) * x.index({0});
  };
  std::vector<xg::Tensor> inputs = {random_input({3, 3}), random_input({3})};
  CHECK(xg::autograd::gradcheck(f, inputs));
  CHECK(xg::autograd::gradgradcheck(f, inputs));
}

TEST_CASE("bad indices are refused with clear errors") {
  xg::Tensor x = cube();
  CHECK_THROWS_WITH_AS(x.index({0, 0, 0, 0}), doctest::Contains("too many indices"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(x.index({xg::tensor({0.0})}), doctest::Contains("must be long, int or bool"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(x.index({xg::ones({3}).to(xg::kBool)}), doctest::Contains("shape of the mask"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(x.index({longs({5}, {1})}), doctest::Contains("out of bounds"), std::out_of_range);
  CHECK_THROWS_WITH_AS(x.index({Ellipsis, Ellipsis}), doctest::Contains("single ellipsis"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(x.index({"..x"}), doctest::Contains("Ellipsis"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(x.index({Slice(0, 2, 0)}), doctest::Contains("step"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(x.index({2}), doctest::Contains("out of bounds"), std::out_of_range);
}

TEST_CASE("several index tensors broadcast together, as PyTorch's advanced indexing") {
  xg::Tensor x = cube();
  xg::Tensor i = longs({0, 1}, {2}), j = longs({1, 2}, {2});
  xg::Tensor pairs = x.index({i, j});  // torch: x[i, j]
  CHECK(pairs.shape() == xg::Shape{2, 4});
  check_values(pairs, {4, 5, 6, 7, 20, 21, 22, 23});
  xg::Tensor adjacent = x.index({Slice(), longs({0, 2}, {2}), longs({1, 3}, {2})});  // x[:, [0, 2], [1, 3]]
  CHECK(adjacent.shape() == xg::Shape{2, 2});
  check_values(adjacent, {1, 11, 13, 23});
  xg::Tensor apart = x.index({longs({0, 1}, {2}), Slice(), longs({1, 3}, {2})});  // separated: B goes first
  CHECK(apart.shape() == xg::Shape{2, 3});
  check_values(apart, {1, 5, 9, 15, 19, 23});
  xg::Tensor grid = x.index({longs({0, 1}, {2, 1}), longs({0, 2}, {2})});  // [[0], [1]] with [0, 2]
  CHECK(grid.shape() == xg::Shape{2, 2, 4});
  check_values(grid, {0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23});
  check_values(x.index({1, longs({0, 2}, {2}), -1}), {15, 23});
  // A mask over two dims of a strided tensor (no copy of the tensor is needed to read it).
  xg::Tensor y = x.permute({2, 0, 1});
  xg::Tensor m = xg::tensor({0, 1, 0, 1, 0, 1, 0, 1}, {4, 2}, xg::dtype(xg::kBool));  // torch: y.sum(2) > 30
  xg::Tensor picked = y.index({m});
  CHECK(picked.shape() == xg::Shape{4, 3});
  check_values(picked, {12, 16, 20, 13, 17, 21, 14, 18, 22, 15, 19, 23});
  xg::Tensor m2 = xg::tensor({1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0}, {3, 4}, xg::dtype(xg::kBool));
  check_values(x.index({Slice(), m2}), {0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22});
  CHECK_THROWS_WITH_AS(x.index({longs({0, 1}, {2}), longs({0, 1, 2}, {3})}),
                       doctest::Contains("could not be broadcast together with shapes [2], [3]"), std::invalid_argument);
}

TEST_CASE("index_put_ with several tensors and on strided tensors, as PyTorch") {
  xg::Tensor z = xg::zeros({2, 3, 4});
  z.index_put_({longs({0, 1}, {2}), longs({1, 2}, {2})}, xg::tensor({1.0, 2.0, 3.0, 4.0}));
  check_values(z, {0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4});
  xg::Tensor base = xg::zeros({4, 2, 3});
  xg::Tensor strided = base.permute({1, 2, 0});  // [2, 3, 4], a view
  strided.index_put_({longs({1, 0}, {2}), Slice(), longs({3, 0}, {2})}, 5.0);
  check_values(strided.contiguous(), {5, 0, 0, 0, 5, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 5, 0, 0, 0, 5});
  CHECK(base.sum().item() == 30);  // the writes went to the base's storage
  xg::Tensor w = xg::zeros({3, 4}).t();
  w.index_put_({xg::ones({4}, xg::kBool)}, xg::arange(0, 3));  // torch: w.sum(1) == 0, all true
  check_values(w.contiguous(), {0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2});
}

TEST_CASE("gradients through several index tensors equal PyTorch's") {
  xg::Tensor a = xg::arange(0.0, 12.0, 1.0, xg::TensorOptions().requires_grad(true));
  xg::Tensor b = a.reshape({3, 4}) * 1;
  xg::Tensor v = xg::tensor({10.0, 20.0}, xg::requires_grad());
  b.index_put_({longs({0, 2}, {2}), longs({1, 3}, {2})}, v);
  (b * xg::arange(0.0, 12.0).reshape({3, 4})).sum().backward();
  check_values(a.grad(), {0, 0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0});
  check_values(v.grad(), {1, 11});
  xg::Tensor c = xg::arange(0.0, 12.0, 1.0, xg::TensorOptions().requires_grad(true));
  (c.reshape({3, 4}).index({longs({0, 0, 2}, {3}), longs({1, 1, 3}, {3})}) * xg::tensor({1.0, 2.0, 3.0})).sum().backward();
  check_values(c.grad(), {0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3});  // repeated positions accumulate
  auto f = [](const std::vector<xg::Tensor>& in) {
    xg::Tensor x = in[0].t() * 1.0;  // strided
    x.index_put_({longs({0, 2}, {2}), longs({1, 0}, {2})}, in[1]);
    return x.index({longs({1, 2, 2}, {3}), longs({0, 0, 1}, {3})}) * x.index({Slice(), longs({1}, {1})}).sum();
  };
  std::vector<xg::Tensor> inputs = {random_input({3, 3}), random_input({2})};
  CHECK(xg::autograd::gradcheck(f, inputs));
  CHECK(xg::autograd::gradgradcheck(f, inputs));
}
