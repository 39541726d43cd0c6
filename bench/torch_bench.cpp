// LibTorch's side of the benchmark table: the same workloads as xgrad_bench.cpp, written the way a
// LibTorch user would. Built only with -DXGRAD_BENCH_TORCH=ON (`make bench-compare`).
#include <torch/torch.h>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <vector>

#include "harness.hpp"


int main() {
  torch::set_num_threads(1);
  torch::manual_seed(0);
  {  // W1
    auto x = torch::rand({100}) * 2 - 1;
    auto y = 2 * x + 1 + 0.1 * torch::randn({100});
    auto w = torch::zeros({}, torch::requires_grad()), b = torch::zeros({}, torch::requires_grad());
    double seconds = median_seconds(7, 2000, [&] {
      auto loss = (w * x + b - y).pow(2).mean();
      loss.backward();
      torch::NoGradGuard no_grad;
      w -= 0.1 * w.grad();
      b -= 0.1 * b.grad();
      w.grad().zero_();
      b.grad().zero_();
    });
    row("W1", seconds * 1e6, "us/step");
  }
  {  // W2
    auto x = (torch::rand({100}) * 2 - 1).reshape({100, 1});
    auto y = 2 * x + 1;
    torch::nn::Linear model(1, 1);
    torch::nn::MSELoss loss_fn;
    torch::optim::SGD optimizer(model->parameters(), torch::optim::SGDOptions(0.1));
    double seconds = median_seconds(7, 2000, [&] {
      optimizer.zero_grad();
      loss_fn(model(x), y).backward();
      optimizer.step();
    });
    row("W2", seconds * 1e6, "us/step");
  }
  auto x = torch::randn({1000, 5});
  auto y = torch::matmul(x, torch::tensor({2.0f, -1.0f, 0.5f, 3.0f, -2.0f}).reshape({5, 1})) + 0.7;
  auto per_step = [&](torch::nn::Module& model, torch::optim::Optimizer& optimizer, int epochs,
                      const std::function<torch::Tensor(const torch::Tensor&)>& forward) {
    torch::nn::MSELoss loss_fn;
    size_t steps = 0;
    auto start = Clock::now();
    for (int e = 0; e < epochs; ++e) {
      auto order = torch::randperm(1000, torch::kLong);
      for (int64_t i = 0; i < 1000; i += 32) {
        auto index = order.slice(0, i, std::min<int64_t>(i + 32, 1000));
        auto batch_x = x.index_select(0, index), batch_y = y.index_select(0, index);
        optimizer.zero_grad();
        loss_fn(forward(batch_x), batch_y).backward();
        optimizer.step();
        ++steps;
      }
    }
    (void)model;
    return std::chrono::duration<double>(Clock::now() - start).count() / steps;
  };
  {  // W3
    torch::nn::Linear model(5, 1);
    torch::optim::SGD optimizer(model->parameters(), torch::optim::SGDOptions(0.05));
    std::vector<double> runs;
    for (int r = 0; r < 5; ++r) runs.push_back(per_step(*model, optimizer, 20, [&](const torch::Tensor& t) { return model(t); }));
    std::sort(runs.begin(), runs.end());
    row("W3", runs[2] * 1e6, "us/step");
  }
  {  // W4
    torch::nn::Sequential model(torch::nn::Linear(5, 64), torch::nn::Tanh(), torch::nn::Linear(64, 64), torch::nn::Tanh(),
                                torch::nn::Linear(64, 1));
    torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(1e-3));
    std::vector<double> runs;
    for (int r = 0; r < 3; ++r) runs.push_back(per_step(*model, optimizer, 20, [&](const torch::Tensor& t) { return model->forward(t); }));
    std::sort(runs.begin(), runs.end());
    row("W4", runs[1] * 1e6, "us/step");
  }
  {  // W5
    const int batch = 256;
    auto input = torch::randn({batch, 512}), target = torch::randn({batch, 1});
    torch::nn::Sequential model(torch::nn::Linear(512, 1024), torch::nn::ReLU(), torch::nn::Linear(1024, 1024),
                                torch::nn::ReLU(), torch::nn::Linear(1024, 1));
    torch::optim::AdamW optimizer(model->parameters(), torch::optim::AdamWOptions(1e-4));
    torch::nn::MSELoss loss_fn;
    const double forward = 2.0 * batch * (512.0 * 1024 + 1024.0 * 1024 + 1024.0);
    const double flops = forward + forward + 2.0 * batch * (1024.0 * 1024 + 1024.0);
    for (int threads : {1, 2}) {
      torch::set_num_threads(threads);
      double seconds = median_seconds(5, 4, [&] {
        optimizer.zero_grad();
        loss_fn(model->forward(input), target).backward();
        optimizer.step();
      });
      rusage usage{};
      getrusage(RUSAGE_SELF, &usage);
      char note[128];
      std::snprintf(note, sizeof note, "%.1f GFLOP/s; peak RSS %.0f MB", flops / seconds / 1e9, usage.ru_maxrss / 1024.0);
      row(threads == 1 ? "W5" : "W5x2", seconds * 1e3, "ms/step", note);
    }
    torch::set_num_threads(1);
  }
  {  // W6
    const int chain = 10000;
    double seconds = median_seconds(5, 1, [&] {
      auto value = torch::ones({}, torch::requires_grad());
      auto start = value;
      for (int i = 0; i < chain; ++i) value = value * 1.0001 + 0.0001;
      value.backward();
    });
    row("W6", seconds / chain * 1e6, "us/iteration");
  }
  return 0;
}
