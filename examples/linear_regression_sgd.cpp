// The same line fit with the standard PyTorch-style loop: nn::Linear(1, 1), MSELoss and optim::SGD.
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <xgrad.hpp>

namespace xg = xgrad;

int main(int argc, char** argv) {
  double lr = 0.5;
  int steps = 200;
  CLI::App app{"Linear regression with nn::Linear, MSELoss and SGD"};
  app.add_option("--lr", lr, "learning rate")->capture_default_str();
  app.add_option("--steps", steps, "gradient steps")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  xg::manual_seed(0);
  xg::Tensor x = (xg::rand({100}) * 2.0 - 1.0).reshape({100, 1});
  xg::Tensor y = 2.0 * x + 1.0 + 0.1 * xg::randn({100, 1});

  xg::nn::Linear model(1, 1);
  xg::nn::MSELoss loss_fn;
  xg::optim::SGD optimizer(model->parameters(), xg::optim::SGDOptions(lr));
  for (int step = 1; step <= steps; ++step) {
    optimizer.zero_grad();
    xg::Tensor loss = loss_fn(model(x), y);
    loss.backward();
    optimizer.step();
    if (step == 1 || step % 50 == 0) std::printf("step %4d  loss %.6f\n", step, loss.item());
  }
  std::printf("w = %.4f  b = %.4f   (true: w = 2, b = 1)\n", model->weight.item(), model->bias.item());
  // The exact minimizer of the MSE: least squares on the columns [x, 1].
  xg::Tensor solution = std::get<0>(xg::linalg::lstsq(xg::cat({x, xg::ones({100, 1})}, 1), y));
  double w_star = solution[0].item(), b_star = solution[1].item();
  double distance = std::hypot(model->weight.item() - w_star, model->bias.item() - b_star);
  std::printf("least squares (linalg::lstsq): w = %.4f  b = %.4f; SGD ends %.1e from it, within 1e-3: %s\n", w_star,
              b_star, distance, distance < 1e-3 ? "yes" : "NO");
  return 0;
}
