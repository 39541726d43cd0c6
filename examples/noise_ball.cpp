// Single-example SGD with a constant learning rate keeps bouncing around the optimum in a "noise ball";
// a decaying schedule (lr_t = lr / (1 + t / t0), through LambdaLR) shrinks the ball and converges.
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <xgrad.hpp>

#include "support.hpp"

namespace xg = xgrad;

int main(int argc, char** argv) {
  double lr = 0.1, t0 = 100;
  int steps = 4000;
  std::string out = "out/noise_ball";
  CLI::App app{"Constant vs decaying learning rate for stochastic gradient descent"};
  app.add_option("--lr", lr, "initial learning rate")->capture_default_str();
  app.add_option("--decay-steps", t0, "t0 in lr / (1 + t / t0)")->capture_default_str();
  app.add_option("--steps", steps, "single-example steps")->capture_default_str();
  app.add_option("--out", out, "output folder")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  xg::manual_seed(2);
  const int64_t n = 100;
  xg::Tensor x = xg::randn({n}, xg::dtype(xg::kFloat64));
  xg::Tensor y = 2.0 * x + 1.0 + 0.5 * xg::randn({n}, xg::dtype(xg::kFloat64));
  // The least-squares optimum (not the true line w = 2, b = 1: the noise moves it), from LAPACK's gelsd on the
  // columns [x, 1]; every distance below is to it.
  xg::Tensor solution = std::get<0>(xg::linalg::lstsq(xg::stack({x, xg::ones({n}, xg::dtype(xg::kFloat64))}, 1), y));
  double w_star = solution[0].item(), b_star = solution[1].item();
  std::printf("optimum (linalg::lstsq): w* = %.4f  b* = %.4f\n", w_star, b_star);

  double tail_distance[2];
  const char* names[2] = {"constant", "decaying"};
  for (int run = 0; run < 2; ++run) {
    xg::Tensor w = xg::scalar_tensor(0.0, xg::dtype(xg::kFloat64).requires_grad(true));
    xg::Tensor b = xg::scalar_tensor(0.0, xg::dtype(xg::kFloat64).requires_grad(true));
    xg::optim::SGD optimizer({w, b}, xg::optim::SGDOptions(lr));
    xg::optim::LambdaLR schedule(optimizer, [run, t0](int64_t t) { return run == 0 ? 1.0 : 1.0 / (1.0 + t / t0); });
    std::mt19937_64 pick(11);
    std::vector<double> ws, bs, distance;
    double tail = 0;
    for (int t = 0; t < steps; ++t) {
      int64_t i = static_cast<int64_t>(pick() % n);
      optimizer.zero_grad();
      (w * x[i] + b - y[i]).pow(2).backward();
      optimizer.step();
      schedule.step();
      ws.push_back(w.item());
      bs.push_back(b.item());
      distance.push_back(std::hypot(w.item() - w_star, b.item() - b_star));
      if (t >= steps - steps / 10) tail += distance.back() / (steps / 10);
    }
    tail_distance[run] = tail;
    std::printf("%s lr: final distance %.4f, mean distance over the last 10%% of steps %.4f\n", names[run],
                distance.back(), tail);
    std::vector<double> step_column;
    for (int t = 1; t <= steps; ++t) step_column.push_back(t);
    example::write_csv(out + "/" + names[run] + ".csv", {"step", "w", "b", "distance"}, {step_column, ws, bs, distance});
  }
  std::printf("decaying schedule ends closer than the constant one: %s\n",
              tail_distance[1] < tail_distance[0] ? "yes" : "NO");
  example::plot(out + "/distance.png",
                "set xlabel 'step'; set ylabel 'distance to optimum'; set logscale y\n"
                "plot 'constant.csv' using 1:4 with lines title 'constant lr', 'decaying.csv' using 1:4 with lines title 'lr / (1 + t / t0)'");
  char optimum[128];
  std::snprintf(optimum, sizeof optimum, "set label 1 'optimum' at %f,%f point pt 3 ps 2\n", w_star, b_star);
  example::plot(out + "/trajectories.png",
                std::string(optimum) + "set xlabel 'w'; set ylabel 'b'\n"
                "plot 'constant.csv' using 2:3 with lines title 'constant lr', 'decaying.csv' using 2:3 with lines title 'lr / (1 + t / t0)'");
  return 0;
}
