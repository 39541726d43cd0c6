// The schedulers added with the zoo under misuse: every invalid option, momentum cycling on optimizers
// without momentum or past what they accept, groups added later, stepping past the end, composites built
// wrong, and state dicts with fields out of range. Each failure is a clear exception that leaves the
// scheduler and the optimizer as they were.
#include <cmath>
#include <functional>
#include <memory>
#include <string>

#include "helpers.hpp"
#include "state_helpers.hpp"

namespace optim = xg::optim;

namespace {
// Learning rates and momenta of every group, exactly.
std::vector<double> settings(const optim::Optimizer& optimizer) {
  std::vector<double> out;
  for (size_t g = 0; g < optimizer.num_param_groups(); ++g) {
    out.push_back(optimizer.group_lr(g));
    if (optimizer.has_momentum()) out.push_back(optimizer.group_momentum(g));
  }
  return out;
}

template <class Make>
void refuses(optim::Optimizer& optimizer, Make make, const std::string& fragment) {
  CAPTURE(fragment);
  const std::vector<double> before = settings(optimizer);
  CHECK_THROWS_WITH_AS(make(), doctest::Contains(fragment.c_str()), std::invalid_argument);
  CHECK(settings(optimizer) == before);  // a failed constructor did not touch the optimizer
}
}  // namespace

TEST_CASE("every invalid option of the new schedulers is refused at construction, naming it") {
  xg::Tensor p = xg::ones({1}, xg::requires_grad());
  optim::SGD sgd({p}, optim::SGDOptions(1.0).momentum(0.9));
  refuses(sgd, [&] { optim::MultiStepLR(sgd, {3, -1}); }, "MultiStepLR: invalid milestone -1");
  refuses(sgd, [&] { optim::MultiStepLR(sgd, {3}, kNan); }, "MultiStepLR: invalid gamma nan");
  for (double factor : {0.0, -0.5, 1.5, kNan}) refuses(sgd, [&] { optim::ConstantLR(sgd, factor); }, "ConstantLR: invalid factor");
  refuses(sgd, [&] { optim::ConstantLR(sgd, 0.5, 0); }, "ConstantLR: invalid total_iters 0");
  refuses(sgd, [&] { optim::PolynomialLR(sgd, 0); }, "PolynomialLR: invalid total_iters 0");
  for (double power : {-1.0, kNan, kInf}) refuses(sgd, [&] { optim::PolynomialLR(sgd, 5, power); }, "PolynomialLR: invalid power");
  refuses(sgd, [&] { optim::MultiplicativeLR(sgd, nullptr); }, "MultiplicativeLR: the factor function is empty");
  refuses(sgd, [&] { optim::MultiplicativeLR(sgd, std::vector<optim::MultiplicativeLR::Factor>{}); },
          "MultiplicativeLR: expected 1 or 1 factor functions, got 0");
  refuses(sgd, [&] { optim::MultiplicativeLR(sgd, [](int64_t e) { return e == 0 ? 1.0 : -1.0; }).step(); },
          "MultiplicativeLR: the factor function returned -1 for epoch 1");
  refuses(sgd, [&] { optim::LambdaLR(sgd, std::vector<optim::LambdaLR::Factor>(3, [](int64_t) { return 1.0; })); },
          "LambdaLR: expected 1 or 1 factor functions, got 3");
  refuses(sgd, [&] { optim::CosineAnnealingWarmRestarts(sgd, 0); }, "CosineAnnealingWarmRestarts: invalid T_0 0");
  refuses(sgd, [&] { optim::CosineAnnealingWarmRestarts(sgd, 5, 0); }, "CosineAnnealingWarmRestarts: invalid T_mult 0");
  refuses(sgd, [&] { optim::CosineAnnealingWarmRestarts(sgd, 5, 1, -0.1); }, "CosineAnnealingWarmRestarts: invalid eta_min");

  using optim::CyclicLROptions;
  refuses(sgd, [&] { optim::CyclicLR(sgd, CyclicLROptions(-0.1, 1.0)); }, "CyclicLR: invalid base_lr -0.1");
  refuses(sgd, [&] { optim::CyclicLR(sgd, CyclicLROptions(0.1, kInf)); }, "CyclicLR: invalid max_lr inf");
  refuses(sgd, [&] { optim::CyclicLR(sgd, CyclicLROptions({0.1, 0.2}, {1.0})); }, "CyclicLR: expected 1 or 1 values for base_lr, got 2");
  refuses(sgd, [&] { optim::CyclicLR(sgd, CyclicLROptions(0.1, 1.0).step_size_up(0)); }, "CyclicLR: invalid step_size_up 0");
  refuses(sgd, [&] { optim::CyclicLR(sgd, CyclicLROptions(0.1, 1.0).step_size_down(-2)); }, "CyclicLR: invalid step_size_down -2");
  refuses(sgd, [&] { optim::CyclicLR(sgd, CyclicLROptions(0.1, 1.0).gamma(-1)); }, "CyclicLR: invalid gamma -1");
  refuses(sgd, [&] { optim::CyclicLR(sgd, CyclicLROptions(0.1, 1.0).base_momentum(-0.5)); }, "SGD: invalid momentum value -0.5");
  refuses(sgd, [&] { optim::CyclicLR(sgd, CyclicLROptions(0.1, 1.0).max_momentum(kNan)); }, "CyclicLR: invalid max_momentum nan");

  using optim::OneCycleLROptions;
  refuses(sgd, [&] { optim::OneCycleLR(sgd, OneCycleLROptions(1.0)); },
          "OneCycleLR: you must define either total_steps OR (epochs AND steps_per_epoch)");
  refuses(sgd, [&] { optim::OneCycleLR(sgd, OneCycleLROptions(1.0, -5)); }, "OneCycleLR: invalid total_steps -5");
  refuses(sgd, [&] { optim::OneCycleLR(sgd, OneCycleLROptions(1.0).epochs(3)); }, "OneCycleLR: invalid steps_per_epoch 0");
  refuses(sgd, [&] { optim::OneCycleLR(sgd, OneCycleLROptions(1.0).epochs(kMax).steps_per_epoch(2)); }, "passes INT64_MAX");
  for (double pct : {-0.1, 1.5, kNan})
    refuses(sgd, [&] { optim::OneCycleLR(sgd, OneCycleLROptions(1.0, 100).pct_start(pct)); }, "OneCycleLR: invalid pct_start");
  refuses(sgd, [&] { optim::OneCycleLR(sgd, OneCycleLROptions(1.0, 100).div_factor(0)); }, "OneCycleLR: invalid div_factor 0");
  refuses(sgd, [&] { optim::OneCycleLR(sgd, OneCycleLROptions(1.0, 100).final_div_factor(-1)); }, "OneCycleLR: invalid final_div_factor");
  refuses(sgd, [&] { optim::OneCycleLR(sgd, OneCycleLROptions(-1.0, 100)); }, "OneCycleLR: invalid max_lr -1");
  // PyTorch divides by zero here (pct_start 0.1 of 10 steps: a first phase from step 0 to step 0).
  refuses(sgd, [&] { optim::OneCycleLR(sgd, OneCycleLROptions(1.0, 10).pct_start(0.1)); }, "leaves phase 1 without steps");

  using optim::ReduceLROnPlateau;
  for (double factor : {1.0, -0.1, kNan}) refuses(sgd, [&] { ReduceLROnPlateau(sgd, ReduceLROnPlateau::min, factor); }, "ReduceLROnPlateau: invalid factor");
  refuses(sgd, [&] { ReduceLROnPlateau(sgd, ReduceLROnPlateau::min, 0.1, -1); }, "ReduceLROnPlateau: invalid patience -1");
  refuses(sgd, [&] { ReduceLROnPlateau(sgd, ReduceLROnPlateau::min, 0.1, 10, -1e-4); }, "ReduceLROnPlateau: invalid threshold");
  refuses(sgd, [&] { ReduceLROnPlateau(sgd, ReduceLROnPlateau::min, 0.1, 10, 1e-4, ReduceLROnPlateau::rel, -2); },
          "ReduceLROnPlateau: invalid cooldown -2");
  refuses(sgd, [&] { ReduceLROnPlateau(sgd, ReduceLROnPlateau::min, 0.1, 10, 1e-4, ReduceLROnPlateau::rel, 0, -0.1); },
          "ReduceLROnPlateau: invalid min_lr -0.1");
  refuses(sgd, [&] { ReduceLROnPlateau(sgd, ReduceLROnPlateau::min, 0.1, 10, 1e-4, ReduceLROnPlateau::rel, 0, {0.1, 0.2}); },
          "ReduceLROnPlateau: expected 1 or 1 values for min_lr, got 2");
  refuses(sgd, [&] { ReduceLROnPlateau(sgd, ReduceLROnPlateau::max, 0.1, 10, 1e-4, ReduceLROnPlateau::abs, 0, 0.0, kNan); },
          "ReduceLROnPlateau: invalid eps nan");
  refuses(sgd, [&] { ReduceLROnPlateau(sgd, static_cast<ReduceLROnPlateau::SchedulerMode>(7)); }, "ReduceLROnPlateau: invalid mode 7");
}

TEST_CASE("momentum cycling: an optimizer without momentum, and momenta the optimizer refuses") {
  xg::Tensor p = xg::ones({1}, xg::requires_grad());
  optim::Adagrad adagrad({p}, optim::AdagradOptions(0.1));
  refuses(adagrad, [&] { optim::CyclicLR(adagrad, optim::CyclicLROptions(0.1, 1.0)); },
          "CyclicLR: optimizer must support momentum with `cycle_momentum` option enabled (Adagrad has neither momentum nor betas)");
  refuses(adagrad, [&] { optim::OneCycleLR(adagrad, optim::OneCycleLROptions(1.0, 10)); },
          "OneCycleLR: optimizer must support momentum");
  CHECK_NOTHROW(optim::OneCycleLR(adagrad, optim::OneCycleLROptions(1.0, 10).cycle_momentum(false)));
  // A beta1 of 1 would make Adam divide by zero.
  optim::Adam adam({p}, optim::AdamOptions(0.1));
  refuses(adam, [&] { optim::OneCycleLR(adam, optim::OneCycleLROptions(1.0, 10).max_momentum(1.0)); },
          "Adam: invalid beta parameter at index 0: 1");
  // CyclicLR cycles beta1 of the Adam family (as PyTorch 2.x; torch 1.13 refused Adam), the same values it
  // gives SGD's momentum.
  optim::SGD sgd({xg::ones({1}, xg::requires_grad())}, optim::SGDOptions(0.1).momentum(0.5));
  optim::CyclicLR on_adam(adam, optim::CyclicLROptions(0.01, 0.1).step_size_up(3));
  optim::CyclicLR on_sgd(sgd, optim::CyclicLROptions(0.01, 0.1).step_size_up(3));
  for (int e = 0; e < 10; ++e) {
    CHECK(adam.group_momentum(0) == sgd.group_momentum(0));
    CHECK(static_cast<optim::AdamOptions&>(adam.param_groups()[0].options()).betas().second == 0.999);
    on_adam.step();
    on_sgd.step();
  }
}

TEST_CASE("groups added later: a value given once applies to them, one given per group makes step throw") {
  xg::Tensor a = xg::zeros({1}, xg::requires_grad()), b = xg::zeros({1}, xg::requires_grad());
  xg::Tensor c = xg::zeros({1}, xg::requires_grad());
  {
    optim::SGD sgd({a}, optim::SGDOptions(1.0).momentum(0.9));
    optim::CyclicLR cyclic(sgd, optim::CyclicLROptions(0.1, 1.0).step_size_up(2));
    cyclic.step();
    sgd.add_param_group({b}, optim::SGDOptions(0.3).momentum(0.9));
    cyclic.step();  // epoch 2: the top of the cycle for both
    CHECK(cyclic.get_last_lr() == std::vector<double>{1.0, 1.0});
    CHECK(sgd.group_momentum(1) == doctest::Approx(0.8));
  }
  {
    optim::SGD sgd({a}, optim::SGDOptions(1.0).momentum(0.9));
    sgd.add_param_group({b}, optim::SGDOptions(0.5).momentum(0.9));
    optim::OneCycleLR one_cycle(sgd, optim::OneCycleLROptions({1.0, 0.5}, 20));
    sgd.add_param_group({c}, optim::SGDOptions(0.5).momentum(0.9));
    const std::vector<double> before = settings(sgd);
    const Snapshot state = snapshot(one_cycle.state_dict());
    CHECK_THROWS_WITH_AS(one_cycle.step(), doctest::Contains("OneCycleLR.step: max_lr has 2 values (one per group), but the optimizer now has a group 2"),
                         std::invalid_argument);
    CHECK(settings(sgd) == before);
    CHECK(snapshot(one_cycle.state_dict()) == state);
  }
  {
    optim::SGD sgd({a}, optim::SGDOptions(1.0));
    optim::ReduceLROnPlateau plateau(sgd, optim::ReduceLROnPlateau::min, 0.5, 0, 0, optim::ReduceLROnPlateau::abs, 0, 0.2);
    plateau.step(1.0);
    sgd.add_param_group({b}, optim::SGDOptions(0.3));
    plateau.step(2.0);  // worse: both groups halve, group 1 down to its min_lr 0.2
    CHECK(plateau.get_last_lr() == std::vector<double>{0.5, 0.2});
  }
  // Every new scheduler adopts a group added later, and loads a state of another size as the others do.
  auto each = [&](auto make) {
    xg::Tensor x = xg::zeros({1}, xg::requires_grad()), y = xg::zeros({1}, xg::requires_grad());
    optim::SGD sgd({x}, optim::SGDOptions(1.0).momentum(0.9));
    auto schedule = make(sgd);
    CAPTURE(schedule.name());
    schedule.step();
    sgd.add_param_group({y}, optim::SGDOptions(0.5).momentum(0.9));
    schedule.step();
    CHECK(schedule.get_last_lr().size() == 2);
    CHECK(std::isfinite(sgd.group_lr(1)));
    CHECK(sgd.param_groups()[1].initial_lr().has_value());
  };
  each([](optim::Optimizer& o) { return optim::MultiStepLR(o, {1, 2}, 0.5); });
  each([](optim::Optimizer& o) { return optim::ConstantLR(o, 0.5, 3); });
  each([](optim::Optimizer& o) { return optim::MultiplicativeLR(o, [](int64_t) { return 0.9; }); });
  each([](optim::Optimizer& o) { return optim::PolynomialLR(o, 4, 2.0); });
  each([](optim::Optimizer& o) { return optim::CosineAnnealingWarmRestarts(o, 2, 2, 0.01); });
  each([](optim::Optimizer& o) { return optim::CyclicLR(o, optim::CyclicLROptions(0.1, 1.0).step_size_up(3)); });
  each([](optim::Optimizer& o) { return optim::OneCycleLR(o, optim::OneCycleLROptions(1.0, 10)); });
}

TEST_CASE("OneCycleLR stepped past total_steps throws std::out_of_range and changes nothing") {
  xg::Tensor p = xg::zeros({1}, xg::requires_grad());
  optim::SGD sgd({p}, optim::SGDOptions(1.0).momentum(0.9));
  optim::OneCycleLR schedule(sgd, optim::OneCycleLROptions(1.0, 5));
  for (int e = 0; e < 5; ++e) schedule.step();  // last_epoch 5 = total_steps: allowed, as PyTorch
  const std::vector<double> before = settings(sgd);
  CHECK_THROWS_WITH_AS(schedule.step(), doctest::Contains("OneCycleLR.step: tried to step 7 times. The specified number of total steps is 5"),
                       std::out_of_range);
  CHECK(schedule.last_epoch() == 5);
  CHECK(settings(sgd) == before);
}

TEST_CASE("CosineAnnealingWarmRestarts: bad epochs, T_i overflow, and state out of range") {
  xg::Tensor p = xg::zeros({1}, xg::requires_grad());
  optim::SGD sgd({p}, optim::SGDOptions(1.0));
  optim::CosineAnnealingWarmRestarts schedule(sgd, 3, 2, 0.0);
  schedule.step(2.5);
  const Snapshot before = snapshot(schedule.state_dict());
  const double lr = sgd.lr();
  for (double epoch : {-1.0, kNan, kInf, 1e19})
    CHECK_THROWS_WITH_AS(schedule.step(epoch), doctest::Contains("CosineAnnealingWarmRestarts.step: expected an epoch in [0, 2^63)"),
                         std::invalid_argument);
  CHECK(snapshot(schedule.state_dict()) == before);
  CHECK(sgd.lr() == lr);
  schedule.step(9.2e18);  // far: T_i = 3 * 2^61
  CHECK(schedule.T_i() == 3 * (int64_t(1) << 61));
  CHECK(std::isfinite(sgd.lr()));
  CHECK(schedule.last_epoch() == 9200000000000000000);
  // With T_mult 1000, T_i grows about 1000 times faster than the epoch and passes int64 first.
  optim::SGD fast_sgd({xg::zeros({1}, xg::requires_grad())}, optim::SGDOptions(1.0));
  optim::CosineAnnealingWarmRestarts fast(fast_sgd, 3, 1000);
  const Snapshot fast_before = snapshot(fast.state_dict());
  CHECK_THROWS_WITH_AS(fast.step(5e18), doctest::Contains("T_i would pass INT64_MAX"), std::overflow_error);
  CHECK(snapshot(fast.state_dict()) == fast_before);

  const xg::StateDict good = schedule.state_dict();
  const Snapshot now = snapshot(good);
  auto refused = [&](const xg::StateDict& bad, const char* fragment) {
    CAPTURE(fragment);
    CHECK_THROWS_WITH_AS(schedule.load_state_dict(bad), doctest::Contains(fragment), std::invalid_argument);
    CHECK(snapshot(schedule.state_dict()) == now);
  };
  for (double T_i : {0.0, -3.0, 2.5, kNan}) refused(with(good, "T_i", number(T_i)), "CosineAnnealingWarmRestarts state: 'T_i' must be an integer in [1, ");
  for (double T_cur : {kNan, kInf}) refused(with(good, "T_cur", number(T_cur)), "'T_cur' is");
  refused(without(good, "T_cur"), "missing 'T_cur'");
  refused(with(good, "T_extra", number(1)), "unexpected entry 'T_extra'");
}

TEST_CASE("ReduceLROnPlateau: step() without a metric, NaN metrics, and state out of range") {
  xg::Tensor p = xg::zeros({1}, xg::requires_grad());
  optim::SGD sgd({p}, optim::SGDOptions(1.0));
  optim::ReduceLROnPlateau plateau(sgd, optim::ReduceLROnPlateau::min, 0.5, 1);
  optim::LRScheduler& base = plateau;
  CHECK_THROWS_WITH_AS(base.step(), doctest::Contains("ReduceLROnPlateau.step: needs the metric"), std::logic_error);
  CHECK(plateau.last_epoch() == 0);
  for (double metric : {kNan, kNan, kNan}) plateau.step(metric);  // never an improvement, as in PyTorch
  CHECK(sgd.lr() == 0.5);
  CHECK(plateau.best() == kInf);
  const xg::StateDict good = plateau.state_dict();
  const Snapshot before = snapshot(good);
  auto refused = [&](const xg::StateDict& bad, const char* fragment) {
    CAPTURE(fragment);
    CHECK_THROWS_WITH_AS(plateau.load_state_dict(bad), doctest::Contains(fragment), std::invalid_argument);
    CHECK(snapshot(plateau.state_dict()) == before);
  };
  refused(with(good, "best", number(kNan)), "ReduceLROnPlateau state: 'best' is nan");
  for (double count : {-1.0, 0.5, kInf}) {
    refused(with(good, "num_bad_epochs", number(count)), "'num_bad_epochs' must be an integer in [0, ");
    refused(with(good, "cooldown_counter", number(count)), "'cooldown_counter' must be an integer in [0, ");
  }
  refused(with(good, "last_lr.0", number(-1)), "'last_lr.0' is -1");
  refused(with(good, "last_lr.1", number(0.1)), "has learning rates for more groups");
  refused(with(good, "base_lr.0", number(0.1)), "unexpected entry 'base_lr.0'");
  plateau.load_state_dict(good);
  CHECK(snapshot(plateau.state_dict()) == before);
}

TEST_CASE("SequentialLR and ChainedScheduler refuse wrong children and restore everything when a load fails") {
  xg::Tensor p = xg::zeros({1}, xg::requires_grad());
  optim::SGD sgd({p}, optim::SGDOptions(1.0));
  optim::SGD other({xg::zeros({1}, xg::requires_grad())}, optim::SGDOptions(1.0));
  optim::LinearLR warmup(sgd, 0.1, 1.0, 5);
  optim::ExponentialLR decay(sgd, 0.9);
  optim::ExponentialLR elsewhere(other, 0.9);
  optim::ReduceLROnPlateau plateau(sgd);
  refuses(sgd, [&] { optim::SequentialLR(sgd, {}, {}); }, "SequentialLR: needs at least one scheduler");
  refuses(sgd, [&] { optim::SequentialLR(sgd, {warmup, elsewhere}, {5}); }, "got schedulers at index 1 to be different");
  refuses(sgd, [&] { optim::SequentialLR(sgd, {warmup, decay}, {5, 9}); }, "one more than the number of milestone points");
  refuses(sgd, [&] { optim::SequentialLR(sgd, {warmup, decay}, {0}); }, "SequentialLR: invalid milestone 0 0");
  refuses(sgd, [&] { optim::SequentialLR(sgd, {warmup, decay, warmup}, {5, 5}); }, "invalid milestone 1 5");
  refuses(sgd, [&] { optim::SequentialLR(sgd, {warmup, plateau}, {5}); }, "scheduler 1 is a ReduceLROnPlateau");
  refuses(sgd, [&] { optim::ChainedScheduler({}); }, "ChainedScheduler: needs at least one scheduler");
  refuses(sgd, [&] { optim::ChainedScheduler({warmup, elsewhere}); }, "schedulers at index 0 and 1 to be different");
  refuses(sgd, [&] { optim::ChainedScheduler({warmup, plateau}); }, "scheduler 1 is a ReduceLROnPlateau");

  optim::SequentialLR sequence(sgd, {warmup, decay}, {5});
  for (int e = 0; e < 3; ++e) sequence.step();
  CHECK(decay.last_epoch() == -1);  // waits for its milestone
  const xg::StateDict good = sequence.state_dict();
  const Snapshot before = snapshot(good), warmup_before = snapshot(warmup.state_dict());
  auto refused = [&](const xg::StateDict& bad, const char* fragment) {
    CAPTURE(fragment);
    CHECK_THROWS_WITH_AS(sequence.load_state_dict(bad), doctest::Contains(fragment), std::invalid_argument);
    CHECK(snapshot(sequence.state_dict()) == before);
    CHECK(snapshot(warmup.state_dict()) == warmup_before);
    CHECK(decay.last_epoch() == -1);
  };
  // The second child's bad entry is found after the first child loaded: the first is put back.
  refused(with(good, "schedulers.1.base_lr.0", number(-1)), "ExponentialLR state: 'base_lr.0' is -1");
  refused(with(good, "schedulers.2.last_epoch", number(1)), "SequentialLR state: unexpected entry 'schedulers.2.last_epoch'");
  refused(with(good, "last_epoch", number(-1)), "SequentialLR state: 'last_epoch' must be an integer");
  refused(without(good, "schedulers.0.last_epoch"), "LinearLR state: missing 'last_epoch'");
  sequence.load_state_dict(good);
  for (int e = 3; e < 8; ++e) sequence.step();
  CHECK(decay.last_epoch() == 3);  // restarted at epoch 5

  // A child whose step fails midway in a ChainedScheduler: the earlier children are put back.
  xg::Tensor q = xg::zeros({1}, xg::requires_grad());
  optim::SGD chained_sgd({q}, optim::SGDOptions(1.0));
  optim::ExponentialLR first(chained_sgd, 0.5);
  optim::LambdaLR second(chained_sgd, [](int64_t e) { return e < 2 ? 1.0 : kNan; });
  optim::ChainedScheduler chain({first, second});
  chain.step();
  const std::vector<double> lrs = settings(chained_sgd);
  const Snapshot chain_before = snapshot(chain.state_dict());
  CHECK_THROWS_WITH_AS(chain.step(), doctest::Contains("LambdaLR: the factor function returned nan for epoch 2"), std::invalid_argument);
  CHECK(settings(chained_sgd) == lrs);
  CHECK(snapshot(chain.state_dict()) == chain_before);
  CHECK(first.last_epoch() == 1);
}

TEST_CASE("the new schedulers step to last_epoch INT64_MAX without overflow, then refuse to pass it") {
  auto to_the_end = [](auto make) {
    xg::Tensor p = xg::zeros({1}, xg::requires_grad());
    optim::SGD sgd({p}, optim::SGDOptions(1.0).momentum(0.9));
    auto schedule = make(sgd);
    CAPTURE(schedule.name());
    for (int e = 0; e < 5; ++e) schedule.step();
    schedule.load_state_dict(with(schedule.state_dict(), "last_epoch", number(kLastDoubleBelow2To63)));
    while (schedule.last_epoch() < kMax) {
      schedule.step();
      REQUIRE(std::isfinite(sgd.lr()));
      REQUIRE(sgd.lr() >= 0);
    }
    const double lr = sgd.lr();
    CHECK_THROWS_WITH_AS(schedule.step(), doctest::Contains("last_epoch would pass INT64_MAX"), std::overflow_error);
    CHECK(sgd.lr() == lr);
  };
  to_the_end([](optim::Optimizer& o) { return optim::MultiStepLR(o, {3, kMax}, 0.5); });
  to_the_end([](optim::Optimizer& o) { return optim::ConstantLR(o, 0.5, kMax); });
  to_the_end([](optim::Optimizer& o) { return optim::MultiplicativeLR(o, [](int64_t) { return 1.0; }); });
  to_the_end([](optim::Optimizer& o) { return optim::PolynomialLR(o, kMax, 1.0); });
  to_the_end([](optim::Optimizer& o) { return optim::CyclicLR(o, optim::CyclicLROptions(0.1, 1.0).step_size_up(kMax / 4)); });
  to_the_end([](optim::Optimizer& o) { return optim::CosineAnnealingWarmRestarts(o, 7); });
}
