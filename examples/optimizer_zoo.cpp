// SGD, SGD + momentum, Nesterov, Adam and AdamW on an ill-conditioned ravine (L = w0^2 + 4 w1^2), a harder
// one (Rosenbrock's valley) and a small MLP regression: loss curves on one picture.
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

static std::vector<std::pair<std::string, Factory>> zoo(double lr, double adaptive_lr) {
  return {
      {"SGD", [=](auto p) { return std::make_unique<optim::SGD>(p, optim::SGDOptions(lr)); }},
      {"Momentum", [=](auto p) { return std::make_unique<optim::SGD>(p, optim::SGDOptions(lr).momentum(0.9)); }},
      {"Nesterov", [=](auto p) { return std::make_unique<optim::SGD>(p, optim::SGDOptions(lr).momentum(0.9).nesterov(true)); }},
      {"Adam", [=](auto p) { return std::make_unique<optim::Adam>(p, optim::AdamOptions(adaptive_lr)); }},
      {"AdamW", [=](auto p) { return std::make_unique<optim::AdamW>(p, optim::AdamWOptions(adaptive_lr)); }},
  };
}

// Runs every optimizer on `loss(params)` and writes one CSV column per optimizer.
// Final loss of each optimizer, by name.
using Results = std::vector<std::pair<std::string, double>>;

static Results race(const std::string& title, const std::string& path, int steps, double lr, double adaptive_lr,
                 const std::function<std::vector<xg::Tensor>()>& make_params,
                 const std::function<xg::Tensor(const std::vector<xg::Tensor>&)>& loss) {
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
    columns.push_back(curve);
    results.emplace_back(name, curve.back());
  }
  example::write_csv(path, header, columns);
  return results;
}

int main(int argc, char** argv) {
  int steps = 500;
  double lr = 0.02, adaptive_lr = 0.1;
  std::string out = "out/optimizer_zoo";
  CLI::App app{"The optimizer zoo on ravines and a small MLP"};
  app.add_option("--steps", steps, "steps per optimizer")->capture_default_str();
  app.add_option("--lr", lr, "learning rate of the SGD family")->capture_default_str();
  app.add_option("--adaptive-lr", adaptive_lr, "learning rate of Adam and AdamW")->capture_default_str();
  app.add_option("--out", out, "output folder")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  auto start = [](double a, double b) {
    return [a, b] { return std::vector<xg::Tensor>{xg::tensor({a, b}, xg::dtype(xg::kFloat64).requires_grad(true))}; };
  };
  Results ravine = race("ravine L = w0^2 + 4 w1^2 from (-4, 2)", out + "/ravine.csv", steps, lr, adaptive_lr, start(-4, 2),
       [](const std::vector<xg::Tensor>& p) { return (p[0] * p[0] * xg::tensor({1.0, 4.0}, xg::dtype(xg::kFloat64))).sum(); });
  race("Rosenbrock (1 - w0)^2 + 100 (w1 - w0^2)^2 from (-1.5, 2)", out + "/rosenbrock.csv", steps, lr / 20,
       adaptive_lr / 2, start(-1.5, 2), [](const std::vector<xg::Tensor>& p) {
         xg::Tensor a = p[0][0], b = p[0][1];
         return (1.0 - a).pow(2) + 100.0 * (b - a * a).pow(2);
       });
  // A small MLP fitting y = 0.3 x^3 - x; every optimizer starts from the same initial weights.
  xg::Tensor x = xg::linspace(-2, 2, 64).reshape({64, 1});
  xg::Tensor y = 0.3 * x.pow(3.0) - x;
  std::shared_ptr<xg::nn::Sequential> model;
  Results mlp = race("MLP 1-16-16-1 (tanh) on y = 0.3 x^3 - x", out + "/mlp.csv", steps, lr * 2, adaptive_lr / 10,
       [&] {
         xg::manual_seed(4);
         model = std::make_shared<xg::nn::Sequential>(xg::nn::Linear(1, 16), xg::nn::Tanh(), xg::nn::Linear(16, 16),
                                                      xg::nn::Tanh(), xg::nn::Linear(16, 1));
         return model->parameters();
       },
       [&](const std::vector<xg::Tensor>&) { return xg::nn::functional::mse_loss(model->forward(x), y); });

  // Momentum gets through the ravine faster than plain SGD; Adam fits the MLP better than plain SGD.
  bool momentum_wins = ravine[1].second < ravine[0].second && ravine[2].second < ravine[0].second;
  bool adam_wins = mlp[3].second < mlp[0].second && mlp[4].second < mlp[0].second;
  std::printf("ravine: momentum and Nesterov below plain SGD: %s; MLP: Adam and AdamW below plain SGD: %s\n",
              momentum_wins ? "yes" : "NO", adam_wins ? "yes" : "NO");
  std::string curves = "set xlabel 'step'; set ylabel 'loss'; set logscale y\nplot for [i=2:6] '%s' using 1:i with lines lw 2";
  auto script = [&](const char* file, const char* title) {
    char text[512];
    std::snprintf(text, sizeof text, curves.c_str(), file);
    return std::string("set title '") + title + "'\n" + text;
  };
  example::plot(out + "/zoo.png", "set multiplot layout 1,3\n" + script("ravine.csv", "ravine") + "\n" +
                                      script("rosenbrock.csv", "Rosenbrock") + "\n" + script("mlp.csv", "MLP") +
                                      "\nunset multiplot",
                "1500,520");
  return 0;
}
