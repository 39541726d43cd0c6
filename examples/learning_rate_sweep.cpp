// Gradient descent on L(w) = w^2 - 4w + 5 (minimum L = 1 at w = 2) from w = 0 with three learning rates:
// lr 0.3 converges quickly, lr 0.05 slowly, and lr 1.5 overshoots further every step and diverges.
// Why: on a quadratic, gradient descent converges exactly when lr < 2 / lambda_max, lambda_max being the largest
// eigenvalue of the Hessian. Here the Hessian is the 1x1 matrix [2], so the critical learning rate is 1.
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <xgrad.hpp>

#include "support.hpp"

namespace xg = xgrad;

struct Run {
  std::vector<double> w, loss;
  int steps_to_converge = -1;  // first step with |w - 2| < 0.01
};

static Run descend(double lr, int steps) {
  Run run;
  xg::Tensor w = xg::scalar_tensor(0.0, xg::dtype(xg::kFloat64).requires_grad(true));
  for (int step = 0; step <= steps; ++step) {
    xg::Tensor loss = w * w - 4.0 * w + 5.0;
    run.w.push_back(w.item());
    run.loss.push_back(loss.item());
    if (run.steps_to_converge < 0 && std::abs(w.item() - 2.0) < 0.01) run.steps_to_converge = step;
    if (step == steps) break;
    loss.backward();
    xg::NoGradGuard no_grad;
    w -= lr * w.grad();
    w.grad().zero_();
  }
  return run;
}

// The Hessian of L, built by hand: differentiate the gradient once more (create_graph), at any w since L is
// quadratic. Returns its eigenvalues, ascending (linalg::eigvalsh).
static xg::Tensor hessian_eigenvalues() {
  xg::Tensor w = xg::scalar_tensor(0.0, xg::dtype(xg::kFloat64).requires_grad(true));
  xg::Tensor loss = w * w - 4.0 * w + 5.0;
  xg::Tensor slope = xg::autograd::grad({loss}, {w}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
  xg::Tensor curvature = xg::autograd::grad({slope}, {w})[0];
  return xg::linalg::eigvalsh(curvature.reshape({1, 1}));
}

int main(int argc, char** argv) {
  int steps = 60;
  std::vector<double> rates = {0.3, 1.5, 0.05};
  std::string out = "out/learning_rate_sweep";
  CLI::App app{"Gradient descent on L(w) = w^2 - 4w + 5 with several learning rates"};
  app.add_option("--steps", steps, "steps per run")->capture_default_str();
  app.add_option("--lr", rates, "learning rates to compare")->capture_default_str();
  app.add_option("--out", out, "output folder")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  std::vector<Run> runs;
  for (double lr : rates) runs.push_back(descend(lr, steps));

  std::printf("step");
  for (double lr : rates) std::printf(" | lr %-5g  w          L         ", lr);
  std::printf("\n");
  for (int step = 0; step <= std::min(steps, 8); ++step) {
    std::printf("%4d", step);
    for (const Run& run : runs) std::printf(" | %10.4g %12.6g      ", run.w[step], run.loss[step]);
    std::printf("\n");
  }
  xg::Tensor eigenvalues = hessian_eigenvalues();
  const double lambda_max = eigenvalues[eigenvalues.size(0) - 1].item(), critical = 2.0 / lambda_max;
  std::printf("Hessian eigenvalues (linalg::eigvalsh): lambda_max = %g, critical learning rate 2 / lambda_max = %g\n",
              lambda_max, critical);
  for (size_t i = 0; i < rates.size(); ++i) {
    const Run& run = runs[i];
    bool diverged = !std::isfinite(run.w.back()) || std::abs(run.w.back() - 2.0) > std::abs(run.w.front() - 2.0);
    if (diverged)
      std::printf("lr %g: diverged (|w - 2| grew to %.3g after %d steps)", rates[i], std::abs(run.w.back() - 2.0), steps);
    else if (run.steps_to_converge >= 0)
      std::printf("lr %g: within 0.01 of the minimum after %d steps", rates[i], run.steps_to_converge);
    else
      std::printf("lr %g: not within 0.01 after %d steps (w = %.4f)", rates[i], steps, run.w.back());
    // |w_t - 2| scales by |1 - lr lambda| per step: below the critical rate it shrinks, above it grows.
    const bool predicted_divergence = rates[i] > critical;
    std::printf("; lr %s 2 / lambda_max predicts %s, as observed: %s\n", predicted_divergence ? ">" : "<",
                predicted_divergence ? "divergence" : "convergence", predicted_divergence == diverged ? "yes" : "NO");
  }

  std::vector<std::string> header = {"step"};
  std::vector<std::vector<double>> columns(1);
  for (int s = 0; s <= steps; ++s) columns[0].push_back(s);
  for (size_t i = 0; i < rates.size(); ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "w (lr %g)", rates[i]);
    header.push_back(name);
    columns.push_back(runs[i].w);
    std::snprintf(name, sizeof name, "L (lr %g)", rates[i]);
    header.push_back(name);
    columns.push_back(runs[i].loss);
  }
  example::write_csv(out + "/sweep.csv", header, columns);
  std::string lines_w, lines_l;
  for (size_t i = 0; i < rates.size(); ++i) {
    lines_w += (i ? ", " : "") + std::string("'sweep.csv' using 1:") + std::to_string(2 + 2 * i) + " with linespoints";
    lines_l += (i ? ", " : "") + std::string("'sweep.csv' using 1:") + std::to_string(3 + 2 * i) + " with linespoints";
  }
  example::plot(out + "/sweep.png",
                "set multiplot layout 1,2\nset xlabel 'step'; set ylabel 'w'; set yrange [-6:10]\nplot " + lines_w +
                    ", 2 title 'optimum' dt 2\nset ylabel 'L(w)'; set logscale y; set yrange [0.5:1e3]\nplot " + lines_l +
                    "\nunset multiplot");
  return 0;
}
