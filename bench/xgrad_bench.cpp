// Prints per-step timings of xgrad's workloads (see README "Speed"). Single-threaded unless noted.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <vector>
#include <xgrad.hpp>

namespace xg = xgrad;
using Clock = std::chrono::steady_clock;

// Median over `repeats` runs of the time per iteration of `body` (called `iterations` times per run).
static double median_seconds(int repeats, int iterations, const std::function<void()>& body) {
  std::vector<double> runs;
  for (int r = 0; r < repeats; ++r) {
    auto start = Clock::now();
    for (int i = 0; i < iterations; ++i) body();
    runs.push_back(std::chrono::duration<double>(Clock::now() - start).count() / iterations);
  }
  std::sort(runs.begin(), runs.end());
  return runs[runs.size() / 2];
}

int main() {
  // W1: the seed manual gradient-descent step.
  xg::manual_seed(0);
  xg::Tensor x = xg::rand({100}) * 2.0 - 1.0;
  xg::Tensor y = 2.0 * x + 1.0 + 0.1 * xg::randn({100});
  xg::Tensor w = xg::scalar_tensor(0.0, xg::requires_grad());
  xg::Tensor b = xg::scalar_tensor(0.0, xg::requires_grad());
  double w1 = median_seconds(7, 20000, [&] {
    xg::Tensor loss = (w * x + b - y).pow(2).mean();
    loss.backward();
    xg::NoGradGuard no_grad;
    w -= 0.1 * w.grad();
    b -= 0.1 * b.grad();
    w.grad().zero_();
    b.grad().zero_();
  });
  std::printf("W1 seed manual GD step            %8.3f us/step\n", w1 * 1e6);

  // W6: a chain of 10,000 `y = y * c + d` on one element, forward + backward.
  const int chain = 10000;
  double w6 = median_seconds(7, 5, [&] {
    xg::Tensor start = xg::scalar_tensor(1.0, xg::requires_grad());
    xg::Tensor value = start;
    for (int i = 0; i < chain; ++i) value = value * 1.0001 + 0.0001;
    value.backward();
  });
  std::printf("W6 chain y = y*c + d              %8.3f us/iteration (%.3f us per op)\n", w6 / chain * 1e6,
              w6 / (2 * chain) * 1e6);
  return 0;
}
