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
