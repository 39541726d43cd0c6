// Every optimizer and every option that changes its formula against torch 1.13's trajectories, and LBFGS
// against torch's on Rosenbrock's function and a least-squares fit. The expected numbers are in
// torch_values.hpp, written by tests/optim/reference_zoo.py with python3-torch; the problems below are that
// script's, computed the same way (in double, rounded to the parameters' dtype). Measured on this project's
// machine (FMA): every float32 value is bit-identical to torch's and float64 ones agree exactly; the bounds
// below leave room for CPUs without FMA.
#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <string>

#include "helpers.hpp"
#include "torch_values.hpp"

namespace optim = xg::optim;

namespace {
constexpr int kSteps = 120;
constexpr int kN = 10;

double p0(int j) { return 1.5 * std::sin(0.7 * j + 0.4); }
double slope(int j) { return 0.5 + 0.25 * j; }
double target(int j) { return std::cos(0.9 * j); }
std::vector<double> gradient(const std::vector<double>& p, int k) {
  std::vector<double> g(kN);
  for (int j = 0; j < kN; ++j) g[j] = slope(j) * (p[j] - target(j)) + 0.3 * std::sin(0.37 * k + 0.9 * j);
  return g;
}

using Make = std::function<std::unique_ptr<optim::Optimizer>(xg::Tensor, xg::Tensor)>;
template <class Optimizer, class Options>
Make make(Options options) {
  return [options](xg::Tensor a, xg::Tensor b) { return std::make_unique<Optimizer>(std::vector<xg::Tensor>{a, b}, options); };
}

// The cases of reference_zoo.py's OPTIMIZERS, by the same names.
std::vector<std::pair<std::string, Make>> cases() {
  using optim::AdamOptions, optim::AdamWOptions, optim::SGDOptions, optim::RMSpropOptions, optim::AdagradOptions;
  using optim::AdadeltaOptions, optim::AdamaxOptions, optim::NAdamOptions, optim::RAdamOptions;
  return {
      {"SGD", make<optim::SGD>(SGDOptions(0.05))},
      {"SGD momentum", make<optim::SGD>(SGDOptions(0.05).momentum(0.9))},
      {"SGD dampening", make<optim::SGD>(SGDOptions(0.05).momentum(0.9).dampening(0.3))},
      {"SGD nesterov", make<optim::SGD>(SGDOptions(0.05).momentum(0.9).nesterov(true))},
      {"SGD weight_decay", make<optim::SGD>(SGDOptions(0.05).weight_decay(0.1))},
      {"SGD maximize", make<optim::SGD>(SGDOptions(0.01).maximize(true))},
      {"SGD all", make<optim::SGD>(SGDOptions(0.01).momentum(0.8).nesterov(true).weight_decay(0.05).maximize(true))},
      {"Adam", make<optim::Adam>(AdamOptions(0.05))},
      {"Adam weight_decay", make<optim::Adam>(AdamOptions(0.05).weight_decay(0.1))},
      {"Adam amsgrad", make<optim::Adam>(AdamOptions(0.05).amsgrad(true))},
      {"Adam maximize", make<optim::Adam>(AdamOptions(0.01).maximize(true))},
      {"Adam all", make<optim::Adam>(AdamOptions(0.02).betas({0.3, 0.9}).eps(1e-6).weight_decay(0.05).amsgrad(true).maximize(true))},
      {"AdamW", make<optim::AdamW>(AdamWOptions(0.05))},
      {"AdamW amsgrad", make<optim::AdamW>(AdamWOptions(0.05).weight_decay(0.1).amsgrad(true))},
      {"AdamW maximize", make<optim::AdamW>(AdamWOptions(0.01).maximize(true))},
      {"RMSprop", make<optim::RMSprop>(RMSpropOptions(0.01))},
      {"RMSprop centered", make<optim::RMSprop>(RMSpropOptions(0.01).centered(true))},
      {"RMSprop momentum", make<optim::RMSprop>(RMSpropOptions(0.01).momentum(0.9))},
      {"RMSprop centered momentum", make<optim::RMSprop>(RMSpropOptions(0.01).momentum(0.5).centered(true))},
      {"RMSprop weight_decay", make<optim::RMSprop>(RMSpropOptions(0.01).weight_decay(0.1))},
      {"RMSprop maximize", make<optim::RMSprop>(RMSpropOptions(0.005).maximize(true))},
      {"RMSprop all", make<optim::RMSprop>(
                          RMSpropOptions(0.005).alpha(0.9).eps(1e-6).weight_decay(0.05).momentum(0.7).centered(true).maximize(true))},
      // LibTorch's constructor from groups: the second group has its own options.
      {"RMSprop two groups",
       [](xg::Tensor a, xg::Tensor b) {
         std::vector<optim::OptimizerParamGroup> groups;
         groups.emplace_back(std::vector<xg::Tensor>{a});
         groups.emplace_back(std::vector<xg::Tensor>{b}, std::make_unique<RMSpropOptions>(RMSpropOptions(0.003).centered(true)));
         return std::make_unique<optim::RMSprop>(groups, RMSpropOptions(0.01));
       }},
      {"Adagrad", make<optim::Adagrad>(AdagradOptions(0.1))},
      {"Adagrad lr_decay", make<optim::Adagrad>(AdagradOptions(0.1).lr_decay(0.01))},
      {"Adagrad initial_accumulator_value", make<optim::Adagrad>(AdagradOptions(0.1).initial_accumulator_value(0.5))},
      {"Adagrad weight_decay", make<optim::Adagrad>(AdagradOptions(0.1).weight_decay(0.1))},
      {"Adagrad maximize", make<optim::Adagrad>(AdagradOptions(0.05).maximize(true))},
      {"Adagrad all", make<optim::Adagrad>(AdagradOptions(0.05).lr_decay(0.02).weight_decay(0.05).initial_accumulator_value(0.1)
                                               .eps(1e-6).maximize(true))},
      {"Adadelta", make<optim::Adadelta>(AdadeltaOptions())},
      {"Adadelta weight_decay", make<optim::Adadelta>(AdadeltaOptions(0.5).rho(0.5).weight_decay(0.1))},
      {"Adadelta maximize", make<optim::Adadelta>(AdadeltaOptions(0.5).eps(1e-4).maximize(true))},
      {"Adamax", make<optim::Adamax>(AdamaxOptions(0.05))},
      {"Adamax weight_decay", make<optim::Adamax>(AdamaxOptions(0.05).betas({0.5, 0.9}).weight_decay(0.1))},
      {"Adamax maximize", make<optim::Adamax>(AdamaxOptions(0.01).maximize(true))},
      {"NAdam", make<optim::NAdam>(NAdamOptions(0.05))},
      {"NAdam weight_decay", make<optim::NAdam>(NAdamOptions(0.05).weight_decay(0.1).momentum_decay(0.01))},
      {"NAdam betas", make<optim::NAdam>(NAdamOptions(0.02).betas({0.8, 0.99}).eps(1e-6))},
      {"RAdam", make<optim::RAdam>(RAdamOptions(0.05))},
      {"RAdam weight_decay", make<optim::RAdam>(RAdamOptions(0.05).weight_decay(0.1))},
      {"RAdam betas", make<optim::RAdam>(RAdamOptions(0.02).betas({0.5, 0.9}).eps(1e-6))},
  };
}

// reference_zoo.py's run(): p after each step listed in `snapshots`.
std::vector<double> run(const Make& make_optimizer, xg::Dtype dtype, const std::vector<int>& snapshots) {
  std::vector<double> start(kN);
  for (int j = 0; j < kN; ++j) start[j] = p0(j);
  xg::Tensor a = xg::tensor({start.begin(), start.begin() + 6}, {2, 3}, xg::dtype(dtype).requires_grad(true));
  xg::Tensor b = xg::tensor({start.begin() + 6, start.end()}, {4}, xg::dtype(dtype).requires_grad(true));
  std::unique_ptr<optim::Optimizer> optimizer = make_optimizer(a, b);
  std::vector<double> out;
  auto values = [&] {
    std::vector<double> p = a.to_vector<double>(), rest = b.to_vector<double>();
    p.insert(p.end(), rest.begin(), rest.end());
    return p;
  };
  for (int k = 0; k < kSteps; ++k) {
    std::vector<double> g = gradient(values(), k);
    a.mutable_grad() = xg::tensor({g.begin(), g.begin() + 6}, {2, 3}, xg::dtype(dtype));
    b.mutable_grad() = xg::tensor({g.begin() + 6, g.end()}, {4}, xg::dtype(dtype));
    optimizer->step();
    if (std::find(snapshots.begin(), snapshots.end(), k + 1) != snapshots.end()) {
      std::vector<double> p = values();
      out.insert(out.end(), p.begin(), p.end());
    }
  }
  return out;
}

// |got - expected| <= tolerance (1 + |expected|): relative, with an absolute floor for values near zero.
double worst_error(const std::vector<double>& got, const std::vector<double>& expected) {
  REQUIRE(got.size() == expected.size());
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::abs(got[i] - expected[i]) / (1 + std::abs(expected[i])));
  return worst;
}
}  // namespace

TEST_CASE("every optimizer and option follows torch 1.13's float32 trajectory to 2e-5 over 120 steps") {
  const auto& expected = torch_values::optimizer_float32();
  for (auto& [name, make_optimizer] : cases()) {
    CAPTURE(name);
    REQUIRE(expected.count(name));
    const double worst = worst_error(run(make_optimizer, xg::kFloat32, torch_values::kSnapshots), expected.at(name));
    CAPTURE(worst);
    CHECK(worst <= 2e-5);
  }
  CHECK(cases().size() == expected.size());
}

TEST_CASE("every optimizer and option follows torch 1.13's float64 trajectory to 1e-12") {
  const auto& expected = torch_values::optimizer_float64();
  for (auto& [name, make_optimizer] : cases()) {
    CAPTURE(name);
    const double worst = worst_error(run(make_optimizer, xg::kFloat64, torch_values::kSnapshots64), expected.at(name));
    CAPTURE(worst);
    CHECK(worst <= 1e-12);
  }
}

namespace {
constexpr int kRows = 32;
double feature(int i, int j) { return std::sin(1.3 * i + 0.7 * j + 0.1); }
double response(int i) {
  return 1.5 * feature(i, 0) - 2 * feature(i, 1) + 0.5 * feature(i, 2) + 0.3 + 0.05 * std::cos(2.1 * i);
}

// Loss and gradient in double, as reference_zoo.py's rosenbrock() and least_squares().
std::pair<double, std::vector<double>> rosenbrock(const std::vector<double>& p) {
  const double x = p[0], y = p[1];
  const double f = std::pow(1 - x, 2) + 100 * std::pow(y - x * x, 2);
  return {f, {-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)}};
}
std::pair<double, std::vector<double>> least_squares(const std::vector<double>& p) {
  double f = 0;
  std::vector<double> g(4, 0.0);
  for (int i = 0; i < kRows; ++i) {
    const double r = feature(i, 0) * p[0] + feature(i, 1) * p[1] + feature(i, 2) * p[2] + p[3] - response(i);
    f += r * r;
    for (int j = 0; j < 3; ++j) g[j] += 2 * r * feature(i, j);
    g[3] += 2 * r;
  }
  for (double& v : g) v /= kRows;
  return {f / kRows, g};
}

using Problem = std::function<std::pair<double, std::vector<double>>(const std::vector<double>&)>;
struct LbfgsCase {
  std::string name;
  Problem problem;
  std::vector<double> start;
  std::vector<xg::Shape> shapes;
  int calls32, calls64;
  optim::LBFGSOptions options;
};

std::vector<LbfgsCase> lbfgs_cases() {
  using optim::LBFGSOptions;
  return {
      {"rosenbrock strong_wolfe", rosenbrock, {-1.5, 2.0}, {{2}}, 4, 4, LBFGSOptions().line_search_fn("strong_wolfe")},
      {"rosenbrock", rosenbrock, {-1.5, 2.0}, {{2}}, 2, 4, LBFGSOptions()},
      {"rosenbrock history 3", rosenbrock, {-1.5, 2.0}, {{2}}, 2, 3, LBFGSOptions().history_size(3).max_iter(15)},
      {"least squares strong_wolfe", least_squares, {0, 0, 0, 0}, {{3}, {1}}, 3, 3,
       LBFGSOptions().line_search_fn("strong_wolfe").history_size(2)},
      {"least squares", least_squares, {0, 0, 0, 0}, {{3}, {1}}, 3, 3, LBFGSOptions(0.5).max_iter(10).history_size(2)},
  };
}

// reference_zoo.py's run_lbfgs(): per step() call, the loss it returns, the parameters, func_evals, n_iter.
std::vector<double> run_lbfgs(const LbfgsCase& c, xg::Dtype dtype, int calls) {
  std::vector<xg::Tensor> params;
  size_t offset = 0;
  for (const xg::Shape& shape : c.shapes) {
    size_t n = 1;
    for (int64_t extent : shape) n *= static_cast<size_t>(extent);
    params.push_back(xg::tensor({c.start.begin() + offset, c.start.begin() + offset + n}, shape, xg::dtype(dtype).requires_grad(true)));
    offset += n;
  }
  optim::LBFGS optimizer(params, c.options);
  auto flat = [&] {
    std::vector<double> values;
    for (const xg::Tensor& p : params)
      for (double v : p.to_vector<double>()) values.push_back(v);
    return values;
  };
  auto closure = [&] {
    auto [f, g] = c.problem(flat());
    size_t at = 0;
    for (xg::Tensor& p : params) {
      p.mutable_grad() = xg::tensor({g.begin() + at, g.begin() + at + p.numel()}, p.shape(), xg::dtype(dtype));
      at += p.numel();
    }
    return xg::scalar_tensor(f, xg::dtype(dtype));
  };
  std::vector<double> out;
  for (int call = 0; call < calls; ++call) {
    xg::Tensor loss = optimizer.step(closure);
    out.push_back(loss.item());
    for (double v : flat()) out.push_back(v);
    const auto& state = static_cast<const optim::LBFGSParamState&>(*optimizer.state().at(optim::detail::state_key(params[0])));
    out.push_back(static_cast<double>(state.func_evals()));
    out.push_back(static_cast<double>(state.n_iter()));
  }
  return out;
}
}  // namespace

TEST_CASE("LBFGS with and without strong Wolfe follows torch 1.13 on Rosenbrock and least squares") {
  for (const LbfgsCase& c : lbfgs_cases()) {
    CAPTURE(c.name);
    const double worst64 = worst_error(run_lbfgs(c, xg::kFloat64, c.calls64), torch_values::lbfgs_float64().at(c.name));
    CAPTURE(worst64);
    CHECK(worst64 <= 1e-10);
    const double worst32 = worst_error(run_lbfgs(c, xg::kFloat32, c.calls32), torch_values::lbfgs_float32().at(c.name));
    CAPTURE(worst32);
    CHECK(worst32 <= 2e-5);
  }
}
