// SGD, SGD + momentum, Nesterov, Adam, AdamW, RMSprop and Adagrad on an ill-conditioned ravine
// (L = w0^2 + 4 w1^2), a harder one (Rosenbrock's valley), a small MLP regression and a full-batch linear
// least-squares fit, where LBFGS also runs and reaches the least-squares optimum in a few steps: loss
// curves on one picture.
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <xgrad.hpp>

#include "support.hpp"

namespace xg = xgrad;
namespace optim = xg::optim;

using Factory = std::function<std::unique_ptr<optim::Optimizer>(std::vector<xg::Tensor>)>;

// The first-order optimizers, in the order of the CSV columns and the picture's curves.
static std::vector<std::pair<std::string, Factory>> zoo(double lr, double adaptive_lr) {
  return {
      {"SGD", [=](auto p) { return std::make_unique<optim::SGD>(p, optim::SGDOptions(lr)); }},
      {"Momentum", [=](auto p) { return std::make_unique<optim::SGD>(p, optim::SGDOptions(lr).momentum(0.9)); }},
      {"Nesterov", [=](auto p) { return std::make_unique<optim::SGD>(p, optim::SGDOptions(lr).momentum(0.9).nesterov(true)); }},
      {"Adam", [=](auto p) { return std::make_unique<optim::Adam>(p, optim::AdamOptions(adaptive_lr)); }},
      {"AdamW", [=](auto p) { return std::make_unique<optim::AdamW>(p, optim::AdamWOptions(adaptive_lr)); }},
      // RMSprop's steps are about lr (no momentum of the gradient's sign), Adagrad's shrink as 1/sqrt(t).
      {"RMSprop", [=](auto p) { return std::make_unique<optim::RMSprop>(p, optim::RMSpropOptions(adaptive_lr / 5)); }},
      {"Adagrad", [=](auto p) { return std::make_unique<optim::Adagrad>(p, optim::AdagradOptions(adaptive_lr * 5)); }},
  };
}

// Final loss of each optimizer, by name.
using Results = std::vector<std::pair<std::string, double>>;

// Runs every optimizer on `loss(params)` and writes one CSV column per optimizer (loss - floor).
static Results race(const std::string& title, const std::string& path, int steps, double lr, double adaptive_lr,
                    const std::function<std::vector<xg::Tensor>()>& make_params,
                    const std::function<xg::Tensor(const std::vector<xg::Tensor>&)>& loss, double floor = 0) {
  std::vector<std::string> header = {"step"};
  std::vector<std::vector<double>> columns(1);
  for (int s = 0; s < steps; ++s) columns[0].push_back(s + 1);
  std::printf("%s\n", title.c_str());
  Results results;
  for (auto& [name, make] : zoo(lr, adaptive_lr)) {
    std::vector<xg::Tensor> params = make_params();
    auto optimizer = make(params);
    std::vector<double> curve;
    for (int s = 0; s < steps; ++s) {
      optimizer->zero_grad();
      xg::Tensor value = loss(params);
      value.backward();
      optimizer->step();
      curve.push_back(value.item());
    }
    std::printf("  %-9s final loss %.3e\n", name.c_str(), curve.back());
    header.push_back(name);
    results.emplace_back(name, curve.back());
    for (double& value : curve) value -= floor;
    columns.push_back(curve);
  }
  example::write_csv(path, header, columns);
  return results;
}

// The least-squares optimum of y ~ x w + b, from the normal equations in double (Gaussian elimination with
// partial pivoting on the (d + 1) x (d + 1) system): the loss LBFGS should reach.
static double least_squares_optimum(const xg::Tensor& x, const xg::Tensor& y) {
  const int64_t n = x.size(0), d = x.size(1), m = d + 1;
  std::vector<double> xs = x.to_vector<double>(), ys = y.to_vector<double>();
  auto feature = [&](int64_t i, int64_t j) { return j < d ? xs[i * d + j] : 1.0; };
  std::vector<std::vector<double>> a(m, std::vector<double>(m + 1, 0.0));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j) {
      for (int64_t k = 0; k < m; ++k) a[j][k] += feature(i, j) * feature(i, k);
      a[j][m] += feature(i, j) * ys[i];
    }
  for (int64_t c = 0; c < m; ++c) {
    int64_t pivot = c;
    for (int64_t r = c + 1; r < m; ++r)
      if (std::abs(a[r][c]) > std::abs(a[pivot][c])) pivot = r;
    std::swap(a[c], a[pivot]);
    for (int64_t r = c + 1; r < m; ++r) {
      const double f = a[r][c] / a[c][c];
      for (int64_t k = c; k <= m; ++k) a[r][k] -= f * a[c][k];
    }
  }
  std::vector<double> theta(m);
  for (int64_t c = m - 1; c >= 0; --c) {
    double v = a[c][m];
    for (int64_t k = c + 1; k < m; ++k) v -= a[c][k] * theta[k];
    theta[c] = v / a[c][c];
  }
  double total = 0;
  for (int64_t i = 0; i < n; ++i) {
    double r = -ys[i];
    for (int64_t j = 0; j < m; ++j) r += feature(i, j) * theta[j];
    total += r * r;
  }
  return total / static_cast<double>(n);
}

int main(int argc, char** argv) {
  int steps = 500, lbfgs_steps = 5;
  double lr = 0.02, adaptive_lr = 0.1;
  std::string out = "out/optimizer_zoo";
  CLI::App app{"The optimizer zoo on ravines, a small MLP and a least-squares fit"};
  app.add_option("--steps", steps, "steps per optimizer")->capture_default_str();
  app.add_option("--lbfgs-steps", lbfgs_steps, "LBFGS steps on the least-squares fit (up to 20 iterations each)")
      ->capture_default_str();
  app.add_option("--lr", lr, "learning rate of the SGD family")->capture_default_str();
  app.add_option("--adaptive-lr", adaptive_lr, "learning rate of Adam and AdamW (RMSprop: / 5, Adagrad: x 5)")
      ->capture_default_str();
  app.add_option("--out", out, "output folder")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  // Why the ravine is hard: its Hessian (built by differentiating the gradient once more) has eigenvalues 2
  // and 8, so gradient descent needs lr < 2 / lambda_max = 0.25 and crawls along the flat direction.
  {
    xg::Tensor w = xg::tensor({-4.0, 2.0}, xg::dtype(xg::kFloat64).requires_grad(true));
    xg::Tensor loss = (w * w * xg::tensor({1.0, 4.0}, xg::dtype(xg::kFloat64))).sum();
    xg::Tensor gradient = xg::autograd::grad({loss}, {w}, {}, true, true)[0];
    xg::Tensor rows[2] = {xg::autograd::grad({gradient[0]}, {w}, {}, true)[0],
                          xg::autograd::grad({gradient[1]}, {w}, {}, true)[0]};
    xg::Tensor eigenvalues = xg::linalg::eigvalsh(xg::stack({rows[0], rows[1]}));
    double low = eigenvalues[0].item(), high = eigenvalues[1].item();
    std::printf("ravine: Hessian eigenvalues (linalg::eigvalsh) %g and %g, condition number %g, critical lr 2 / "
                "lambda_max = %g\n",
                low, high, high / low, 2 / high);
  }

  auto start = [](double a, double b) {
    return [a, b] { return std::vector<xg::Tensor>{xg::tensor({a, b}, xg::dtype(xg::kFloat64).requires_grad(true))}; };
  };
  Results ravine = race("ravine L = w0^2 + 4 w1^2 from (-4, 2)", out + "/ravine.csv", steps, lr, adaptive_lr, start(-4, 2),
       [](const std::vector<xg::Tensor>& p) { return (p[0] * p[0] * xg::tensor({1.0, 4.0}, xg::dtype(xg::kFloat64))).sum(); });
  race("Rosenbrock (1 - w0)^2 + 100 (w1 - w0^2)^2 from (-1.5, 2)", out + "/rosenbrock.csv", steps,
       lr / 20, adaptive_lr / 2, start(-1.5, 2), [](const std::vector<xg::Tensor>& p) {
         xg::Tensor a = p[0][0], b = p[0][1];
         return (1.0 - a).pow(2) + 100.0 * (b - a * a).pow(2);
       });
  // A small MLP fitting y = 0.3 x^3 - x; every optimizer starts from the same initial weights.
  xg::Tensor x = xg::linspace(-2, 2, 64).reshape({64, 1});
  xg::Tensor y = 0.3 * x.pow(3.0) - x;
  xg::nn::Sequential model{nullptr};
  Results mlp = race("MLP 1-16-16-1 (tanh) on y = 0.3 x^3 - x", out + "/mlp.csv", steps, lr * 2, adaptive_lr / 10,
       [&] {
         xg::manual_seed(4);
         model = xg::nn::Sequential(xg::nn::Linear(1, 16), xg::nn::Tanh(), xg::nn::Linear(16, 16), xg::nn::Tanh(),
                                    xg::nn::Linear(16, 1));
         return model->parameters();
       },
       [&](const std::vector<xg::Tensor>& p) { return xg::nn::functional::mse_loss(model->forward(x), y); });

  // Full-batch least squares: y = x w + b + noise, 256 examples, 4 features.
  xg::manual_seed(5);
  xg::Tensor features = xg::randn({256, 4}) * xg::tensor({1.0, 3.0, 0.3, 1.0});  // unequal scales: a ravine too
  xg::Tensor targets = xg::matmul(features, xg::tensor({1.5, -0.5, 2.0, 0.7}, {4, 1})) + 0.4 + 0.1 * xg::randn({256, 1});
  auto linear = [&] {
    xg::manual_seed(6);
    model = xg::nn::Sequential(xg::nn::Linear(4, 1));
    return model->parameters();
  };
  auto squared_error = [&](const std::vector<xg::Tensor>&) { return xg::nn::functional::mse_loss(model->forward(features), targets); };
  const double optimum = least_squares_optimum(features, targets);
  race("least squares, 256 x 4, full batch", out + "/least_squares.csv", steps, lr, adaptive_lr, linear, squared_error,
       optimum);
  // LBFGS: each step re-evaluates the loss through the closure, up to 20 iterations with a strong Wolfe line search.
  std::vector<xg::Tensor> params = linear();
  optim::LBFGS lbfgs(params, optim::LBFGSOptions(1.0).line_search_fn("strong_wolfe"));
  auto closure = [&] {
    lbfgs.zero_grad();
    xg::Tensor loss = squared_error(params);
    loss.backward();
    return loss;
  };
  // Plotted against loss evaluations, what a first-order step costs once.
  std::vector<double> lbfgs_evaluations = {1}, lbfgs_loss = {squared_error(params).item() - optimum};
  int reached = -1;
  for (int s = 1; s <= lbfgs_steps; ++s) {
    lbfgs.step(closure);
    const double loss = squared_error(params).item();
    const auto& state = static_cast<const optim::LBFGSParamState&>(*lbfgs.state().at(optim::detail::state_key(params[0])));
    lbfgs_evaluations.push_back(static_cast<double>(state.func_evals()));
    lbfgs_loss.push_back(loss - optimum);
    if (reached < 0 && loss <= optimum * (1 + 1e-5)) reached = s;
    std::printf("  LBFGS     step %d: loss %.6e (%lld loss evaluations so far)\n", s, loss,
                static_cast<long long>(state.func_evals()));
  }
  example::write_csv(out + "/lbfgs.csv", {"evaluations", "LBFGS"}, {lbfgs_evaluations, lbfgs_loss});
  std::printf("  least-squares optimum %.6e (normal equations in double)\n", optimum);

  // Momentum gets through the ravine faster than plain SGD; Adam fits the MLP better than plain SGD.
  bool momentum_wins = ravine[1].second < ravine[0].second && ravine[2].second < ravine[0].second;
  bool adam_wins = mlp[3].second < mlp[0].second && mlp[4].second < mlp[0].second;
  std::printf("ravine: momentum and Nesterov below plain SGD: %s; MLP: Adam and AdamW below plain SGD: %s\n",
              momentum_wins ? "yes" : "NO", adam_wins ? "yes" : "NO");
  // RMSprop and Adagrad scale each weight's step by its own gradient history: on the MLP they beat plain SGD.
  bool adaptive_wins = mlp[5].second < mlp[0].second && mlp[6].second < mlp[0].second;
  std::printf("MLP: RMSprop and Adagrad below plain SGD: %s\n", adaptive_wins ? "yes" : "NO");
  std::printf("least squares: LBFGS at the optimum (within 1e-5) after %d step%s: %s\n", reached, reached == 1 ? "" : "s",
              reached > 0 && reached <= 5 ? "yes" : "NO");

  std::string curves = "set xlabel 'step'; set ylabel 'loss'; set logscale y\nplot for [i=2:8] '%s' using 1:i with lines lw 2%s";
  auto script = [&](const char* file, const char* title, const char* more = "") {
    char text[640];
    std::snprintf(text, sizeof text, curves.c_str(), file, more);
    return std::string("set title '") + title + "'\n" + text;
  };
  example::plot(out + "/zoo.png",
                "set format y '%g'\nset multiplot layout 2,2\n" + script("ravine.csv", "ravine") + "\n" + script("rosenbrock.csv", "Rosenbrock") +
                    "\n" + script("mlp.csv", "MLP") + "\n" +
                    // float32 losses resolve the optimum to about 1e-9: below 1e-7 is rounding noise
                    "set yrange [1e-7:*]\n" +
                    script("least_squares.csv", "least squares: loss - optimum (LBFGS: by loss evaluations)",
                           ", 'lbfgs.csv' using 1:2 with linespoints lw 3 pt 7 lc rgb 'black'") +
                    "\nunset multiplot",
                "1400,1000");
  return 0;
}
