// Optimizers against PyTorch's trajectories, schedulers, clipping, state and checkpoints.
#include <cmath>
#include <cstdio>
#include <memory>

#include "helpers.hpp"

namespace optim = xg::optim;
namespace nn = xg::nn;

namespace {
// One parameter p0 = 1; feeds the gradients in order; returns p after each step.
template <class Optimizer, class Options>
std::vector<double> trajectory(Options options, const std::vector<double>& grads, xg::Dtype dtype = xg::kFloat64) {
  xg::Tensor p = xg::tensor({1.0}, xg::dtype(dtype).requires_grad(true));
  Optimizer optimizer({p}, options);
  std::vector<double> out;
  for (double g : grads) {
    p.mutable_grad() = xg::tensor({g}, xg::dtype(dtype));
    optimizer.step();
    out.push_back(p.item());
  }
  return out;
}

void check_sequence(const std::vector<double>& got, const std::vector<double>& expected, double tolerance = 1e-9) {
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    CHECK(got[i] == doctest::Approx(expected[i]).epsilon(tolerance));
  }
}

const std::vector<double> kGrads = {0.5, -0.25, 0.125};
}  // namespace

TEST_CASE("SGD trajectories match PyTorch (golden values from torch.optim.SGD)") {
  check_sequence(trajectory<optim::SGD>(optim::SGDOptions(0.1), kGrads), {0.95, 0.975, 0.9625});
  check_sequence(trajectory<optim::SGD>(optim::SGDOptions(0.1).momentum(0.9), kGrads), {0.95, 0.93, 0.8995});
  check_sequence(trajectory<optim::SGD>(optim::SGDOptions(0.1).momentum(0.9).nesterov(true), kGrads),
                 {0.905, 0.912, 0.87205});
  // Dampening applies from the second step on: buf = g1; buf = 0.9 buf + 0.5 g.
  check_sequence(trajectory<optim::SGD>(optim::SGDOptions(0.1).momentum(0.9).dampening(0.5), kGrads),
                 {0.95, 0.9175, 0.882});
  // Weight decay adds wd * p before momentum: g1 = 0.5 + 0.1 = 0.6 -> p = 0.94.
  check_sequence(trajectory<optim::SGD>(optim::SGDOptions(0.1).weight_decay(0.1), kGrads), {0.94, 0.9556, 0.933544});
  check_sequence(trajectory<optim::SGD>(optim::SGDOptions(0.1).maximize(true), kGrads), {1.05, 1.025, 1.0375});
  // float32 parameters follow the same path to float precision.
  check_sequence(trajectory<optim::SGD>(optim::SGDOptions(0.1).momentum(0.9), kGrads, xg::kFloat32),
                 {0.95, 0.93, 0.8995}, 1e-6);
}

TEST_CASE("Adam and AdamW trajectories match PyTorch") {
  check_sequence(trajectory<optim::Adam>(optim::AdamOptions(0.1), kGrads), {0.900000002, 0.8733662987, 0.8393233849});
  check_sequence(trajectory<optim::AdamW>(optim::AdamWOptions(0.1).weight_decay(0.1), kGrads),
                 {0.890000002, 0.8544662987, 0.8118787219});
  check_sequence(trajectory<optim::Adam>(optim::AdamOptions(0.1), kGrads, xg::kFloat32),
                 {0.900000002, 0.8733662987, 0.8393233849}, 1e-6);
}

TEST_CASE("Adam options: coupled weight decay, maximize, AMSGrad on a discriminating sequence") {
  // Computed from torch/optim/adam.py's formulas in double precision (see tests/optim/reference.py).
  auto reference = [](std::vector<double> grads, double lr, double wd, bool amsgrad, bool maximize, bool decoupled) {
    double p = 1, m = 0, v = 0, v_max = 0;
    std::vector<double> out;
    for (size_t t = 1; t <= grads.size(); ++t) {
      double g = maximize ? -grads[t - 1] : grads[t - 1];
      if (decoupled) p *= 1 - lr * wd;
      else g += wd * p;
      m = m + 0.1 * (g - m);
      v = v * 0.999 + 0.001 * g * g;
      v_max = std::max(v_max, v);
      double denominator = std::sqrt(amsgrad ? v_max : v) / std::sqrt(1 - std::pow(0.999, t)) + 1e-8;
      p += -(lr / (1 - std::pow(0.9, t))) * m / denominator;
      out.push_back(p);
    }
    return out;
  };
  // A large gradient then small ones: v decays, so AMSGrad's max differs from v.
  std::vector<double> grads = {1.0, 0.01, 0.01, 0.01, 0.01};
  auto amsgrad = trajectory<optim::Adam>(optim::AdamOptions(0.1).amsgrad(true), grads);
  auto plain = trajectory<optim::Adam>(optim::AdamOptions(0.1), grads);
  check_sequence(amsgrad, reference(grads, 0.1, 0, true, false, false));
  check_sequence(plain, reference(grads, 0.1, 0, false, false, false));
  CHECK(std::abs(amsgrad.back() - plain.back()) > 1e-4);
  check_sequence(trajectory<optim::Adam>(optim::AdamOptions(0.05).weight_decay(0.5), kGrads),
                 reference(kGrads, 0.05, 0.5, false, false, false));
  check_sequence(trajectory<optim::Adam>(optim::AdamOptions(0.05).maximize(true), kGrads),
                 reference(kGrads, 0.05, 0, false, true, false));
  check_sequence(trajectory<optim::AdamW>(optim::AdamWOptions(0.05).amsgrad(true), grads),
                 reference(grads, 0.05, 0.01, true, false, true));
  // Many steps stay on the reference path.
  std::vector<double> long_run;
  for (int i = 0; i < 200; ++i) long_run.push_back(std::sin(0.3 * i) + 0.2);
  check_sequence(trajectory<optim::AdamW>(optim::AdamWOptions(0.01), long_run),
                 reference(long_run, 0.01, 0.01, false, false, true), 1e-9);
}

TEST_CASE("invalid options are rejected") {
  xg::Tensor p = xg::ones({1}, xg::requires_grad());
  CHECK_THROWS_AS(optim::SGD({p}, optim::SGDOptions(-0.1)), std::invalid_argument);
  CHECK_THROWS_AS(optim::SGD({p}, optim::SGDOptions(0.1).nesterov(true)), std::invalid_argument);
  CHECK_THROWS_AS(optim::SGD({p}, optim::SGDOptions(0.1).momentum(0.9).dampening(0.1).nesterov(true)), std::invalid_argument);
  CHECK_THROWS_AS(optim::Adam({p}, optim::AdamOptions(0.1).betas({1.0, 0.999})), std::invalid_argument);
  CHECK_THROWS_AS(optim::AdamW({p}, optim::AdamWOptions(0.1).eps(-1)), std::invalid_argument);
  CHECK_THROWS_AS(optim::SGD({p * 2.0}, optim::SGDOptions(0.1)), std::invalid_argument);  // not a leaf
}

TEST_CASE("step skips parameters without gradients, and zero_grad sets to none or zeroes") {
  xg::Tensor a = xg::ones({2}, xg::requires_grad()), b = xg::ones({2}, xg::requires_grad());
  optim::SGD sgd({a, b}, optim::SGDOptions(0.5));
  (a * 2.0).sum().backward();
  sgd.step();
  check_values(a, {0, 0});
  check_values(b, {1, 1});
  sgd.zero_grad(false);
  check_values(a.grad(), {0, 0});
  sgd.zero_grad();
  CHECK_FALSE(a.grad().defined());
  std::unique_ptr<optim::Optimizer> any = std::make_unique<optim::Adam>(std::vector<xg::Tensor>{a}, optim::AdamOptions());
  any->step();  // no gradient: nothing happens
  check_values(a, {0, 0});
}

TEST_CASE("param groups keep their own learning rates, and set_lr changes all") {
  xg::Tensor a = xg::ones({1}, xg::requires_grad()), b = xg::ones({1}, xg::requires_grad());
  optim::SGD sgd({a}, optim::SGDOptions(0.1));
  sgd.add_param_group({b}, optim::SGDOptions(0.01));
  CHECK(sgd.param_groups().size() == 2);
  (a + b).sum().backward();
  sgd.step();
  check_values(a, {0.9});
  check_values(b, {0.99});
  sgd.set_lr(1.0);
  CHECK(static_cast<optim::SGDOptions&>(sgd.param_groups()[1].options()).lr() == 1.0);
  CHECK(sgd.param_groups()[1].options().get_lr() == 1.0);
  CHECK(sgd.lr() == 1.0);
}

TEST_CASE("schedulers follow PyTorch's epoch counting over many epochs") {
  xg::Tensor p = xg::ones({1}, xg::requires_grad());
  auto run = [&](auto make, int epochs) {
    optim::SGD sgd({p}, optim::SGDOptions(1.0));
    auto scheduler = make(sgd);
    std::vector<double> lrs = {scheduler.get_last_lr()[0]};
    for (int e = 0; e < epochs; ++e) {
      sgd.step();
      scheduler.step();
      lrs.push_back(scheduler.get_last_lr()[0]);
      CHECK(sgd.lr() == lrs.back());
    }
    return lrs;
  };
  auto step = run([](optim::Optimizer& o) { return optim::StepLR(o, 3, 0.5); }, 10);
  check_sequence(step, {1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125, 0.125});
  auto exponential = run([](optim::Optimizer& o) { return optim::ExponentialLR(o, 0.9); }, 12);
  for (size_t e = 0; e < exponential.size(); ++e) CHECK(exponential[e] == doctest::Approx(std::pow(0.9, e)));
  auto cosine = run([](optim::Optimizer& o) { return optim::CosineAnnealingLR(o, 10, 0.1); }, 20);
  const double pi = std::acos(-1.0);
  for (size_t e = 0; e <= 10; ++e) CHECK(cosine[e] == doctest::Approx(0.1 + 0.9 * (1 + std::cos(pi * e / 10)) / 2));
  CHECK(cosine[20] == doctest::Approx(1.0));  // and back up, as PyTorch's recursive form does
  auto inverse = run([](optim::Optimizer& o) { return optim::LambdaLR(o, [](int64_t t) { return 1.0 / (1 + t); }); }, 10);
  for (size_t e = 0; e < inverse.size(); ++e) CHECK(inverse[e] == doctest::Approx(1.0 / (1 + e)));
  auto warmup = run([](optim::Optimizer& o) { return optim::LinearLR(o, 0.25, 1.0, 4); }, 10);
  check_sequence(warmup, {0.25, 0.4375, 0.625, 0.8125, 1, 1, 1, 1, 1, 1, 1});
}

TEST_CASE("a scheduler restored from its state continues the same lr sequence") {
  xg::Tensor p = xg::ones({1}, xg::requires_grad());
  optim::SGD straight_sgd({p}, optim::SGDOptions(1.0));
  optim::CosineAnnealingLR straight(straight_sgd, 10, 0.1);
  std::vector<double> expected;
  for (int e = 0; e < 15; ++e) {
    straight.step();
    expected.push_back(straight.get_last_lr()[0]);
  }
  optim::SGD first_sgd({p}, optim::SGDOptions(1.0));
  optim::CosineAnnealingLR first(first_sgd, 10, 0.1);
  for (int e = 0; e < 6; ++e) first.step();
  xg::StateDict optimizer_state = first_sgd.state_dict(), scheduler_state = first.state_dict();

  optim::SGD resumed_sgd({p}, optim::SGDOptions(1.0));
  optim::CosineAnnealingLR resumed(resumed_sgd, 10, 0.1);
  resumed_sgd.load_state_dict(optimizer_state);
  resumed.load_state_dict(scheduler_state);
  CHECK(resumed.last_epoch() == 6);
  for (int e = 6; e < 15; ++e) {
    resumed.step();
    CHECK(resumed.get_last_lr()[0] == doctest::Approx(expected[e]).epsilon(1e-12));
  }
  scheduler_state.pop_back();
  CHECK_THROWS_AS(resumed.load_state_dict(scheduler_state), std::invalid_argument);
  CHECK(resumed.last_epoch() == 15);

  // Through a checkpoint file, together with the model and the optimizer.
  nn::Linear model(1, 1);
  optim::SGD sgd(model->parameters(), optim::SGDOptions(1.0).momentum(0.5));
  optim::StepLR schedule(sgd, 2, 0.5);
  for (int e = 0; e < 3; ++e) schedule.step();
  optim::save_checkpoint("/tmp/xgrad_scheduler.npz", model, sgd, &schedule);
  nn::Linear model2(1, 1);
  optim::SGD sgd2(model2->parameters(), optim::SGDOptions(1.0).momentum(0.5));
  optim::StepLR schedule2(sgd2, 2, 0.5);
  optim::load_checkpoint("/tmp/xgrad_scheduler.npz", model2, sgd2, &schedule2);
  CHECK(schedule2.last_epoch() == 3);
  CHECK(sgd2.lr() == 0.5);
  schedule.step();
  schedule2.step();
  CHECK(schedule2.get_last_lr() == schedule.get_last_lr());
  std::remove("/tmp/xgrad_scheduler.npz");
}

TEST_CASE("clip_grad_norm_ and clip_grad_value_") {
  xg::Tensor a = xg::zeros({2}, xg::requires_grad()), b = xg::zeros({1}, xg::requires_grad());
  a.mutable_grad() = xg::tensor({3.0, 0.0});
  b.mutable_grad() = xg::tensor({4.0});
  double total = nn::utils::clip_grad_norm_({a, b}, 1.0);
  CHECK(total == doctest::Approx(5.0));
  check_values(a.grad(), {3 / (5 + 1e-6), 0}, 1e-5);
  check_values(b.grad(), {4 / (5 + 1e-6)}, 1e-5);
  CHECK(nn::utils::clip_grad_norm_({a, b}, 10.0) == doctest::Approx(1.0).epsilon(1e-5));  // under the limit: unchanged
  check_values(b.grad(), {4 / (5 + 1e-6)}, 1e-5);
  a.mutable_grad() = xg::tensor({-3.0, 1.0});
  CHECK(nn::utils::clip_grad_norm_({a, b}, 1.5, INFINITY) == doctest::Approx(3.0).epsilon(1e-5));
  check_values(a.grad(), {-1.5, 0.5}, 1e-5);
  a.mutable_grad() = xg::tensor({NAN, 1.0});
  CHECK_THROWS_AS(nn::utils::clip_grad_norm_({a, b}, 1.0, 2.0, true), std::runtime_error);
  CHECK(std::isnan(a.grad().to_vector<double>()[0]));
  a.mutable_grad() = xg::tensor({-3.0, 0.5});
  nn::utils::clip_grad_value_({a}, 1.0);
  check_values(a.grad(), {-1, 0.5});
}

TEST_CASE("a run resumed from a checkpoint is identical to an uninterrupted one") {
  auto make_data = [] {
    xg::manual_seed(21);
    return std::make_pair(xg::randn({16, 3}), xg::randn({16, 1}));
  };
  auto [x, y] = make_data();
  auto train = [&](nn::Sequential& model, optim::Optimizer& optimizer, int steps) {
    for (int i = 0; i < steps; ++i) {
      optimizer.zero_grad();
      nn::functional::mse_loss(model(x), y).backward();
      optimizer.step();
    }
  };
  auto make_model = [] {
    xg::manual_seed(3);
    return nn::Sequential(nn::Linear(3, 8), nn::Tanh(), nn::Linear(8, 1));
  };
  nn::Sequential straight = make_model();
  optim::Adam adam(straight->parameters(), optim::AdamOptions(0.01).amsgrad(true));
  train(straight, adam, 20);

  nn::Sequential first = make_model();
  optim::Adam first_adam(first->parameters(), optim::AdamOptions(0.01).amsgrad(true));
  train(first, first_adam, 10);
  optim::save_checkpoint("/tmp/xgrad_resume.npz", first, first_adam);
  nn::Sequential resumed = make_model();
  optim::Adam resumed_adam(resumed->parameters(), optim::AdamOptions(0.01).amsgrad(true));
  optim::load_checkpoint("/tmp/xgrad_resume.npz", resumed, resumed_adam);
  train(resumed, resumed_adam, 10);
  for (size_t i = 0; i < straight->parameters().size(); ++i)
    CHECK(straight->parameters()[i].to_vector<float>() == resumed->parameters()[i].to_vector<float>());

  // SGD momentum buffers too; a checkpoint for another model is refused and changes nothing.
  nn::Sequential other(nn::Linear(3, 2));
  optim::SGD sgd(other->parameters(), optim::SGDOptions(0.1).momentum(0.9));
  std::vector<float> before = other->parameters()[0].to_vector<float>();
  CHECK_THROWS_AS(optim::load_checkpoint("/tmp/xgrad_resume.npz", other, sgd), std::runtime_error);
  CHECK(other->parameters()[0].to_vector<float>() == before);
  std::remove("/tmp/xgrad_resume.npz");
}

TEST_CASE("values printed by torch 1.13 (tests/optim/reference.py)") {
  check_sequence(trajectory<optim::Adam>(optim::AdamOptions(0.05).weight_decay(0.5), kGrads),
                 {0.9500000005, 0.9091437758, 0.8659258771});
  check_sequence(trajectory<optim::Adam>(optim::AdamOptions(0.05).maximize(true), kGrads),
                 {1.0499999990, 1.0633168506, 1.0803383075});
  std::vector<double> grads = {1.0, 0.01, 0.01, 0.01, 0.01};
  check_sequence(trajectory<optim::Adam>(optim::AdamOptions(0.1).amsgrad(true), grads),
                 {0.9000000010, 0.8322835510, 0.7793259045, 0.7353867900, 0.6977213036});
  check_sequence(trajectory<optim::Adam>(optim::AdamOptions(0.1), grads),
                 {0.9000000010, 0.8322530580, 0.7792477091, 0.7352492159, 0.6975158502});
  check_sequence(trajectory<optim::AdamW>(optim::AdamWOptions(0.05).amsgrad(true), grads),
                 {0.9495000005, 0.9151670255, 0.8882306188, 0.8658169462, 0.8465512945});
  std::vector<double> long_run;
  for (int i = 0; i < 200; ++i) long_run.push_back(std::sin(0.3 * i) + 0.2);
  CHECK(trajectory<optim::AdamW>(optim::AdamWOptions(0.01), long_run).back() == doctest::Approx(0.363594518334).epsilon(1e-10));
}
