// Misuse of optimizers and schedulers, tried systematically: every bad option, empty and duplicate parameter
// lists, gradients of the wrong shape or dtype, param groups added after a scheduler, extreme epoch counts,
// and state dicts with every field out of range. Each failure must be a clear exception that leaves the
// parameters, the optimizer and the scheduler bit-identical.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <string>

#include "helpers.hpp"
#include "state_helpers.hpp"

namespace optim = xg::optim;
namespace nn = xg::nn;

namespace {
// Every optimizer, built the same way, so each case below runs for all of them (LBFGS, which needs a
// closure, has its own cases in test_adversarial_zoo.cpp). `tensor_field` is a per-parameter state tensor
// it always has after a step; `non_negative` are those that must not hold negative values; `step_min` is
// the smallest step count it loads (-1: no step count).
struct Kind {
  const char* name;
  std::function<std::unique_ptr<optim::Optimizer>(std::vector<xg::Tensor>)> make;
  const char* tensor_field;
  std::vector<const char*> non_negative;
  int step_min;
};
std::vector<Kind> kinds() {
  return {
      {"SGD", [](std::vector<xg::Tensor> p) { return std::make_unique<optim::SGD>(p, optim::SGDOptions(0.1).momentum(0.9)); },
       "momentum_buffer", {}, -1},
      {"Adam", [](std::vector<xg::Tensor> p) { return std::make_unique<optim::Adam>(p, optim::AdamOptions(0.1).amsgrad(true)); },
       "exp_avg", {"exp_avg_sq", "max_exp_avg_sq"}, 1},
      {"AdamW", [](std::vector<xg::Tensor> p) { return std::make_unique<optim::AdamW>(p, optim::AdamWOptions(0.1)); }, "exp_avg",
       {"exp_avg_sq"}, 1},
      {"RMSprop",
       [](std::vector<xg::Tensor> p) {
         return std::make_unique<optim::RMSprop>(p, optim::RMSpropOptions(0.1).momentum(0.9).centered(true));
       },
       "grad_avg", {"square_avg"}, 1},
      {"Adagrad", [](std::vector<xg::Tensor> p) { return std::make_unique<optim::Adagrad>(p, optim::AdagradOptions(0.1)); }, "sum",
       {"sum"}, 0},
      {"Adadelta", [](std::vector<xg::Tensor> p) { return std::make_unique<optim::Adadelta>(p, optim::AdadeltaOptions()); },
       "square_avg", {"square_avg", "acc_delta"}, 1},
      {"Adamax", [](std::vector<xg::Tensor> p) { return std::make_unique<optim::Adamax>(p, optim::AdamaxOptions(0.1)); },
       "exp_avg", {"exp_inf"}, 1},
      {"NAdam", [](std::vector<xg::Tensor> p) { return std::make_unique<optim::NAdam>(p, optim::NAdamOptions(0.1)); }, "exp_avg",
       {"exp_avg_sq"}, 1},
      {"RAdam", [](std::vector<xg::Tensor> p) { return std::make_unique<optim::RAdam>(p, optim::RAdamOptions(0.1)); }, "exp_avg",
       {"exp_avg_sq"}, 1},
  };
}
}  // namespace

TEST_CASE("every invalid SGD option is refused at construction, naming the option") {
  xg::Tensor p = xg::ones({1}, xg::requires_grad());
  auto refuses = [&](optim::SGDOptions options, const char* fragment) {
    CAPTURE(fragment);
    CHECK_THROWS_WITH_AS(optim::SGD({p}, options), doctest::Contains(fragment), std::invalid_argument);
  };
  for (double lr : {-0.1, kNan, kInf, -kInf}) refuses(optim::SGDOptions(lr), "SGD: invalid learning rate");
  for (double momentum : {-0.1, kNan, kInf}) refuses(optim::SGDOptions(0.1).momentum(momentum), "SGD: invalid momentum");
  for (double dampening : {-0.1, 1.5, kNan}) refuses(optim::SGDOptions(0.1).dampening(dampening), "SGD: invalid dampening");
  for (double decay : {-1.0, kNan, kInf}) refuses(optim::SGDOptions(0.1).weight_decay(decay), "SGD: invalid weight_decay");
  refuses(optim::SGDOptions(0.1).nesterov(true), "Nesterov momentum requires a momentum and zero dampening");
  refuses(optim::SGDOptions(0.1).momentum(0.9).dampening(0.5).nesterov(true), "Nesterov");
  CHECK(message_of([&] { optim::SGD({p}, optim::SGDOptions(kNan)); }) ==
        "SGD: invalid learning rate nan (must be a finite number >= 0)");
  // Edge values that are valid: lr 0, dampening 1, momentum above 1 (PyTorch allows it).
  CHECK_NOTHROW(optim::SGD({p}, optim::SGDOptions(0.0).dampening(1.0).momentum(1.5)));
}

TEST_CASE("every invalid Adam and AdamW option is refused at construction, naming the option") {
  xg::Tensor p = xg::ones({1}, xg::requires_grad());
  auto refuses = [&](auto make, const char* fragment) {
    CAPTURE(fragment);
    CHECK_THROWS_WITH_AS(make(), doctest::Contains(fragment), std::invalid_argument);
  };
  for (double bad : {-0.1, kNan, kInf}) {
    CAPTURE(bad);
    refuses([&] { optim::Adam({p}, optim::AdamOptions(bad)); }, "Adam: invalid learning rate");
    refuses([&] { optim::AdamW({p}, optim::AdamWOptions(bad)); }, "AdamW: invalid learning rate");
    refuses([&] { optim::Adam({p}, optim::AdamOptions().eps(bad)); }, "Adam: invalid epsilon");
    refuses([&] { optim::AdamW({p}, optim::AdamWOptions().eps(bad)); }, "AdamW: invalid epsilon");
    refuses([&] { optim::Adam({p}, optim::AdamOptions().weight_decay(bad)); }, "Adam: invalid weight_decay");
    refuses([&] { optim::AdamW({p}, optim::AdamWOptions().weight_decay(bad)); }, "AdamW: invalid weight_decay");
  }
  for (double beta : {-0.1, 1.0, 1.5, kNan, kInf}) {
    CAPTURE(beta);
    refuses([&] { optim::Adam({p}, optim::AdamOptions().betas({beta, 0.999})); }, "Adam: invalid beta parameter at index 0");
    refuses([&] { optim::Adam({p}, optim::AdamOptions().betas({0.9, beta})); }, "Adam: invalid beta parameter at index 1");
    refuses([&] { optim::AdamW({p}, optim::AdamWOptions().betas({beta, 0.999})); }, "AdamW: invalid beta parameter at index 0");
    refuses([&] { optim::AdamW({p}, optim::AdamWOptions().betas({0.9, beta})); }, "AdamW: invalid beta parameter at index 1");
  }
  CHECK_NOTHROW(optim::Adam({p}, optim::AdamOptions(0.0).betas({0.0, 0.0}).eps(0.0)));
}

TEST_CASE("invalid options are refused by add_param_group, set_lr and set_group_lr without changing anything") {
  xg::Tensor a = xg::ones({1}, xg::requires_grad()), b = xg::ones({1}, xg::requires_grad());
  optim::SGD sgd({a}, optim::SGDOptions(0.1));
  CHECK_THROWS_WITH_AS(sgd.add_param_group({b}, optim::SGDOptions(-1)), doctest::Contains("SGD: invalid learning rate"),
                       std::invalid_argument);
  CHECK(sgd.num_param_groups() == 1);
  sgd.add_param_group({b}, optim::SGDOptions(0.2));
  for (double lr : {-1.0, kNan, kInf}) {
    CHECK_THROWS_WITH_AS(sgd.set_lr(lr), doctest::Contains("SGD: invalid learning rate"), std::invalid_argument);
    CHECK_THROWS_AS(sgd.set_group_lr(1, lr), std::invalid_argument);
  }
  CHECK(sgd.group_lr(0) == 0.1);
  CHECK(sgd.group_lr(1) == 0.2);
  CHECK_THROWS_AS(sgd.set_group_lr(2, 0.1), std::out_of_range);
  optim::Adam adam({a}, optim::AdamOptions(0.1));
  CHECK_THROWS_WITH_AS(adam.set_lr(kNan), doctest::Contains("Adam: invalid learning rate nan"), std::invalid_argument);
  CHECK(adam.lr() == 0.1);
}

TEST_CASE("options edited through param_groups() are checked by step before any parameter changes") {
  xg::Tensor a = xg::ones({2}, xg::requires_grad()), b = xg::ones({2}, xg::requires_grad());
  optim::SGD sgd({a}, optim::SGDOptions(0.1));
  sgd.add_param_group({b}, optim::SGDOptions(0.1));
  a.mutable_grad() = xg::ones({2});
  b.mutable_grad() = xg::ones({2});
  static_cast<optim::SGDOptions&>(sgd.param_groups()[1].options()).momentum(kNan);
  CHECK_THROWS_WITH_AS(sgd.step(), doctest::Contains("SGD: invalid momentum"), std::invalid_argument);
  check_values(a, {1, 1});  // group 0 comes first but was not stepped either
  optim::AdamW adamw({a}, optim::AdamWOptions(0.1));
  static_cast<optim::AdamWOptions&>(adamw.param_groups()[0].options()).betas({0.9, 1.0});
  CHECK_THROWS_WITH_AS(adamw.step(), doctest::Contains("AdamW: invalid beta parameter at index 1"), std::invalid_argument);
  check_values(a, {1, 1});
}

TEST_CASE("an empty parameter list is refused by every optimizer (PyTorch: optimizer got an empty parameter list)") {
  for (const Kind& kind : kinds()) {
    CAPTURE(kind.name);
    CHECK_THROWS_WITH_AS(kind.make({}), doctest::Contains((std::string(kind.name) + ": optimizer got an empty parameter list").c_str()),
                         std::invalid_argument);
  }
  // add_param_group with an empty list is allowed, as in PyTorch, and stepping it does nothing.
  xg::Tensor a = xg::ones({1}, xg::requires_grad());
  optim::SGD sgd({a}, optim::SGDOptions(0.1));
  sgd.add_param_group({}, optim::SGDOptions(0.5));
  a.mutable_grad() = xg::ones({1});
  sgd.step();
  check_values(a, {0.9});
}

TEST_CASE("a parameter listed twice, or in two groups, is refused by every optimizer") {
  for (const Kind& kind : kinds()) {
    CAPTURE(kind.name);
    xg::Tensor a = xg::ones({2}, xg::requires_grad()), b = xg::ones({2}, xg::requires_grad());
    CHECK_THROWS_WITH_AS(kind.make({a, b, a}), doctest::Contains("a parameter group lists the same parameter twice"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(kind.make({a, b, a}), doctest::Contains("parameter 0 of group 0 and parameter 2 of group 0"),
                         std::invalid_argument);
    // A handle copy is the same parameter; detach() is a different tensor (sharing data) and is accepted.
    xg::Tensor same = a;
    CHECK_THROWS_AS(kind.make({a, same}), std::invalid_argument);
    CHECK_THROWS_WITH_AS(kind.make({a, xg::Tensor()}), doctest::Contains("parameter 1 of group 0 is undefined"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(kind.make({a * 2.0}), doctest::Contains("can't optimize a non-leaf Tensor"), std::invalid_argument);
  }
  xg::Tensor a = xg::ones({2}, xg::requires_grad()), b = xg::ones({2}, xg::requires_grad());
  optim::SGD sgd({a}, optim::SGDOptions(0.1));
  CHECK_THROWS_WITH_AS(sgd.add_param_group({b, a}, optim::SGDOptions(0.1)),
                       doctest::Contains("SGD: some parameters appear in more than one parameter group"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(sgd.add_param_group({b, b}, optim::SGDOptions(0.1)),
                       doctest::Contains("SGD: a parameter group lists the same parameter twice"), std::invalid_argument);
  CHECK(sgd.num_param_groups() == 1);
  optim::Adam adam({a}, optim::AdamOptions());
  CHECK_THROWS_WITH_AS(adam.add_param_group({a}, optim::AdamOptions()),
                       doctest::Contains("Adam: some parameters appear in more than one parameter group"), std::invalid_argument);

  // A duplicate pushed straight into param_groups() is caught by step, before anything changes.
  sgd.param_groups()[0].params().push_back(a);
  a.mutable_grad() = xg::ones({2});
  CHECK_THROWS_WITH_AS(sgd.step(), doctest::Contains("the same parameter twice"), std::invalid_argument);
  check_values(a, {1, 1});
  sgd.param_groups()[0].params().pop_back();
  sgd.param_groups()[0].params().push_back(a * 2.0);
  CHECK_THROWS_WITH_AS(sgd.step(), doctest::Contains("non-leaf"), std::invalid_argument);
  check_values(a, {1, 1});
  sgd.param_groups()[0].params().pop_back();
  sgd.step();
  check_values(a, {0.9, 0.9});
}

TEST_CASE("parameters pushed into param_groups() get their own state, never another parameter's") {
  // State is keyed by the parameter: editing the groups cannot pair a parameter with a stale buffer.
  xg::Tensor a = xg::ones({1}, xg::requires_grad()), b = xg::ones({1}, xg::requires_grad());
  optim::SGD sgd({a}, optim::SGDOptions(1.0).momentum(0.5));
  a.mutable_grad() = xg::ones({1});
  sgd.step();  // a's buffer = 1
  sgd.param_groups()[0].params().insert(sgd.param_groups()[0].params().begin(), b);
  b.mutable_grad() = xg::ones({1});
  sgd.step();  // b: first step, buffer = 1; a: buffer = 0.5 + 1 = 1.5
  check_values(b, {0});
  check_values(a, {-1.5});
}

TEST_CASE("a gradient of the wrong shape or dtype makes every optimizer's step throw before anything changes") {
  for (const Kind& kind : kinds()) {
    for (bool wrong_dtype : {false, true}) {
      CAPTURE(kind.name);
      CAPTURE(wrong_dtype);
      xg::manual_seed(1);
      xg::Tensor ok = xg::randn({3}).requires_grad_(), w = xg::randn({64, 64}).requires_grad_();
      std::unique_ptr<optim::Optimizer> optimizer = kind.make({ok});
      optimizer->step();  // no gradients: nothing happens
      // A second group, so the bad gradient sits after a good one.
      optimizer->add_param_group({w}, optimizer->defaults());
      ok.mutable_grad() = xg::ones({3});
      w.mutable_grad() = xg::ones({64, 64});
      optimizer->step();  // state exists for both
      Snapshot params = snapshot(std::vector<xg::Tensor>{ok, w});
      Snapshot state = snapshot(optimizer->state_dict());
      w.mutable_grad() = wrong_dtype ? xg::ones({64, 64}, xg::dtype(xg::kFloat64)) : xg::ones({1});
      std::string message = message_of([&] { optimizer->step(); });
      CHECK(message.find(std::string(kind.name) + ".step: assigned grad has data of a different size or type") != std::string::npos);
      CHECK(message.find("[64, 64] (float32)") != std::string::npos);
      CHECK(message.find(wrong_dtype ? "[64, 64] (float64)" : "[1] (float32)") != std::string::npos);
      CHECK_THROWS_AS(optimizer->step(), std::invalid_argument);
      CHECK(snapshot(std::vector<xg::Tensor>{ok, w}) == params);
      CHECK(snapshot(optimizer->state_dict()) == state);
      // Once the gradient is right again, stepping works.
      w.mutable_grad() = xg::ones({64, 64});
      optimizer->step();
      CHECK_FALSE(snapshot(std::vector<xg::Tensor>{ok, w}) == params);
    }
  }
}

TEST_CASE("issue reproducer: SGD with a [1] grad on a [64, 64] weight throws, the weight is untouched") {
  xg::Tensor w = xg::zeros({64, 64}, xg::requires_grad());
  optim::SGD sgd({w}, optim::SGDOptions(0.1));
  w.mutable_grad() = xg::ones({1});
  CHECK_THROWS_AS(sgd.step(), std::invalid_argument);
  CHECK(xg::max(xg::abs(w)).item() == 0.0);
  w.mutable_grad() = xg::ones({64, 64}, xg::dtype(xg::kFloat64));
  CHECK_THROWS_AS(sgd.step(), std::invalid_argument);
  CHECK(xg::max(xg::abs(w)).item() == 0.0);
}

TEST_CASE("a gradient sharing the parameter's storage is read as it was before the step (values from torch 1.13)") {
  // tests/optim/reference.py, aliased_grad: p = [1, -2] float64, p.grad = p.detach() before each of 3 steps.
  auto run = [](auto make) {
    xg::Tensor p = xg::tensor({1.0, -2.0}, f64());
    auto optimizer = make(p);
    for (int i = 0; i < 3; ++i) {
      p.mutable_grad() = p.detach();
      optimizer.step();
    }
    return p;
  };
  check_values(run([](xg::Tensor p) { return optim::SGD({p}, optim::SGDOptions(0.1).momentum(0.9)); }),
               {0.486000000000, -0.972000000000}, 1e-11);
  check_values(run([](xg::Tensor p) { return optim::Adam({p}, optim::AdamOptions(0.1)); }),
               {0.701586274504, -1.700623392812}, 1e-11);
}

TEST_CASE("every invalid scheduler option is refused at construction, naming the scheduler and option") {
  xg::Tensor p = xg::ones({1}, xg::requires_grad());
  optim::SGD sgd({p}, optim::SGDOptions(1.0));
  auto refuses = [&](const std::function<void()>& make, const char* fragment) {
    CAPTURE(fragment);
    CHECK_THROWS_WITH_AS(make(), doctest::Contains(fragment), std::invalid_argument);
    CHECK(sgd.lr() == 1.0);  // the failed constructor did not touch the optimizer
  };
  for (int64_t step_size : {int64_t(0), int64_t(-1), std::numeric_limits<int64_t>::min()})
    refuses([&] { optim::StepLR(sgd, step_size); }, "StepLR: invalid step_size");
  for (double gamma : {-0.5, kNan, kInf}) {
    refuses([&] { optim::StepLR(sgd, 2, gamma); }, "StepLR: invalid gamma");
    refuses([&] { optim::ExponentialLR(sgd, gamma); }, "ExponentialLR: invalid gamma");
  }
  for (int64_t T_max : {int64_t(0), int64_t(-5)}) refuses([&] { optim::CosineAnnealingLR(sgd, T_max); }, "CosineAnnealingLR: invalid T_max");
  for (double eta_min : {-0.1, kNan, kInf}) refuses([&] { optim::CosineAnnealingLR(sgd, 10, eta_min); }, "CosineAnnealingLR: invalid eta_min");
  for (double start : {0.0, -0.1, 1.5, kNan}) refuses([&] { optim::LinearLR(sgd, start); }, "LinearLR: invalid start_factor");
  for (double end : {-0.1, 1.5, kNan}) refuses([&] { optim::LinearLR(sgd, 0.5, end); }, "LinearLR: invalid end_factor");
  for (int64_t total : {int64_t(0), int64_t(-3)}) refuses([&] { optim::LinearLR(sgd, 0.5, 1.0, total); }, "LinearLR: invalid total_iters");
  refuses([&] { optim::LambdaLR(sgd, nullptr); }, "LambdaLR: the factor function is empty");
  refuses([&] { optim::LambdaLR(sgd, [](int64_t) { return kNan; }); }, "LambdaLR: the factor function returned nan for epoch 0");
  // Valid edge values.
  CHECK_NOTHROW(optim::ExponentialLR(sgd, 0.0));
  sgd.set_lr(1.0);
  CHECK_NOTHROW(optim::LinearLR(sgd, 1.0, 0.0, 1));
}

TEST_CASE("a LambdaLR factor that is NaN, negative or infinite makes step throw, changing nothing") {
  for (double bad : {kNan, -1.0, kInf}) {
    CAPTURE(bad);
    xg::Tensor p = xg::ones({1}, xg::requires_grad());
    optim::SGD sgd({p}, optim::SGDOptions(1.0));
    optim::LambdaLR schedule(sgd, [bad](int64_t epoch) { return epoch < 3 ? 1.0 / (1 + epoch) : bad; });
    schedule.step();
    schedule.step();
    Snapshot state = snapshot(schedule.state_dict());
    CHECK_THROWS_WITH_AS(schedule.step(), doctest::Contains("LambdaLR: the factor function returned"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(schedule.step(), doctest::Contains("for epoch 3"), std::invalid_argument);
    CHECK(schedule.last_epoch() == 2);
    CHECK(sgd.lr() == 1.0 / 3);
    CHECK(snapshot(schedule.state_dict()) == state);
  }
}

TEST_CASE("a schedule whose lr overflows throws std::overflow_error and changes nothing") {
  xg::Tensor p = xg::ones({1}, xg::requires_grad());
  optim::SGD sgd({p}, optim::SGDOptions(1.0));
  optim::ExponentialLR schedule(sgd, 10.0);
  int epochs = 0;
  try {
    for (; epochs < 1000; ++epochs) schedule.step();
  } catch (const std::overflow_error& error) {
    CHECK(std::string(error.what()).find("ExponentialLR.step: the learning rate of group 0 at epoch 309 would be inf") !=
          std::string::npos);
  }
  CHECK(epochs == 308);
  CHECK(schedule.last_epoch() == 308);
  CHECK(sgd.lr() == schedule.get_last_lr()[0]);
  CHECK(std::isfinite(sgd.lr()));
}

namespace {
// Group 0 (lr 1.0) from the start, group 1 (lr 0.5) added after `add_at` scheduler steps; returns
// [group 0, group 1 (or -1 before it exists)] after each of `epochs` steps.
template <class Make>
std::vector<std::pair<double, double>> lrs_with_group_added(Make make, int add_at, int epochs) {
  xg::Tensor a = xg::zeros({1}, xg::requires_grad()), b = xg::zeros({1}, xg::requires_grad());
  optim::SGD sgd({a}, optim::SGDOptions(1.0));
  auto schedule = make(sgd);
  std::vector<std::pair<double, double>> out;
  for (int e = 1; e <= epochs; ++e) {
    if (e == add_at + 1) {
      sgd.add_param_group({b}, optim::SGDOptions(0.5));
      CHECK(schedule.get_last_lr().size() == 1);  // not seen before the next step
    }
    schedule.step();
    CHECK(schedule.get_last_lr().size() == sgd.num_param_groups());
    out.emplace_back(sgd.group_lr(0), sgd.num_param_groups() > 1 ? sgd.group_lr(1) : -1.0);
  }
  return out;
}

void check_pairs(const std::vector<std::pair<double, double>>& got, const std::vector<std::pair<double, double>>& expected) {
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    CHECK(got[i].first == doctest::Approx(expected[i].first).epsilon(1e-11));
    CHECK(got[i].second == doctest::Approx(expected[i].second).epsilon(1e-11));
  }
}
}  // namespace

TEST_CASE("groups added after the scheduler are scheduled from their current lr (torch 1.13 values where defined)") {
  // tests/optim/reference.py, lrs_with_group_added(make, 3, 9): the chainable schedulers agree with PyTorch.
  check_pairs(lrs_with_group_added([](optim::Optimizer& o) { return optim::StepLR(o, 2, 0.5); }, 3, 9),
              {{1, -1}, {0.5, -1}, {0.5, -1}, {0.25, 0.25}, {0.25, 0.25}, {0.125, 0.125}, {0.125, 0.125}, {0.0625, 0.0625},
               {0.0625, 0.0625}});
  check_pairs(lrs_with_group_added([](optim::Optimizer& o) { return optim::ExponentialLR(o, 0.9); }, 3, 9),
              {{0.9, -1}, {0.81, -1}, {0.729, -1}, {0.6561, 0.45}, {0.59049, 0.405}, {0.531441, 0.3645}, {0.4782969, 0.32805},
               {0.43046721, 0.295245}, {0.387420489, 0.2657205}});
  check_pairs(lrs_with_group_added([](optim::Optimizer& o) { return optim::LinearLR(o, 0.25, 1.0, 6); }, 3, 9),
              {{0.375, -1}, {0.5, -1}, {0.625, -1}, {0.75, 0.6}, {0.875, 0.7}, {1, 0.8}, {1, 0.8}, {1, 0.8}, {1, 0.8}});
  check_pairs(lrs_with_group_added([](optim::Optimizer& o) { return optim::CosineAnnealingLR(o, 10, 0.1); }, 3, 9),
              {{0.977975432333, -1},
               {0.914057647469, -1},
               {0.814503363532, -1},
               {0.689057647469, 0.429771798166},
               {0.550000000000, 0.351923236736},
               {0.410942352531, 0.274074675307},
               {0.285496636468, 0.203846473473},
               {0.185942352531, 0.148113056939},
               {0.122024567667, 0.112330000832}});
  // LambdaLR: the new group's base lr is its lr when first seen (PyTorch would skip it: zip with fewer lambdas).
  check_pairs(lrs_with_group_added([](optim::Optimizer& o) { return optim::LambdaLR(o, [](int64_t t) { return 1.0 / (1 + t); }); },
                                   3, 5),
              {{0.5, -1}, {1.0 / 3, -1}, {0.25, -1}, {0.2, 0.5 / 5}, {1.0 / 6, 0.5 / 6}});
}

TEST_CASE("CosineAnnealingLR at a restart epoch with a group added later (the issue's out-of-bounds read)") {
  // T_max = 1: epochs 2, 4, 6 take the restart branch, which reads the base lr of every group.
  auto lrs = lrs_with_group_added([](optim::Optimizer& o) { return optim::CosineAnnealingLR(o, 1, 0.0); }, 2, 6);
  // Group 1 is seen at epoch 3 (lr 0.5 -> base 0.5): epoch 3 anneals to eta_min 0, epoch 4 restarts to
  // 0 + (0.5 - 0) (1 - cos(pi)) / 2 = 0.5, and so on.
  check_pairs(lrs, {{0, -1}, {1, -1}, {0, 0}, {1, 0.5}, {0, 0}, {1, 0.5}});
}

TEST_CASE("scheduler state with fewer groups than the optimizer loads; with more it is refused") {
  xg::Tensor a = xg::zeros({1}, xg::requires_grad()), b = xg::zeros({1}, xg::requires_grad());
  optim::SGD one({a}, optim::SGDOptions(1.0));
  optim::StepLR first(one, 2, 0.5);
  first.step();
  first.step();  // epoch 2: lr 0.5
  xg::StateDict one_group = first.state_dict();

  optim::SGD two({a}, optim::SGDOptions(0.5));
  two.add_param_group({b}, optim::SGDOptions(0.3));
  optim::StepLR second(two, 2, 0.5);
  xg::StateDict two_groups = second.state_dict();
  second.load_state_dict(one_group);
  CHECK(second.last_epoch() == 2);
  CHECK(second.get_last_lr().size() == 1);
  second.step();  // epoch 3: group 1 seen now with its current lr 0.3
  CHECK(second.get_last_lr() == std::vector<double>{0.5, 0.3});
  second.step();  // epoch 4: both decay
  CHECK(second.get_last_lr() == std::vector<double>{0.25, 0.15});
  CHECK(second.state_dict().size() == 5);

  Snapshot before = snapshot(first.state_dict());
  CHECK_THROWS_WITH_AS(first.load_state_dict(two_groups), doctest::Contains("StepLR state: has learning rates for more groups"),
                       std::invalid_argument);
  CHECK(snapshot(first.state_dict()) == before);
  CHECK(one.lr() == 0.5);

  // Every scheduler shares this machinery; each handles a group added later and a state of another size.
  auto each = [&](auto make) {
    xg::Tensor x = xg::zeros({1}, xg::requires_grad()), y = xg::zeros({1}, xg::requires_grad());
    optim::SGD sgd({x}, optim::SGDOptions(1.0));
    auto schedule = make(sgd);
    schedule.step();
    xg::StateDict small = schedule.state_dict();
    sgd.add_param_group({y}, optim::SGDOptions(0.5));
    schedule.step();
    CHECK(schedule.get_last_lr().size() == 2);
    CHECK(std::isfinite(sgd.group_lr(1)));
    xg::StateDict large = schedule.state_dict();
    CHECK(large.size() == 5);
    schedule.load_state_dict(small);  // fewer groups: group 1 is unseen again
    CHECK(schedule.get_last_lr().size() == 1);
    schedule.step();
    CHECK(schedule.get_last_lr().size() == 2);
    optim::SGD lone({x}, optim::SGDOptions(1.0));
    auto other = make(lone);
    Snapshot other_before = snapshot(other.state_dict());
    CHECK_THROWS_AS(other.load_state_dict(large), std::invalid_argument);
    CHECK(snapshot(other.state_dict()) == other_before);
  };
  each([](optim::Optimizer& o) { return optim::StepLR(o, 2, 0.5); });
  each([](optim::Optimizer& o) { return optim::ExponentialLR(o, 0.5); });
  each([](optim::Optimizer& o) { return optim::CosineAnnealingLR(o, 3, 0.01); });
  each([](optim::Optimizer& o) { return optim::LambdaLR(o, [](int64_t t) { return 1.0 / (1 + t); }); });
  each([](optim::Optimizer& o) { return optim::LinearLR(o, 0.5, 1.0, 4); });
}

namespace {
// A scheduler of each kind with extreme int64 arguments, loaded at last_epoch = `epoch`.
template <class Make>
void step_to_the_end(Make make, double epoch) {
  xg::Tensor p = xg::zeros({1}, xg::requires_grad());
  optim::SGD sgd({p}, optim::SGDOptions(1.0));
  auto schedule = make(sgd);
  CAPTURE(schedule.name());
  for (int e = 0; e < 5; ++e) schedule.step();
  CHECK(std::isfinite(sgd.lr()));
  schedule.load_state_dict(with(schedule.state_dict(), "last_epoch", number(epoch)));
  CHECK(schedule.last_epoch() == static_cast<int64_t>(epoch));
  while (schedule.last_epoch() < kMax) {
    schedule.step();
    REQUIRE(std::isfinite(sgd.lr()));
    REQUIRE(sgd.lr() >= 0);
  }
  Snapshot before = snapshot(schedule.state_dict());
  double lr = sgd.lr();
  CHECK_THROWS_WITH_AS(schedule.step(), doctest::Contains((std::string(schedule.name()) + ".step: last_epoch would pass INT64_MAX").c_str()),
                       std::overflow_error);
  CHECK(schedule.last_epoch() == kMax);
  CHECK(sgd.lr() == lr);
  CHECK(snapshot(schedule.state_dict()) == before);
}
}  // namespace

TEST_CASE("extreme int64 arguments: no overflow in the arithmetic, and stepping past INT64_MAX throws") {
  // The issue: CosineAnnealingLR computed 2 * T_max in int64.
  for (int64_t T_max : {kMax, kMax / 2 + 1, kMax / 2, int64_t(1) << 62}) {
    CAPTURE(T_max);
    xg::Tensor p = xg::zeros({1}, xg::requires_grad());
    optim::SGD sgd({p}, optim::SGDOptions(1.0));
    optim::CosineAnnealingLR schedule(sgd, T_max, 0.1);
    for (int e = 0; e < 10; ++e) schedule.step();
    CHECK(sgd.lr() == doctest::Approx(1.0));
    // Through the middle of the cycle, and from the last double below T_max to past it (or to INT64_MAX):
    // where PyTorch's ratio divides by zero in double, and the restart test computed 2 * T_max.
    schedule.load_state_dict(with(schedule.state_dict(), "last_epoch", number(static_cast<double>(T_max) / 2)));
    for (int e = 0; e < 8; ++e) schedule.step();
    CHECK(sgd.lr() == doctest::Approx(1.0));  // chainable: the ratios around the middle are ~1 per epoch
    double below = std::min(std::nextafter(static_cast<double>(T_max), 0.0), kLastDoubleBelow2To63);
    schedule.load_state_dict(with(schedule.state_dict(), "last_epoch", number(below)));
    const int64_t end = T_max < kMax - 3 ? T_max + 3 : kMax;
    while (schedule.last_epoch() < end) {
      schedule.step();
      REQUIRE(std::isfinite(sgd.lr()));
      REQUIRE(sgd.lr() >= 0);
    }
    CHECK(sgd.lr() <= 1.0);
  }
  step_to_the_end([](optim::Optimizer& o) { return optim::StepLR(o, kMax, 0.5); }, kLastDoubleBelow2To63);
  step_to_the_end([](optim::Optimizer& o) { return optim::StepLR(o, 1, 1.0); }, kLastDoubleBelow2To63);
  step_to_the_end([](optim::Optimizer& o) { return optim::ExponentialLR(o, 1.0); }, kLastDoubleBelow2To63);
  step_to_the_end([](optim::Optimizer& o) { return optim::CosineAnnealingLR(o, kMax, 0.1); }, kLastDoubleBelow2To63);
  step_to_the_end([](optim::Optimizer& o) { return optim::CosineAnnealingLR(o, 3, 0.1); }, kLastDoubleBelow2To63);
  step_to_the_end([](optim::Optimizer& o) { return optim::LambdaLR(o, [](int64_t) { return 0.5; }); }, kLastDoubleBelow2To63);
  step_to_the_end([](optim::Optimizer& o) { return optim::LinearLR(o, 0.5, 1.0, kMax); }, kLastDoubleBelow2To63);
  step_to_the_end([](optim::Optimizer& o) { return optim::LinearLR(o, 1.0, 0.0, kMax); }, kLastDoubleBelow2To63);

  // LinearLR with total_iters = INT64_MAX near its end: the chainable factor 1 + 0.5 / ~2^63 per epoch
  // leaves the lr where it was (the old double denominator could cancel to 0 here).
  xg::Tensor p = xg::zeros({1}, xg::requires_grad());
  optim::SGD sgd({p}, optim::SGDOptions(1.0));
  optim::LinearLR warmup(sgd, 0.5, 1.0, kMax);
  xg::StateDict state = warmup.state_dict();
  state = with(state, "last_epoch", number(kLastDoubleBelow2To63));
  state = with(state, "last_lr.0", number(0.75));
  warmup.load_state_dict(state);
  sgd.set_lr(0.75);
  while (warmup.last_epoch() < kMax) warmup.step();
  CHECK(sgd.lr() == doctest::Approx(0.75).epsilon(1e-12));
}

TEST_CASE("scheduler load_state_dict refuses every out-of-range field and leaves everything bit-identical") {
  xg::Tensor a = xg::zeros({1}, xg::requires_grad()), b = xg::zeros({1}, xg::requires_grad());
  optim::SGD sgd({a}, optim::SGDOptions(1.0));
  sgd.add_param_group({b}, optim::SGDOptions(0.5));
  optim::CosineAnnealingLR schedule(sgd, 10, 0.1);
  for (int e = 0; e < 4; ++e) schedule.step();
  const xg::StateDict good = schedule.state_dict();
  const Snapshot before = snapshot(good);
  const std::vector<double> lrs = {sgd.group_lr(0), sgd.group_lr(1)};
  auto refused = [&](const xg::StateDict& bad, const char* fragment) {
    CAPTURE(fragment);
    CHECK_THROWS_WITH_AS(schedule.load_state_dict(bad), doctest::Contains(fragment), std::invalid_argument);
    CHECK(snapshot(schedule.state_dict()) == before);
    CHECK(schedule.last_epoch() == 4);
    CHECK(sgd.group_lr(0) == lrs[0]);
    CHECK(sgd.group_lr(1) == lrs[1]);
  };
  for (double epoch : {kNan, kInf, -kInf, -1.0, 1.5, 1e300, 9223372036854775808.0, -9223372036854775808.0})
    refused(with(good, "last_epoch", number(epoch)), "CosineAnnealingLR state: 'last_epoch' must be an integer in [0, 9223372036854775807]");
  for (const char* key : {"base_lr.0", "last_lr.1"})
    for (double lr : {kNan, kInf, -0.5}) refused(with(good, key, number(lr)), "(must be a finite number >= 0)");
  refused(with(good, "last_epoch", xg::tensor({4.0}, xg::dtype(xg::kFloat64))), "'last_epoch' must be a float64 scalar");
  refused(with(good, "last_epoch", xg::scalar_tensor(4.0)), "'last_epoch' must be a float64 scalar, got shape [] (float32)");
  refused(with(good, "base_lr.1", xg::Tensor()), "CosineAnnealingLR state: missing 'base_lr.1'");
  refused(without(good, "last_epoch"), "missing 'last_epoch'");
  refused(without(good, "last_lr.1"), "missing 'last_lr.1'");
  refused(without(without(good, "base_lr.0"), "last_lr.0"), "unexpected entry 'base_lr.1'");
  refused(with(good, "surprise", number(1)), "unexpected entry 'surprise'");
  refused(with(good, "base_lr.2", number(1)), "has learning rates for more groups");
  xg::StateDict twice = good;
  twice.push_back(good[0]);
  refused(twice, "entry 'last_epoch' appears twice");
  schedule.load_state_dict(good);
  CHECK(snapshot(schedule.state_dict()) == before);
}

namespace {
// An optimizer of each kind with state for both parameters, after two steps.
struct Trained {
  xg::Tensor a = xg::tensor({1.0, 2.0}, xg::requires_grad());
  xg::Tensor b = xg::tensor({-1.0, 0.5, 3.0}, xg::requires_grad());
  std::unique_ptr<optim::Optimizer> optimizer;
  explicit Trained(const Kind& kind) {
    optimizer = kind.make({a, b});
    for (int i = 0; i < 2; ++i) {
      a.mutable_grad() = xg::tensor({0.5, -0.25});
      b.mutable_grad() = xg::tensor({0.1, 0.2, -0.3});
      optimizer->step();
    }
  }
};
}  // namespace

TEST_CASE("optimizer load_state_dict refuses every out-of-range field and leaves everything bit-identical") {
  for (const Kind& kind : kinds()) {
    CAPTURE(kind.name);
    Trained trained(kind);
    optim::Optimizer& optimizer = *trained.optimizer;
    const xg::StateDict good = optimizer.state_dict();
    const Snapshot before = snapshot(good);
    const Snapshot params = snapshot(std::vector<xg::Tensor>{trained.a, trained.b});
    const std::string owner = std::string(kind.name) + " state: ";
    auto refused = [&](const xg::StateDict& bad, const std::string& fragment) {
      CAPTURE(fragment);
      CHECK_THROWS_WITH_AS(optimizer.load_state_dict(bad), doctest::Contains(fragment.c_str()), std::invalid_argument);
      CHECK(snapshot(optimizer.state_dict()) == before);
      CHECK(snapshot(std::vector<xg::Tensor>{trained.a, trained.b}) == params);
    };
    for (double lr : {kNan, kInf, -0.1}) refused(with(good, "group.0.lr", number(lr)), owner + "invalid learning rate");
    refused(with(good, "group.0.lr", xg::scalar_tensor(0.1)), owner + "'group.0.lr' must be a float64 scalar");
    refused(with(good, "group.0.lr", xg::tensor({0.1, 0.2}, xg::dtype(xg::kFloat64))), "must be a float64 scalar");
    refused(without(good, "group.0.lr"), owner + "missing 'group.0.lr'");
    refused(with(good, "group.1.lr", number(0.1)), owner + "unexpected entry 'group.1.lr'");
    refused(with(good, "state.2.step", number(1)), owner + "unexpected entry 'state.2.step'");
    refused(with(good, "bogus", number(1)), owner + "unexpected entry 'bogus'");
    xg::StateDict twice = good;
    twice.push_back(good.back());
    refused(twice, "appears twice");
    const std::string tensor_field = kind.tensor_field;
    const std::string key = "state.1." + tensor_field;
    refused(with(good, key, xg::zeros({2})), owner + "'" + key + "' has shape [2] (float32), expected [3] (float32)");
    refused(with(good, key, xg::zeros({3}, xg::dtype(xg::kFloat64))), "(float64), expected [3] (float32)");
    refused(with(good, key, xg::scalar_tensor(0)), "has shape []");
    refused(with(good, key, xg::Tensor()), owner + "missing '" + key + "'");
    if (kind.step_min < 0) continue;
    const std::string range = "[" + std::to_string(kind.step_min) + ", 9223372036854775807]";
    for (double step : {kNan, kInf, -kInf, -1.0, 1.5, 1e300, 9223372036854775808.0})
      refused(with(good, "state.0.step", number(step)), owner + "'state.0.step' must be an integer in " + range);
    if (kind.step_min == 1)
      refused(with(good, "state.0.step", number(0)), owner + "'state.0.step' must be an integer in " + range);
    refused(with(good, "state.0.step", xg::scalar_tensor(2)), "must be a float64 scalar");
    const std::string required = std::string("state.0.") + kind.non_negative[0];
    refused(without(good, required), owner + "missing '" + required + "'");
    for (const char* field : kind.non_negative) {
      const std::string name = std::string("state.1.") + field;
      for (double square : {-1.0, -kInf}) refused(with(good, name, xg::tensor({0.1, square, 0.2})), "'" + name + "' has the value");
      refused(with(good, std::string("state.0.") + field, xg::zeros({3})), "expected [2]");
    }
    // Moments without a step count.
    refused(without(good, "state.1.step"), "without 'state.1.step'");
    optimizer.load_state_dict(good);
    CHECK(snapshot(optimizer.state_dict()) == before);
  }
}

TEST_CASE("every optimizer with a step count: INT64_MAX cannot be passed") {
  for (const Kind& kind : kinds()) {
    if (kind.step_min < 0) continue;
    CAPTURE(kind.name);
    Trained trained(kind);
    optim::Optimizer& optimizer = *trained.optimizer;
    xg::StateDict state = optimizer.state_dict();
    optimizer.load_state_dict(with(with(state, "state.0.step", number(kLastDoubleBelow2To63)), "state.1.step",
                                   number(kLastDoubleBelow2To63)));
    for (int i = 0; i < 1023; ++i) optimizer.step();  // to INT64_MAX exactly: 2^63 - 1024 + 1023
    CHECK(std::isfinite(trained.a.to_vector<double>()[0]));
    const Snapshot params = snapshot(std::vector<xg::Tensor>{trained.a, trained.b});
    const Snapshot before = snapshot(optimizer.state_dict());
    CHECK_THROWS_WITH_AS(optimizer.step(), doctest::Contains((std::string(kind.name) + ".step: the step count would pass INT64_MAX").c_str()),
                         std::overflow_error);
    CHECK(snapshot(std::vector<xg::Tensor>{trained.a, trained.b}) == params);
    CHECK(snapshot(optimizer.state_dict()) == before);
  }
}

TEST_CASE("optimizer state loads into a fresh optimizer; a state without a parameter's entries clears its state") {
  for (const Kind& kind : kinds()) {
    CAPTURE(kind.name);
    Trained trained(kind);
    Trained copy(kind);
    copy.optimizer->load_state_dict(trained.optimizer->state_dict());
    CHECK(snapshot(copy.optimizer->state_dict()) == snapshot(trained.optimizer->state_dict()));
    // A state with no entry for a parameter (it never had a gradient) clears that parameter's state.
    xg::StateDict partial;
    for (auto& entry : trained.optimizer->state_dict())
      if (entry.first.rfind("state.1.", 0) != 0) partial.push_back(entry);
    copy.optimizer->load_state_dict(partial);
    CHECK(snapshot(copy.optimizer->state_dict()) == snapshot(partial));
  }
}

TEST_CASE("a scheduler whose optimizer lost param groups (erased through param_groups()) refuses to step") {
  xg::Tensor a = xg::zeros({1}, xg::requires_grad()), b = xg::zeros({1}, xg::requires_grad());
  optim::SGD sgd({a}, optim::SGDOptions(1.0));
  sgd.add_param_group({b}, optim::SGDOptions(0.5));
  optim::LambdaLR schedule(sgd, [](int64_t t) { return 1.0 / (1 + t); });
  sgd.param_groups().pop_back();
  CHECK_THROWS_WITH_AS(schedule.step(), doctest::Contains("LambdaLR.step: the optimizer has 1 param groups, fewer than the 2"),
                       std::invalid_argument);
  CHECK(schedule.last_epoch() == 0);
  CHECK(sgd.lr() == 1.0);
  // The optimizer itself copes: its state follows the remaining parameters.
  a.mutable_grad() = xg::ones({1});
  b.mutable_grad() = xg::ones({1});
  sgd.step();
  check_values(a, {-1});
  check_values(b, {0});
}

TEST_CASE("the state of a diverged run (NaN and infinite moments) saves and loads back") {
  for (const Kind& kind : kinds()) {
    CAPTURE(kind.name);
    Trained trained(kind);
    trained.a.mutable_grad() = xg::tensor({kNan, kInf});
    trained.optimizer->step();
    xg::StateDict state = trained.optimizer->state_dict();
    Trained other(kind);
    other.optimizer->load_state_dict(state);
    CHECK(snapshot(other.optimizer->state_dict()) == snapshot(state));
  }
}
