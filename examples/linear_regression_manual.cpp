// Fit y = 2x + 1 from 100 noisy points by plain gradient descent on two scalar tensors.
// This is the program `make run` runs: autograd computes dL/dw and dL/db, we update by hand.
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <xgrad.hpp>

#include "support.hpp"

namespace xg = xgrad;

int main(int argc, char** argv) {
  double lr = 0.5;
  int steps = 200;
  std::string out = "out/linear_regression_manual";
  CLI::App app{"Linear regression by manual gradient descent on scalar tensors w and b"};
  app.add_option("--lr", lr, "learning rate")->capture_default_str();
  app.add_option("--steps", steps, "gradient steps")->capture_default_str();
  app.add_option("--out", out, "output folder for the loss curve")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  xg::manual_seed(0);
  xg::Tensor x = xg::rand({100}) * 2.0 - 1.0;            // x in [-1, 1)
  xg::Tensor y = 2.0 * x + 1.0 + 0.1 * xg::randn({100});  // noisy line

  xg::Tensor w = xg::scalar_tensor(0.0, xg::requires_grad());
  xg::Tensor b = xg::scalar_tensor(0.0, xg::requires_grad());
  std::vector<double> step_column, loss_column;
  for (int step = 1; step <= steps; ++step) {
    xg::Tensor loss = (w * x + b - y).pow(2).mean();
    loss.backward();
    {
      xg::NoGradGuard no_grad;  // parameter updates are not part of the graph
      w -= lr * w.grad();
      b -= lr * b.grad();
    }
    w.grad().zero_();
    b.grad().zero_();
    step_column.push_back(step);
    loss_column.push_back(loss.item());
    if (step == 1 || step % 50 == 0) std::printf("step %4d  loss %.6f\n", step, loss.item());
  }
  std::printf("w = %.4f  b = %.4f   (true: w = 2, b = 1)\n", w.item(), b.item());
  // The exact minimizer of this loss, which gradient descent approaches: least squares on the columns [x, 1].
  xg::Tensor solution = std::get<0>(xg::linalg::lstsq(xg::stack({x, xg::ones({100})}, 1), y));
  double w_star = solution[0].item(), b_star = solution[1].item();
  double distance = std::hypot(w.item() - w_star, b.item() - b_star);
  std::printf("least squares (linalg::lstsq): w = %.4f  b = %.4f; gradient descent ends %.1e from it, within 1e-3: %s\n",
              w_star, b_star, distance, distance < 1e-3 ? "yes" : "NO");
  example::write_csv(out + "/loss.csv", {"step", "loss"}, {step_column, loss_column});
  example::plot(out + "/loss.png", "set xlabel 'step'; set ylabel 'MSE'; set logscale y\nplot 'loss.csv' using 1:2 with lines lw 2");
  return 0;
}
