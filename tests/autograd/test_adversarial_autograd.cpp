// Misuse of the core, tried systematically: shared tensors across threads, empty and 0-d tensors through
// every op, assigned gradients that do not fit, out-of-range numbers and shapes, reference cycles.
// Expected values for zero-size inputs are PyTorch 1.13's (python3-torch), quoted beside each check.
#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <sstream>
#include <thread>

#include "helpers.hpp"

// ---------------------------------------------------------------- threads (also run under TSan: "thread" in the name)

TEST_CASE("thread: forward passes of one model on two threads, with grad mode on and no backward") {
  xg::nn::Linear model(4, 1);
  auto work = [&] {
    for (int i = 0; i < 2000; ++i) {
      xg::Tensor y = model(xg::ones({2, 4}));
      REQUIRE(y.requires_grad());
    }
  };
  std::thread a(work), b(work);
  a.join();
  b.join();
  xg::NoGradGuard no_grad;  // inference on shared parameters as well
  float expected = model(xg::ones({1, 4})).item<float>();
  auto infer = [&] {
    for (int i = 0; i < 2000; ++i) REQUIRE(model(xg::ones({1, 4})).item<float>() == expected);
  };
  std::thread c(infer), d(infer);
  c.join();
  d.join();
}

TEST_CASE("thread: autograd::grad against a shared leaf on two threads") {
  xg::Tensor w = xg::tensor({1.0, 2.0, 3.0}, f64());
  auto work = [&](double scale) {
    for (int i = 0; i < 2000; ++i) {
      xg::Tensor y = (w * w * scale).sum();
      std::vector<xg::Tensor> g = xg::autograd::grad({y}, {w});
      REQUIRE(g[0].to_vector<double>() == std::vector<double>{2 * scale, 4 * scale, 6 * scale});
    }
  };
  std::thread a(work, 1.0), b(work, 3.0);
  a.join();
  b.join();
  CHECK_FALSE(w.grad().defined());  // autograd::grad never touches .grad
}

TEST_CASE("thread: a leaf dropped on one thread while another thread backpropagates into it") {
  // add saves neither input, so the graph does not keep the leaf alive: its gradient is dropped.
  std::vector<xg::Tensor> leaves, outputs;
  for (int i = 0; i < 500; ++i) {
    leaves.push_back(xg::ones({4}, xg::requires_grad()));
    outputs.push_back((leaves.back() + 1.0).sum());
  }
  std::thread backward([&] {
    for (auto& y : outputs) y.backward();
  });
  for (auto& leaf : leaves) leaf = xg::Tensor();
  backward.join();
  xg::Tensor kept = xg::ones({4}, xg::requires_grad());
  xg::Tensor y = (kept + 1.0).sum();
  std::thread([&] { y.backward(); }).join();
  check_values(kept.grad(), {1, 1, 1, 1});
}

TEST_CASE("thread: graphs built on one thread and freed on another") {
  xg::Tensor w = xg::ones({8}, xg::requires_grad());
  std::vector<xg::Tensor> made(200);
  std::thread producer([&] {
    for (auto& t : made) t = (w * 2.0).exp().sum();
  });
  producer.join();
  std::thread consumer([&] {
    for (auto& t : made) t = xg::Tensor();
  });
  consumer.join();
  (w * 3.0).sum().backward();
  check_values(w.grad(), std::vector<double>(8, 3.0));
}

// ---------------------------------------------------------------- zero-size and 0-d tensors through every op

namespace {
using Fn = std::function<xg::Tensor(const std::vector<xg::Tensor>&)>;

// Runs fn on zero tensors of `shapes` (float64, requiring grad), checks the output's shape and leading
// values (NaN matches NaN), then backpropagates its sum and checks every input gets a gradient of its shape.
void check_zero_size(const char* name, const Fn& fn, const std::vector<xg::Shape>& shapes, const xg::Shape& shape,
                     const std::vector<double>& values = {}) {
  CAPTURE(name);
  std::vector<xg::Tensor> inputs;
  for (const xg::Shape& s : shapes) inputs.push_back(xg::zeros(s, f64()));
  xg::Tensor y = fn(inputs);
  REQUIRE(y.shape() == shape);
  std::vector<double> got = y.to_vector<double>();
  REQUIRE(got.size() >= values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    if (std::isnan(values[i])) CHECK(std::isnan(got[i]));
    else CHECK(got[i] == values[i]);
  }
  y.sum().backward();
  for (size_t i = 0; i < inputs.size(); ++i) {
    REQUIRE(inputs[i].grad().defined());
    CHECK(inputs[i].grad().shape() == shapes[i]);
  }
}
const double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

TEST_CASE("zero-size reductions give PyTorch's results and never touch memory past the output") {
  using V = std::vector<xg::Tensor>;
  check_zero_size("sum dim 1 of [0,3]", [](const V& x) { return x[0].sum({1}); }, {{0, 3}}, {0});
  check_zero_size("sum dim 0 of [0,3]", [](const V& x) { return x[0].sum({0}); }, {{0, 3}}, {3}, {0, 0, 0});
  check_zero_size("sum dim 1 of [2,0,3]", [](const V& x) { return x[0].sum({1}); }, {{2, 0, 3}}, {2, 3},
                  {0, 0, 0, 0, 0, 0});
  check_zero_size("sum dims 0,2 keepdim", [](const V& x) { return x[0].sum({0, 2}, true); }, {{2, 0, 3}}, {1, 0, 1});
  check_zero_size("sum of [0,3]", [](const V& x) { return x[0].sum(); }, {{0, 3}}, {}, {0});
  check_zero_size("mean of [0,3]", [](const V& x) { return x[0].mean(); }, {{0, 3}}, {}, {kNaN});
  check_zero_size("mean dim 0 of [0,3]", [](const V& x) { return x[0].mean({0}); }, {{0, 3}}, {3}, {kNaN, kNaN, kNaN});
  check_zero_size("mean dim 1 of [0,3]", [](const V& x) { return x[0].mean({1}); }, {{0, 3}}, {0});
  check_zero_size("sum_to [0,3] -> [0,1]", [](const V& x) { return xg::sum_to(x[0], {0, 1}); }, {{0, 3}}, {0, 1});
  check_zero_size("sum_to [2,0] -> [1,0]", [](const V& x) { return xg::sum_to(x[0], {1, 0}); }, {{2, 0}}, {1, 0});
  CHECK_THROWS_WITH_AS(xg::zeros({0, 3}).max(), doctest::Contains("empty"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::zeros({0}).min(), doctest::Contains("empty"), std::invalid_argument);
}

TEST_CASE("zero-size products, softmax and element-wise ops give PyTorch's shapes") {
  using V = std::vector<xg::Tensor>;
  check_zero_size("matmul [2,3,0]@[0,4]", [](const V& x) { return x[0].matmul(x[1]); }, {{2, 3, 0}, {0, 4}},
                  {2, 3, 4}, std::vector<double>(24, 0.0));
  check_zero_size("matmul [2,0]@[0,3]", [](const V& x) { return x[0].matmul(x[1]); }, {{2, 0}, {0, 3}}, {2, 3},
                  std::vector<double>(6, 0.0));
  check_zero_size("matmul [0,3]@[3,4]", [](const V& x) { return x[0].matmul(x[1]); }, {{0, 3}, {3, 4}}, {0, 4});
  check_zero_size("matmul [0]@[0]", [](const V& x) { return x[0].matmul(x[1]); }, {{0}, {0}}, {}, {0});
  check_zero_size("matmul [2,0,3]@[2,3,4]", [](const V& x) { return x[0].matmul(x[1]); }, {{2, 0, 3}, {2, 3, 4}},
                  {2, 0, 4});
  check_zero_size("matmul [0,2,3]@[3]", [](const V& x) { return x[0].matmul(x[1]); }, {{0, 2, 3}, {3}}, {0, 2});
  check_zero_size("softmax dim 1 of [0,3]", [](const V& x) { return xg::softmax(x[0], 1); }, {{0, 3}}, {0, 3});
  check_zero_size("softmax dim 1 of [3,0]", [](const V& x) { return xg::softmax(x[0], 1); }, {{3, 0}}, {3, 0});
  check_zero_size("log_softmax dim 1 of [0,3]", [](const V& x) { return xg::log_softmax(x[0], 1); }, {{0, 3}}, {0, 3});
  check_zero_size("log_softmax dim 0 of [0,3]", [](const V& x) { return xg::log_softmax(x[0], 0); }, {{0, 3}}, {0, 3});
  check_zero_size("add [0,3]+[3]", [](const V& x) { return x[0] + x[1]; }, {{0, 3}, {3}}, {0, 3});
  check_zero_size("mul [0,1]*[1,3]", [](const V& x) { return x[0] * x[1]; }, {{0, 1}, {1, 3}}, {0, 3});
  check_zero_size("div [0]/[]", [](const V& x) { return x[0] / x[1]; }, {{0}, {}}, {0});
  check_zero_size("sub [0]-[]", [](const V& x) { return x[0] - x[1]; }, {{0}, {}}, {0});
  check_zero_size("pow [0]^[0]", [](const V& x) { return x[0].pow(x[1]); }, {{0}, {0}}, {0});
  check_zero_size("scalar ops [0,2]", [](const V& x) { return 2.0 / (1.0 - x[0] * 3.0 + 1.0).pow(2.0); }, {{0, 2}},
                  {0, 2});
  for (auto op : std::vector<xg::Tensor (*)(const xg::Tensor&)>{xg::exp, xg::log, xg::sqrt, xg::abs, xg::tanh,
                                                                 xg::sigmoid, xg::relu, xg::erf, xg::neg})
    check_zero_size("unary [0,3]", [op](const V& x) { return op(x[0]); }, {{0, 3}}, {0, 3});
  check_zero_size("clamp [0]", [](const V& x) { return x[0].clamp(-1, 1); }, {{0}}, {0});
  check_zero_size("clone/to [0]", [](const V& x) { return x[0].clone().to(xg::kFloat32).to(xg::kFloat64); }, {{0}},
                  {0});
}

TEST_CASE("zero-size shape ops give PyTorch's shapes") {
  using V = std::vector<xg::Tensor>;
  check_zero_size("t [0,3]", [](const V& x) { return x[0].t(); }, {{0, 3}}, {3, 0});
  check_zero_size("transpose [2,0,3] 0,2", [](const V& x) { return x[0].transpose(0, 2); }, {{2, 0, 3}}, {3, 0, 2});
  check_zero_size("reshape [0,3] -> [-1,3]", [](const V& x) { return x[0].reshape({-1, 3}); }, {{0, 3}}, {0, 3});
  check_zero_size("reshape [0,3] -> [3,-1]", [](const V& x) { return x[0].reshape({3, -1}); }, {{0, 3}}, {3, 0});
  CHECK_THROWS_WITH_AS(xg::zeros({0, 3}).reshape({-1, 0}), doctest::Contains("ambiguous"), std::invalid_argument);
  check_zero_size("unsqueeze [0]", [](const V& x) { return x[0].unsqueeze(0); }, {{0}}, {1, 0});
  check_zero_size("squeeze [0,1]", [](const V& x) { return x[0].squeeze(); }, {{0, 1}}, {0});
  check_zero_size("broadcast_to [0,1] -> [0,3]", [](const V& x) { return xg::broadcast_to(x[0], {0, 3}); }, {{0, 1}},
                  {0, 3});
  check_zero_size("slice [5] 2:2", [](const V& x) { return x[0].slice(0, 2, 2); }, {{5}}, {0});
  check_zero_size("index_select [0,3] dim 1 []", [](const V& x) { return x[0].index_select(1, std::vector<int64_t>{}); }, {{0, 3}},
                  {0, 0});
  check_zero_size("index_select [3] []", [](const V& x) { return x[0].index_select(0, std::vector<int64_t>{}); }, {{3}}, {0});
  check_zero_size("cat [0,3],[2,3]", [](const V& x) { return xg::cat(x); }, {{0, 3}, {2, 3}}, {2, 3});
  // PyTorch still skips 1-d empty tensors of any other rank in cat (a legacy rule real code relies on).
  check_zero_size("cat [0],[2,3]", [](const V& x) { return xg::cat(x); }, {{0}, {2, 3}}, {2, 3});
  check_zero_size("cat [2,3],[0] dim 1", [](const V& x) { return xg::cat(x, 1); }, {{2, 3}, {0}}, {2, 3});
  check_zero_size("stack [0,3],[0,3]", [](const V& x) { return xg::stack(x); }, {{0, 3}, {0, 3}}, {2, 0, 3});
  CHECK_THROWS_WITH_AS(xg::zeros({0, 3})[0], doctest::Contains("out of bounds"), std::out_of_range);
  std::ostringstream printed;
  printed << xg::zeros({0, 3});
  CHECK(printed.str().find("shape=[0, 3]") != std::string::npos);
}

TEST_CASE("0-d tensors: dims out of range throw, in-range ones behave as PyTorch") {
  using V = std::vector<xg::Tensor>;
  xg::Tensor s = xg::scalar_tensor(1);
  CHECK_THROWS_WITH_AS(s.size(0), doctest::Contains("no dimensions"), std::out_of_range);
  CHECK_THROWS_WITH_AS(s.size(-1), doctest::Contains("no dimensions"), std::out_of_range);
  CHECK_THROWS_WITH_AS(xg::zeros({2, 3}).size(2), doctest::Contains("out of range"), std::out_of_range);
  CHECK(xg::zeros({2, 3}).size(-2) == 2);
  CHECK_THROWS_WITH_AS(s.squeeze(5), doctest::Contains("out of range"), std::invalid_argument);
  check_zero_size("squeeze 0-d dim 0", [](const V& x) { return x[0].squeeze(0); }, {{}}, {}, {0});
  check_zero_size("squeeze 0-d dim -1", [](const V& x) { return x[0].squeeze(-1); }, {{}}, {}, {0});
  check_zero_size("t of 0-d", [](const V& x) { return x[0].t(); }, {{}}, {}, {0});
  check_zero_size("sum dim 0 of 0-d", [](const V& x) { return x[0].sum({0}); }, {{}}, {}, {0});
  check_zero_size("softmax of 0-d", [](const V& x) { return xg::softmax(x[0], 0); }, {{}}, {}, {1});
  CHECK_THROWS_WITH_AS(xg::cat({s, s}), doctest::Contains("zero-dimensional"), std::invalid_argument);
}

TEST_CASE("max and min of a tensor holding NaN send the gradient to the NaN elements, as PyTorch") {
  xg::Tensor x = xg::tensor({1.0, kNaN, 3.0, kNaN}, f64());
  x.max().backward();
  check_values(x.grad(), {0.0, 0.5, 0.0, 0.5});  // torch: [0.0, 0.5, 0.0, 0.5]
  xg::Tensor y = xg::tensor({1.0, kNaN, 3.0}, f64());
  y.min().backward();
  check_values(y.grad(), {0.0, 1.0, 0.0});  // torch: [0.0, 1.0, 0.0]
}

// ---------------------------------------------------------------- assigned gradients, cycles, numbers out of range

TEST_CASE("backward refuses to accumulate into an assigned gradient of another shape or dtype") {
  xg::Tensor w = xg::ones({64, 64}, xg::requires_grad());
  w.mutable_grad() = xg::ones({1});
  CHECK_THROWS_WITH_AS((w * 2.0).sum().backward(), doctest::Contains("assigned grad has data of a different size"),
                       std::invalid_argument);
  CHECK(w.grad().shape() == xg::Shape{1});  // untouched
  w.mutable_grad() = xg::ones({64, 64}, xg::dtype(xg::kFloat64));
  CHECK_THROWS_WITH_AS((w * 2.0).sum().backward(), doctest::Contains("float64"), std::invalid_argument);
  w.mutable_grad() = xg::Tensor();
  (w * 2.0).sum().backward();
  CHECK(w.grad().sum().item() == 2.0 * 64 * 64);
}

TEST_CASE("an in-place op taking its own target as operand forms no reference cycle") {
  // Each iteration used to leak its node (LeakSanitizer in the sanitizer suite reports any such leak).
  xg::Tensor x = xg::tensor({1.0, 2.0}, f64());
  for (int i = 0; i < 1000; ++i) {
    xg::Tensor y = x * 2.0;
    y *= y;
    y += y;
    y /= y;
  }
  xg::Tensor y = x * 2.0;
  y *= y;  // 4 x^2
  y.sum().backward();
  check_values(x.grad(), {8.0, 16.0});  // d/dx 4x^2 = 8x
}

TEST_CASE("item and to_vector refuse values the requested type cannot hold") {
  CHECK_THROWS_WITH_AS(xg::scalar_tensor(NAN).item<int>(), doctest::Contains("cannot be converted to type int"),
                       std::out_of_range);
  CHECK_THROWS_AS(xg::scalar_tensor(INFINITY).item<int64_t>(), std::out_of_range);
  CHECK_THROWS_AS(xg::scalar_tensor(3e9).item<int>(), std::out_of_range);
  CHECK_THROWS_AS(xg::scalar_tensor(1e300, xg::dtype(xg::kFloat64)).item<float>(), std::out_of_range);
  CHECK_THROWS_AS(xg::tensor({1.0, NAN}).to_vector<int64_t>(), std::out_of_range);
  CHECK(xg::scalar_tensor(-2147483648.0, xg::dtype(xg::kFloat64)).item<int>() == -2147483647 - 1);
  CHECK(xg::scalar_tensor(-7.9).item<int64_t>() == -7);  // truncation toward zero, like C++ and PyTorch
  CHECK(std::isnan(xg::scalar_tensor(NAN, xg::dtype(xg::kFloat64)).item<float>()));  // NaN is a float
  CHECK(std::isinf(xg::scalar_tensor(INFINITY, xg::dtype(xg::kFloat64)).item<float>()));
}

TEST_CASE("reshape refuses shapes whose element count overflows, naming reshape") {
  xg::Tensor x = xg::zeros({4});
  CHECK_THROWS_WITH_AS(x.reshape({1LL << 40, 1LL << 40, -1}), doctest::Contains("reshape:"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(x.reshape({1LL << 62, 4}), doctest::Contains("reshape:"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(x.reshape({-2, 2}), doctest::Contains("reshape:"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(x.reshape({-1, -1}), doctest::Contains("only one dimension"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::stack({xg::zeros({2}), xg::zeros({3})}), doctest::Contains("stack:"), std::invalid_argument);
}

TEST_CASE("printing a tensor of very high rank does not recurse once per dimension") {
  xg::Shape shape(200000, 1);
  std::ostringstream printed;
  printed << xg::ones({1}).reshape(shape);
  CHECK(printed.str().find("1.0000") != std::string::npos);
}

// ---------------------------------------------------------------- undefined tensors and dims out of range

TEST_CASE("every op given an undefined tensor throws naming itself") {
  xg::Tensor u, a = xg::ones({2, 3});
  const std::vector<std::pair<std::string, std::function<void()>>> ops = {
      {"add", [&] { (void)(u + a); }},
      {"add", [&] { (void)(a + u); }},
      {"mul", [&] { (void)(u * 2.0); }},
      {"rdiv", [&] { (void)(2.0 / u); }},
      {"neg", [&] { (void)(-u); }},
      {"pow", [&] { (void)a.pow(u); }},
      {"exp", [&] { (void)xg::exp(u); }},
      {"clamp", [&] { (void)u.clamp(0, 1); }},
      {"sum", [&] { (void)u.sum({0}); }},
      {"mean", [&] { (void)u.mean(); }},
      {"max", [&] { (void)u.max(); }},
      {"matmul", [&] { (void)a.matmul(u); }},
      {"t", [&] { (void)u.t(); }},
      {"transpose", [&] { (void)xg::transpose(u, 0, 1); }},
      {"reshape", [&] { (void)u.reshape({-1}); }},
      {"unsqueeze", [&] { (void)u.unsqueeze(0); }},
      {"squeeze", [&] { (void)u.squeeze(0); }},
      {"broadcast_to", [&] { (void)xg::broadcast_to(u, {2}); }},
      {"sum_to", [&] { (void)xg::sum_to(u, {1}); }},
      {"slice", [&] { (void)u.slice(0, 0, 1); }},
      {"select", [&] { (void)u[0]; }},
      {"index_select", [&] { (void)u.index_select(0, {0}); }},
      {"cat", [&] { (void)xg::cat({a, u}); }},
      {"stack", [&] { (void)xg::stack({a, u}); }},
      {"softmax", [&] { (void)xg::softmax(u, 0); }},
      {"clone", [&] { (void)u.clone(); }},
      {"to", [&] { (void)u.to(xg::kFloat64); }},
      {"detach", [&] { (void)u.detach(); }},
      {"zeros_like", [&] { (void)xg::zeros_like(u); }},
      {"add_", [&] { xg::Tensor v = a.clone(); v += u; }},
      {"copy_", [&] { xg::Tensor v = a.clone(); v.copy_(u); }},
      {"fill_", [&] { xg::Tensor v; v.fill_(1); }},
      {"backward", [&] { u.backward(); }},
      {"item", [&] { (void)u.item(); }},
      {"requires_grad_", [&] { u.requires_grad_(); }},
      {"gradcheck", [&] { (void)xg::autograd::gradcheck([](const std::vector<xg::Tensor>& v) { return v[0]; }, {u}); }},
  };
  for (const auto& [name, op] : ops) {
    CAPTURE(name);
    CHECK_THROWS_WITH(op(), doctest::Contains((name + ":").c_str()));
  }
}

TEST_CASE("every op taking a dim refuses one out of range, naming itself") {
  xg::Tensor a = xg::ones({2, 3});
  const std::vector<std::pair<std::string, std::function<void()>>> ops = {
      {"sum", [&] { (void)a.sum({2}); }},
      {"sum", [&] { (void)a.sum({0, 0}); }},
      {"mean", [&] { (void)a.mean({-3}); }},
      {"transpose", [&] { (void)xg::transpose(a, 0, 2); }},
      {"unsqueeze", [&] { (void)a.unsqueeze(4); }},
      {"squeeze", [&] { (void)a.squeeze(-3); }},
      {"slice", [&] { (void)a.slice(2, 0, 1); }},
      {"index_select", [&] { (void)a.index_select(2, {0}); }},
      {"index_select", [&] { (void)a.index_select(1, {3}); }},
      {"select", [&] { (void)a[2]; }},
      {"select", [&] { (void)a[-3]; }},
      {"cat", [&] { (void)xg::cat({a, a}, 2); }},
      {"stack", [&] { (void)xg::stack({a, a}, 3); }},
      {"softmax", [&] { (void)xg::softmax(a, 2); }},
      {"log_softmax", [&] { (void)xg::log_softmax(a, -3); }},
      {"size", [&] { (void)a.size(2); }},
  };
  for (const auto& [name, op] : ops) {
    CAPTURE(name);
    CHECK_THROWS_WITH(op(), doctest::Contains((name + ":").c_str()));
  }
}

TEST_CASE("bad shapes and sizes in factories and ops name the op") {
  CHECK_THROWS_WITH_AS(xg::zeros({2, -1}), doctest::Contains("zeros: negative dimension"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::ones({-3}), doctest::Contains("ones:"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::randn({1LL << 40, 1LL << 40}), doctest::Contains("randn:"), std::length_error);
  CHECK_THROWS_WITH_AS(xg::tensor({1.0, 2.0}, {3}), doctest::Contains("tensor:"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::linspace(0, 1, -1), doctest::Contains("linspace:"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::arange(0, 1, 0), doctest::Contains("arange:"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::ones({2, 3}) + xg::ones({4}), doctest::Contains("cannot broadcast"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::broadcast_to(xg::ones({3}), {2, 4}), doctest::Contains("broadcast_to:"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::sum_to(xg::ones({2, 3}), {4}), doctest::Contains("sum_to:"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::ones({2, 3}).matmul(xg::ones({2, 3})), doctest::Contains("matmul:"), std::invalid_argument);
  // min > max is no error in PyTorch: every element becomes max (torch.clamp(torch.ones(2), 1, 0) -> [0, 0]).
  CHECK(xg::ones({2}).clamp(1, 0).to_vector<float>() == std::vector<float>{0, 0});
  xg::Tensor target = xg::ones({3});
  CHECK_THROWS_WITH_AS(target += xg::ones({2, 3}), doctest::Contains("add_:"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(target.copy_(xg::ones({4})), doctest::Contains("copy_:"), std::invalid_argument);
  xg::Tensor w = xg::ones({2}, xg::requires_grad());
  CHECK_THROWS_WITH_AS((w * 2.0).backward(xg::ones({3})), doctest::Contains("backward:"), std::invalid_argument);
  CHECK_THROWS_WITH_AS((w * 2.0).backward(xg::ones({2}, xg::dtype(xg::kFloat64))), doctest::Contains("backward:"),
                       std::invalid_argument);
}

// ---------------------------------------------------------------- random misuse (the sanitizer suite checks memory)

TEST_CASE("random ops on random shapes with zero-size dims either work or throw a named error") {
  std::mt19937 rng(2026);
  auto pick = [&](int64_t n) { return std::uniform_int_distribution<int64_t>(0, n - 1)(rng); };
  auto shape = [&] {
    xg::Shape s;
    for (int64_t rank = pick(4); rank > 0; --rank) s.push_back(pick(4));
    return s;
  };
  int worked = 0;
  for (int iteration = 0; iteration < 3000; ++iteration) {
    xg::Tensor a = xg::randn(shape(), xg::dtype(xg::kFloat64)).requires_grad_(pick(2) == 1);
    xg::Tensor b = xg::randn(pick(3) ? a.shape() : shape(), xg::dtype(xg::kFloat64)).requires_grad_(pick(2) == 1);
    const int64_t d = pick(5) - 2;
    try {
      xg::Tensor y;
      switch (pick(30)) {
        case 0: y = a + b; break;
        case 1: y = a * b; break;
        case 2: y = a / b; break;
        case 3: y = a.pow(b); break;
        case 4: y = a.sum({d}, pick(2) == 1); break;
        case 5: y = a.mean({d}, pick(2) == 1); break;
        case 6: y = a.matmul(b); break;
        case 7: y = xg::softmax(a, d); break;
        case 8: y = xg::log_softmax(a, d); break;
        case 9: y = a.transpose(d, pick(3)); break;
        case 10: y = a.slice(d, pick(5) - 2, pick(5) - 1); break;
        case 11: y = a[pick(5) - 2]; break;
        case 12: y = a.index_select(d, {pick(4) - 2, pick(3)}); break;
        case 13: y = xg::cat({a, b}, d); break;
        case 14: y = xg::stack({a, b}, d); break;
        case 15: y = xg::broadcast_to(a, b.shape()); break;
        case 16: y = xg::sum_to(a, b.shape()); break;
        case 17: y = a.max(); break;
        case 18: y = a.unsqueeze(d).squeeze(d); break;
        case 19: y = a.t().clamp(-0.5, 0.5); break;
        case 20: { y = a.detach().clone(); y += b; break; }
        case 21: { y = a * 1.0; y *= b; break; }
        // views, ops on them, and in-place ops through them (recorded and not)
        case 22: y = a.t().slice(d, pick(3), pick(5) - 1, 1 + pick(2)) * 2.0; break;
        case 23: y = a.unsqueeze(0).expand({2, -1}).sum({0}) + a.narrow(d, pick(2), pick(2)).sum(); break;
        case 24: y = a.permute({}) * 1.0; break;
        case 25: { y = a * 1.0; y.select(d, pick(3) - 1) *= 3.0; break; }
        case 26: { y = a * 1.0; y.t()[pick(3) - 1] += b.t()[0]; break; }
        case 27: { y = a.detach().clone(); xg::NoGradGuard no_grad; y.slice(d, 0, pick(4)).fill_(1.5); break; }
        case 28: y = a.diagonal(pick(3) - 1, d, pick(3)).matmul(b.diagonal()); break;
        default: { y = a.reshape({-1}).view({-1}).flatten() + 1.0; break; }
      }
      if (y.requires_grad()) y.backward(xg::ones_like(y), false, pick(2) == 1);
      a.mutable_grad() = xg::Tensor();  // a create_graph backward links grads to their graph: drop the cycle
      b.mutable_grad() = xg::Tensor();
      ++worked;
    } catch (const std::exception& error) {
      CHECK(std::string(error.what()).find(": ") != std::string::npos);  // "op: what went wrong"
    }
  }
  CHECK(worked > 1000);
}

TEST_CASE("fill values a float32 tensor cannot hold are refused, as PyTorch does; a tensor is not its own grad") {
  CHECK_THROWS_WITH_AS(xg::full({2}, 1e300), doctest::Contains("full: value"), std::invalid_argument);
  xg::Tensor t = xg::zeros({2});
  CHECK_THROWS_WITH_AS(t.fill_(-1e39), doctest::Contains("fill_: value"), std::invalid_argument);
  CHECK(std::isinf(xg::full({1}, INFINITY).item()));  // infinities and NaN are float32 values
  CHECK(xg::full({1}, 1e300, xg::dtype(xg::kFloat64)).item() == 1e300);
  xg::Tensor p = xg::ones({2}, xg::requires_grad());
  p.mutable_grad() = p;
  CHECK_THROWS_WITH_AS((p * 2.0).sum().backward(), doctest::Contains("its own grad"), std::invalid_argument);
  p.mutable_grad() = xg::Tensor();  // no cycle left behind
}
