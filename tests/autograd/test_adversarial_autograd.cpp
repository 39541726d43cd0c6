// Misuse of the core, tried systematically: shared tensors across threads, empty and 0-d tensors through
// every op, assigned gradients that do not fit, out-of-range numbers and shapes, reference cycles.
// Expected values for zero-size inputs are PyTorch 1.13's (python3-torch), quoted beside each check.
#include <cmath>
#include <limits>
#include <sstream>
#include <thread>

#include "helpers.hpp"

// ---------------------------------------------------------------- threads (also run under TSan: "thread" in the name)

TEST_CASE("thread: forward passes of one model on two threads, with grad mode on and no backward") {
  xg::nn::Linear model(4, 1);
  auto work = [&] {
    for (int i = 0; i < 2000; ++i) {
      xg::Tensor y = model(xg::ones({2, 4}));
      REQUIRE(y.requires_grad());
    }
  };
  std::thread a(work), b(work);
  a.join();
  b.join();
  xg::NoGradGuard no_grad;  // inference on shared parameters as well
  float expected = model(xg::ones({1, 4})).item<float>();
  auto infer = [&] {
    for (int i = 0; i < 2000; ++i) REQUIRE(model(xg::ones({1, 4})).item<float>() == expected);
  };
  std::thread c(infer), d(infer);
  c.join();
  d.join();
}

TEST_CASE("thread: autograd::grad against a shared leaf on two threads") {
  xg::Tensor w = xg::tensor({1.0, 2.0, 3.0}, f64());
  auto work = [&](double scale) {
    for (int i = 0; i < 2000; ++i) {
      xg::Tensor y = (w * w * scale).sum();
      std::vector<xg::Tensor> g = xg::autograd::grad({y}, {w});
      REQUIRE(g[0].to_vector<double>() == std::vector<double>{2 * scale, 4 * scale, 6 * scale});
    }
  };
  std::thread a(work, 1.0), b(work, 3.0);
  a.join();
  b.join();
  CHECK_FALSE(w.grad().defined());  // autograd::grad never touches .grad
}

TEST_CASE("thread: graphs built on one thread and freed on another") {
  xg::Tensor w = xg::ones({8}, xg::requires_grad());
  std::vector<xg::Tensor> made(200);
  std::thread producer([&] {
    for (auto& t : made) t = (w * 2.0).exp().sum();
  });
  producer.join();
  std::thread consumer([&] {
    for (auto& t : made) t = xg::Tensor();
  });
  consumer.join();
  (w * 3.0).sum().backward();
  check_values(w.grad(), std::vector<double>(8, 3.0));
}
