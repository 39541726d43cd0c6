// LibTorch's c10 utilities (util.hpp): irange, str, Join, Error / XGRAD_CHECK, warnings, ArrayRef.
#include <string>
#include <vector>

#include "helpers.hpp"

namespace {
struct Capture : xg::WarningHandler {
  std::vector<std::string> messages;
  void process(const xg::SourceLocation&, const std::string& msg, const bool) override { messages.push_back(msg); }
};
void warn_once_site() { XGRAD_WARN_ONCE("once ", 1); }
}  // namespace

TEST_CASE("irange, str and Join as LibTorch's") {
  std::vector<int64_t> seen;
  for (const auto i : xg::irange(4)) seen.push_back(i);
  CHECK(seen == std::vector<int64_t>{0, 1, 2, 3});
  seen.clear();
  for (const auto i : xg::irange(2, 5)) seen.push_back(i);
  CHECK(seen == std::vector<int64_t>{2, 3, 4});
  for (const auto i : xg::irange(-3)) seen.push_back(i);  // empty, as c10::irange
  CHECK(seen.size() == 3);
  CHECK(xg::str("expected ", 3, " dims, got ", 2.5) == "expected 3 dims, got 2.5");
  CHECK(xg::str() == "");
  CHECK(xg::Join(", ", std::vector<int>{1, 2, 3}) == "1, 2, 3");
}

TEST_CASE("XGRAD_CHECK throws xgrad::Error, which is also a std::invalid_argument") {
  auto fails = [](int value) { XGRAD_CHECK(value > 0, "value must be positive, got ", value); };
  CHECK_NOTHROW(fails(1));
  CHECK_THROWS_WITH_AS(fails(-2), doctest::Contains("value must be positive, got -2"), xg::Error);
  CHECK_THROWS_AS(fails(-2), std::invalid_argument);
  auto bare = [](bool ok) { XGRAD_CHECK(ok); };
  CHECK_THROWS_WITH_AS(bare(false), doctest::Contains("Expected ok to be true, but got false."), xg::Error);
  try {
    fails(-1);
  } catch (const xg::Error& e) {
    CHECK(e.msg().find("value must be positive") == 0);
  }
  // The library's own argument errors are xgrad::Error too, as LibTorch's are c10::Error.
  CHECK_THROWS_AS(xg::ones({2}) + xg::ones({3}), xg::Error);
}

TEST_CASE("warnings go to the thread's handler; WARN_ONCE honours WarnAlways") {
  Capture capture;
  {
    xg::Warning::WarningHandlerGuard guard(&capture);
    XGRAD_WARN("careful: ", 42);
    warn_once_site();
    warn_once_site();
    {
      xg::Warning::WarnAlways always(true);
      warn_once_site();
    }
    warn_once_site();
  }
  CHECK(capture.messages == std::vector<std::string>{"careful: 42", "once 1", "once 1"});
  CHECK(xg::Warning::get_warning_handler() != &capture);
}

TEST_CASE("ArrayRef views vectors, braced lists and single values") {
  std::vector<int64_t> shape{2, 3};
  xg::IntArrayRef from_vector = shape;
  CHECK(from_vector.size() == 2);
  CHECK(from_vector == shape);
  CHECK(from_vector == xg::IntArrayRef({2, 3}));
  CHECK(from_vector != xg::IntArrayRef({3, 2}));
  int64_t five = 5;
  xg::IntArrayRef one = five;
  CHECK(one.size() == 1);
  CHECK(one[0] == 5);
  CHECK(from_vector.vec() == shape);
  CHECK(from_vector.slice(1) == std::vector<int64_t>{3});
  CHECK(xg::str(from_vector) == "[2, 3]");
  CHECK_THROWS_AS(from_vector.at(2), xg::IndexError);
}

TEST_CASE("shape and dim arguments take one integer, a braced list, a vector or sizes(), as LibTorch's IntArrayRef") {
  CHECK(xg::ones(5).shape() == xg::Shape{5});
  CHECK(xg::randn(10).sizes() == xg::IntArrayRef({10}));
  CHECK(xg::zeros({2, 3}).shape() == xg::Shape{2, 3});
  const xg::Tensor x = xg::arange(0, 24, 1, xg::kFloat64).reshape({2, 3, 4});
  CHECK(xg::empty(x.sizes()).shape() == x.shape());
  CHECK(xg::full(x.sizes(), 2).shape() == x.shape());
  const std::vector<int64_t> shape{4, 6};
  CHECK(x.reshape(shape).shape() == shape);
  CHECK(x.view(-1).shape() == xg::Shape{24});
  CHECK(x.sum(1).shape() == xg::Shape{2, 4});
  CHECK(x.sum(-1, true).shape() == xg::Shape{2, 3, 1});
  CHECK(x.sum({0, 2}).to_vector<double>() == std::vector<double>{60, 92, 124});
  CHECK(x.amax(2).shape() == xg::Shape{2, 3});
  CHECK(x.logsumexp(0).shape() == xg::Shape{3, 4});
  CHECK(x.permute({2, 0, 1}).shape() == xg::Shape{4, 2, 3});
  CHECK(x.flip(0).select(0, 0).select(0, 0).select(0, 0).item<double>() == 12);
  CHECK(x.expand({2, 2, 3, 4}).shape() == xg::Shape{2, 2, 3, 4});
  CHECK(xg::randint(0, 5, 7).shape() == xg::Shape{7});
  // Backward closures keep their own copy of the dims, never the caller's braced list.
  xg::Tensor w = xg::ones({2, 3}, xg::TensorOptions(xg::kFloat64).requires_grad(true));
  xg::Tensor total = w.sum(1).sum(0);
  total.backward();
  CHECK(w.grad().to_vector<double>() == std::vector<double>(6, 1.0));
}

TEST_CASE("index_select takes LibTorch's index tensor: integer, 0-d or 1-d, never negative") {
  const xg::Tensor x = xg::arange(0, 6, 1, xg::kFloat64).reshape({3, 2});
  CHECK(x.index_select(0, xg::tensor({2, 0})).to_vector<double>() == std::vector<double>{4, 5, 0, 1});
  CHECK(xg::index_select(x, 1, xg::scalar_tensor(1, xg::kInt64)).to_vector<double>() == std::vector<double>{1, 3, 5});
  CHECK(x.index_select(0, xg::tensor({1}, xg::kInt32)).to_vector<double>() == std::vector<double>{2, 3});
  CHECK_THROWS_AS(x.index_select(0, xg::tensor({-1})), xg::IndexError);
  CHECK_THROWS_AS(x.index_select(0, xg::tensor({3})), xg::IndexError);
  CHECK_THROWS_AS(x.index_select(0, xg::tensor({1.0})), xg::TypeError);
  CHECK_THROWS_AS(x.index_select(0, xg::zeros({1, 1}, xg::kInt64)), xg::IndexError);
}

TEST_CASE("devices and LibTorch's tensor metadata: CPU only, CUDA refused clearly") {
  xg::Tensor x = xg::ones({2, 3}, xg::kCPU);
  CHECK(x.device() == xg::Device(xg::kCPU));
  CHECK(x.device().is_cpu());
  CHECK(x.device().str() == "cpu");
  CHECK(xg::Device("cuda:1").index() == 1);
  CHECK(xg::Device("cuda:1").str() == "cuda:1");
  CHECK_THROWS_AS(xg::Device("tpu"), xg::Error);
  CHECK_FALSE(xg::cuda::is_available());
  CHECK(x.to(xg::kCPU).impl() == x.impl());  // already there: the same tensor, as LibTorch
  CHECK(x.to(xg::Device(xg::kCPU), xg::kFloat64).dtype() == xg::kFloat64);
  CHECK_THROWS_WITH_AS(x.to(xg::kCUDA), doctest::Contains("CPU only"), xg::Error);
  CHECK_THROWS_WITH_AS(x.cuda(), doctest::Contains("CPU only"), xg::Error);
  CHECK_THROWS_WITH_AS(xg::zeros({2}, xg::TensorOptions().device(xg::kCUDA)), doctest::Contains("zeros: xgrad computes on the CPU only"),
                       xg::Error);
  CHECK_THROWS_AS(xg::randn({2}, xg::device(xg::Device("cuda"))), xg::Error);
  CHECK(x.layout() == xg::kStrided);
  CHECK(x.scalar_type() == xg::kFloat);
  CHECK(x.options().dtype() == xg::kFloat);
  CHECK(x.sizes() == std::vector<int64_t>{2, 3});
  CHECK(x.sizes() == xg::IntArrayRef({2, 3}));
  CHECK(x.ndimension() == 2);
  CHECK(x.element_size() == 4);
  CHECK(x.is_floating_point());
  CHECK_FALSE(x.to(xg::kBool).is_signed());
  CHECK(x.to(xg::ones({1}, xg::kInt64)).dtype() == xg::kInt64);
  xg::Tensor w = xg::zeros({2});
  w.set_requires_grad(true);
  CHECK(w.requires_grad());
  CHECK_FALSE(w.data().requires_grad());
}
