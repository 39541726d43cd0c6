// Anomaly detection, large inputs and threads.
#include <cmath>
#include <thread>

#include "helpers.hpp"

TEST_CASE("DetectAnomalyGuard names the op whose output or gradient is not finite") {
  xg::Tensor x = xg::tensor({-1.0, 2.0}, xg::requires_grad());
  CHECK_NOTHROW((void)x.log());  // off by default
  {
    xg::autograd::DetectAnomalyGuard guard;
    CHECK_THROWS_WITH_AS((void)x.log(), doctest::Contains("forward op Log"), std::runtime_error);
    xg::Tensor zero = xg::tensor({0.0, 1.0}, xg::requires_grad());
    xg::Tensor root = zero.sqrt();  // finite forward, infinite gradient at 0
    CHECK_THROWS_WITH_AS(root.sum().backward(), doctest::Contains("SqrtBackward"), std::runtime_error);
  }
  xg::Tensor zero = xg::tensor({0.0}, xg::requires_grad());
  zero.sqrt().sum().backward();
  CHECK(std::isinf(zero.grad().item()));
}

TEST_CASE("shapes whose element count overflows, and tensors too large to allocate, get clear errors") {
  CHECK_THROWS_WITH_AS(xg::zeros({1LL << 32, 1LL << 32}), doctest::Contains("too many elements"), std::length_error);
  CHECK_THROWS_WITH_AS(xg::empty({1LL << 45}), doctest::Contains("cannot allocate"), std::length_error);
}

namespace {
std::vector<float> train_once(uint64_t seed) {
  xg::manual_seed(seed);
  xg::Tensor x = xg::randn({64, 4}), y = xg::randn({64, 1});
  xg::nn::Sequential model(xg::nn::Linear(4, 16), xg::nn::Tanh(), xg::nn::Linear(16, 1));
  xg::optim::Adam optimizer(model->parameters(), xg::optim::AdamOptions(0.01));
  auto dataset = std::make_shared<xg::data::TensorDataset>(x, y);
  xg::data::DataLoader loader(dataset, xg::data::DataLoaderOptions().batch_size(8).shuffle(true));
  for (int epoch = 0; epoch < 20; ++epoch)
    for (auto& [bx, by] : loader) {
      optimizer.zero_grad();
      xg::nn::functional::mse_loss(model(bx), by).backward();
      optimizer.step();
    }
  std::vector<float> out;
  for (auto& p : model->parameters())
    for (float v : p.to_vector<float>()) out.push_back(v);
  return out;
}
}  // namespace

TEST_CASE("two threads training separate models match running them one after the other") {
  std::vector<float> first = train_once(1), second = train_once(2);
  std::vector<float> parallel_first, parallel_second;
  std::thread a([&] { parallel_first = train_once(1); });
  std::thread b([&] {
    xg::NoGradGuard no_grad_here;  // grad mode is per thread: this must not leak into thread a
    xg::EnableGradGuard enable;
    parallel_second = train_once(2);
  });
  a.join();
  b.join();
  CHECK(parallel_first == first);
  CHECK(parallel_second == second);
  CHECK(xg::GradMode::is_enabled());
}

TEST_CASE("grad mode is per thread") {
  xg::NoGradGuard guard;
  bool other = false;
  std::thread([&] { other = xg::GradMode::is_enabled(); }).join();
  CHECK(other);
  CHECK_FALSE(xg::GradMode::is_enabled());
}

TEST_CASE("training a small MLP for many steps keeps memory steady (run under the sanitizers in CI)") {
  xg::manual_seed(3);
  xg::Tensor x = xg::randn({32, 3}), y = xg::randn({32, 1});
  xg::nn::Sequential model(xg::nn::Linear(3, 32), xg::nn::ReLU(), xg::nn::Linear(32, 1));
  xg::optim::AdamW optimizer(model->parameters(), xg::optim::AdamWOptions(0.01));
  double first = 0, last = 0;
  for (int step = 0; step < 2000; ++step) {
    optimizer.zero_grad();
    xg::Tensor loss = xg::nn::functional::mse_loss(model(x), y);
    loss.backward();
    xg::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
    optimizer.step();
    if (step == 0) first = loss.item();
    last = loss.item();
  }
  CHECK(last < first);
}
