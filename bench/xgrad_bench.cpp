// xgrad's side of the benchmark table (see workloads.md). Prints `id|value|unit|note` lines.
// Single-threaded unless a row says otherwise (OpenBLAS threads pinned through openblas_set_num_threads).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <vector>

#include "harness.hpp"
#include <xgrad.hpp>

extern "C" void openblas_set_num_threads(int);
extern "C" void cblas_sgemm(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);

namespace xg = xgrad;

static double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

// Raw OpenBLAS sgemm throughput for an m x k by k x n product, as the W5 reference: the best of several
// timed runs, so a noisy neighbour cannot lower the bar W5 is measured against.
static double sgemm_gflops(int m, int n, int k, bool transpose_b = false) {
  std::vector<float> a(size_t(m) * k, 0.5f), b(size_t(k) * n, 0.25f), c(size_t(m) * n);
  double best = 1e30;
  for (int run = 0; run < 3; ++run) {
    auto start = Clock::now();
    cblas_sgemm(101, 111, transpose_b ? 112 : 111, m, n, k, 1.0f, a.data(), k, b.data(), transpose_b ? k : n, 0.0f,
                c.data(), n);
    best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
  }
  return 2.0 * m * n * k / best / 1e9;
}

int main() {
  openblas_set_num_threads(1);
  xg::manual_seed(0);

  {  // W1
    xg::Tensor x = xg::rand({100}) * 2.0 - 1.0;
    xg::Tensor y = 2.0 * x + 1.0 + 0.1 * xg::randn({100});
    xg::Tensor w = xg::scalar_tensor(0.0, xg::requires_grad()), b = xg::scalar_tensor(0.0, xg::requires_grad());
    Timing timing = time_runs(9, 20000, [&] {
      xg::Tensor loss = (w * x + b - y).pow(2).mean();
      loss.backward();
      xg::NoGradGuard no_grad;
      w -= 0.1 * w.grad();
      b -= 0.1 * b.grad();
      w.grad().zero_();
      b.grad().zero_();
    });
    row("W1", timing.median * 1e6, "us/step", best_note(timing.best, 1e6, "us"));
  }
  {  // W2
    xg::Tensor x = (xg::rand({100}) * 2.0 - 1.0).reshape({100, 1});
    xg::Tensor y = 2.0 * x + 1.0;
    xg::nn::Linear model(1, 1);
    xg::nn::MSELoss loss_fn;
    xg::optim::SGD optimizer(model->parameters(), xg::optim::SGDOptions(0.1));
    Timing timing = time_runs(9, 20000, [&] {
      optimizer.zero_grad();
      loss_fn(model(x), y).backward();
      optimizer.step();
    });
    row("W2", timing.median * 1e6, "us/step", best_note(timing.best, 1e6, "us"));
  }
  xg::Tensor x = xg::randn({1000, 5});
  xg::Tensor y = xg::matmul(x, xg::tensor({2, -1, 0.5, 3, -2}, {5, 1})) + 0.7;
  auto dataset = std::make_shared<xg::data::TensorDataset>(x, y);
  xg::data::DataLoader loader(dataset, xg::data::DataLoaderOptions().batch_size(32).shuffle(true).seed(1));
  auto epochs_per_step = [&](auto& model, xg::optim::Optimizer& optimizer, int epochs) {  // a module holder
    xg::nn::MSELoss loss_fn;
    size_t steps = 0;
    auto start = Clock::now();
    for (int e = 0; e < epochs; ++e)
      for (auto& [batch_x, batch_y] : loader) {
        optimizer.zero_grad();
        loss_fn(model(batch_x), batch_y).backward();
        optimizer.step();
        ++steps;
      }
    return std::chrono::duration<double>(Clock::now() - start).count() / steps;
  };
  {  // W3
    xg::nn::Linear model(5, 1);
    xg::optim::SGD optimizer(model->parameters(), xg::optim::SGDOptions(0.05));
    std::vector<double> runs;
    for (int r = 0; r < 7; ++r) runs.push_back(epochs_per_step(model, optimizer, 20));
    std::sort(runs.begin(), runs.end());
    row("W3", runs[3] * 1e6, "us/step", best_note(runs[0], 1e6, "us"));
  }
  {  // W4 with Adam; the note: the same training step with RMSprop and Adagrad, and optimizer.step() alone
    auto mlp = [] {
      return xg::nn::Sequential(xg::nn::Linear(5, 64), xg::nn::Tanh(), xg::nn::Linear(64, 64), xg::nn::Tanh(),
                                xg::nn::Linear(64, 1));
    };
    xg::nn::Sequential adam_model = mlp(), rmsprop_model = mlp(), adagrad_model = mlp();
    xg::optim::Adam adam(adam_model->parameters(), xg::optim::AdamOptions(1e-3));
    xg::optim::RMSprop rmsprop(rmsprop_model->parameters(), xg::optim::RMSpropOptions(1e-3));
    xg::optim::Adagrad adagrad(adagrad_model->parameters(), xg::optim::AdagradOptions(1e-2));
    std::vector<std::pair<xg::nn::Sequential*, xg::optim::Optimizer*>> runs_of = {
        {&adam_model, &adam}, {&rmsprop_model, &rmsprop}, {&adagrad_model, &adagrad}};
    std::vector<double> w4;  // the row itself: Adam alone, as W4 has always been measured
    for (int r = 0; r < 5; ++r) w4.push_back(epochs_per_step(adam_model, adam, 20));
    std::sort(w4.begin(), w4.end());
    std::vector<double> runs[3], alone[3];
    for (int r = 0; r < 5; ++r)  // interleaved, so a noisy neighbour affects all three alike
      for (size_t k = 0; k < 3; ++k) {
        runs[k].push_back(epochs_per_step(*runs_of[k].first, *runs_of[k].second, 20));
        alone[k].push_back(median_seconds(1, 20000, [&] { runs_of[k].second->step(); }));
      }
    for (size_t k = 0; k < 3; ++k) {
      std::sort(runs[k].begin(), runs[k].end());
      std::sort(alone[k].begin(), alone[k].end());
    }
    char note[256];
    std::snprintf(note, sizeof note,
                  "best run %.3g us; interleaved rounds: Adam %.3g, RMSprop %.3g, Adagrad %.3g us/step; "
                  "optimizer.step() alone: Adam %.3g, RMSprop %.3g, Adagrad %.3g us",
                  w4[0] * 1e6, runs[0][2] * 1e6, runs[1][2] * 1e6, runs[2][2] * 1e6, alone[0][2] * 1e6, alone[1][2] * 1e6,
                  alone[2][2] * 1e6);
    row("W4", w4[2] * 1e6, "us/step", note);
  }
  {  // W5, one thread then two
    const int batch = 256;
    xg::Tensor input = xg::randn({batch, 512}), target = xg::randn({batch, 1});
    xg::nn::Sequential model(xg::nn::Linear(512, 1024), xg::nn::ReLU(), xg::nn::Linear(1024, 1024), xg::nn::ReLU(),
                             xg::nn::Linear(1024, 1));
    xg::optim::AdamW optimizer(model->parameters(), xg::optim::AdamWOptions(1e-4));
    xg::nn::MSELoss loss_fn;
    // Forward GEMMs, then dW for all three layers and dX for the two upper ones.
    const double forward = 2.0 * batch * (512.0 * 1024 + 1024.0 * 1024 + 1024.0);
    const double flops = forward + forward + 2.0 * batch * (1024.0 * 1024 + 1024.0);
    for (int threads : {1, 2}) {
      openblas_set_num_threads(threads);
      auto step = [&] {
        optimizer.zero_grad();
        loss_fn(model(input), target).backward();
        optimizer.step();
      };
      step();  // warm up buffers and optimizer state
      // Interleave the raw-sgemm reference with the training steps, so a noisy neighbour affects both alike.
      std::vector<double> step_seconds, fractions, peaks;
      for (int round = 0; round < 9; ++round) {
        double peak = sgemm_gflops(batch, 1024, 1024);
        auto start = Clock::now();
        step();
        double seconds = std::chrono::duration<double>(Clock::now() - start).count();
        step_seconds.push_back(seconds);
        peaks.push_back(peak);
        fractions.push_back(flops / seconds / 1e9 / peak);
      }
      std::sort(step_seconds.begin(), step_seconds.end());
      std::sort(fractions.begin(), fractions.end());
      std::sort(peaks.begin(), peaks.end());
      double seconds = step_seconds[4];
      char note[200];
      std::snprintf(note, sizeof note, "%.1f GFLOP/s = %.0f%% of raw sgemm (%.1f GFLOP/s, same shapes, interleaved); peak RSS %.0f MB",
                    flops / seconds / 1e9, 100 * fractions[4], peaks[4], peak_rss_mb());
      row(threads == 1 ? "W5" : "W5x2", seconds * 1e3, "ms/step", note);
    }
    openblas_set_num_threads(1);
  }
  {  // W6
    const int chain = 10000;
    Timing timing = time_runs(9, 5, [&] {
      xg::Tensor start = xg::scalar_tensor(1.0, xg::requires_grad());
      xg::Tensor value = start;
      for (int i = 0; i < chain; ++i) value = value * 1.0001 + 0.0001;
      value.backward();
    });
    char note[128];
    std::snprintf(note, sizeof note, "%.3f us per primitive op (mul or add); best run %.3f us per op",
                  timing.median / (2 * chain) * 1e6, timing.best / (2 * chain) * 1e6);
    row("W6", timing.median / chain * 1e6, "us/iteration", note);
  }
  {  // W7: a product with a transposed view, forward only, against the same product with a copied operand
    xg::Tensor x = xg::randn({256, 512}), w = xg::randn({1024, 512});
    xg::NoGradGuard no_grad;
    Timing view = time_runs(9, 20, [&] { (void)x.matmul(w.t()); });
    Timing copied = time_runs(9, 20, [&] { (void)x.matmul(w.t().contiguous()); });
    double gflops = 2.0 * 256 * 1024 * 512 / view.median / 1e9, raw = sgemm_gflops(256, 1024, 512, true);
    char note[192];
    std::snprintf(note, sizeof note,
                  "%.1f GFLOP/s = %.0f%% of raw sgemm with B transposed (%.1f GFLOP/s); copying w.t() first: %.3f ms",
                  gflops, 100 * gflops / raw, raw, copied.median * 1e3);
    row("W7", view.median * 1e3, "ms/product", note);
  }
  return 0;
}
