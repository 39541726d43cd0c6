// Every scheduler against torch 1.13's lr (and momentum) sequences over 64 epochs, to 1e-12 (measured: every
// value equal to the last bit, LinearLR's reworded denominator included): the numbers are
// in torch_values.hpp, written by tests/optim/reference_zoo.py (SCHEDULERS, same names, same arguments);
// then each scheduler resumed from state_dict() mid-run continues bit-identically.
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>

#include "helpers.hpp"
#include "torch_values.hpp"

namespace optim = xg::optim;

namespace {
constexpr int kEpochs = 64;

// Two groups: lr 1.0 and 0.5 (reference_zoo.py's sgd() and adam()).
std::unique_ptr<optim::Optimizer> sgd(double momentum = 0) {
  std::vector<optim::OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<xg::Tensor>{xg::zeros({1}, xg::requires_grad())});
  groups.emplace_back(std::vector<xg::Tensor>{xg::zeros({1}, xg::requires_grad())},
                      std::make_unique<optim::SGDOptions>(optim::SGDOptions(0.5).momentum(momentum)));
  return std::make_unique<optim::SGD>(groups, optim::SGDOptions(1.0).momentum(momentum));
}
std::unique_ptr<optim::Optimizer> adam() {
  std::vector<optim::OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<xg::Tensor>{xg::zeros({1}, xg::requires_grad())});
  groups.emplace_back(std::vector<xg::Tensor>{xg::zeros({1}, xg::requires_grad())},
                      std::make_unique<optim::AdamOptions>(optim::AdamOptions(0.5)));
  return std::make_unique<optim::Adam>(groups, optim::AdamOptions(1.0));
}

// The schedulers of one case, children first, the stepped one last.
using Built = std::vector<std::unique_ptr<optim::LRScheduler>>;
using Build = std::function<void(optim::Optimizer&, Built&)>;
template <class Scheduler, class... Args>
Build one(Args... args) {
  return [=](optim::Optimizer& o, Built& built) { built.push_back(std::make_unique<Scheduler>(o, args...)); };
}
Build sequential(std::vector<Build> children, std::vector<int64_t> milestones) {
  return [=](optim::Optimizer& o, Built& built) {
    std::vector<std::reference_wrapper<optim::LRScheduler>> refs;
    for (const Build& child : children) {
      child(o, built);
      refs.push_back(*built.back());
    }
    built.push_back(std::make_unique<optim::SequentialLR>(o, refs, milestones));
  };
}
Build chained(std::vector<Build> children) {
  return [=](optim::Optimizer& o, Built& built) {
    std::vector<std::reference_wrapper<optim::LRScheduler>> refs;
    for (const Build& child : children) {
      child(o, built);
      refs.push_back(*built.back());
    }
    built.push_back(std::make_unique<optim::ChainedScheduler>(refs));
  };
}

double plateau_metric(int e) {
  const double base[] = {10, 9, 8, 8, 8, 8, 8, 7.9999, 7.9995, 7.99, 7.5, 7.5, 7.5, 7.5, 7.5, 7.5, 7.2, 7.2, 7.2, 7.2};
  return e < 20 ? base[e] : 7.2 - 0.001 * (e % 7) + (e % 11 == 0 ? 0.5 : 0.0);
}
double cawr_fractional(int e) { return e < 40 ? e / 4.0 + 0.25 : e == 40 ? 26 : 26 + (e - 40) * 0.5; }

struct Case {
  std::string name;
  std::function<std::unique_ptr<optim::Optimizer>()> optimizer;
  Build build;
  std::function<void(optim::LRScheduler&, int epoch)> step = [](optim::LRScheduler& s, int) { s.step(); };
  bool momentum = false;
};

std::vector<Case> cases() {
  using optim::ReduceLROnPlateau;
  auto metric = [](double sign) {
    return [sign](optim::LRScheduler& s, int e) { static_cast<ReduceLROnPlateau&>(s).step(sign * plateau_metric(e)); };
  };
  auto fractional = [](optim::LRScheduler& s, int e) {
    static_cast<optim::CosineAnnealingWarmRestarts&>(s).step(cawr_fractional(e));
  };
  auto plain = [] { return sgd(); };
  auto with_momentum = [] { return sgd(0.9); };
  using F = std::function<double(int64_t)>;
  return {
      {"StepLR", plain, one<optim::StepLR>(int64_t(7), 0.5)},
      {"MultiStepLR", plain, one<optim::MultiStepLR>(std::vector<int64_t>{5, 12, 12, 30, 45}, 0.5)},
      {"ConstantLR", plain, one<optim::ConstantLR>(0.25, int64_t(7))},
      {"LinearLR", plain, one<optim::LinearLR>(0.2, 0.9, int64_t(20))},
      {"ExponentialLR", plain, one<optim::ExponentialLR>(0.95)},
      {"CosineAnnealingLR", plain, one<optim::CosineAnnealingLR>(int64_t(15), 0.05)},
      {"LambdaLR", plain, one<optim::LambdaLR>(F([](int64_t e) { return 1.0 / (1 + 0.1 * static_cast<double>(e)); }))},
      {"MultiplicativeLR", plain, one<optim::MultiplicativeLR>(F([](int64_t e) { return e % 3 ? 0.97 : 0.9; }))},
      {"PolynomialLR", plain, one<optim::PolynomialLR>(int64_t(40), 2.0)},
      {"PolynomialLR sqrt", plain, one<optim::PolynomialLR>(int64_t(30), 0.5)},
      {"CosineAnnealingWarmRestarts", plain, one<optim::CosineAnnealingWarmRestarts>(int64_t(10), int64_t(1), 0.01)},
      {"CosineAnnealingWarmRestarts T_mult 2", plain, one<optim::CosineAnnealingWarmRestarts>(int64_t(3), int64_t(2), 0.001)},
      {"CosineAnnealingWarmRestarts fractional", plain, one<optim::CosineAnnealingWarmRestarts>(int64_t(5), int64_t(2), 0.01),
       fractional},
      {"CosineAnnealingWarmRestarts fractional T_mult 1", plain,
       one<optim::CosineAnnealingWarmRestarts>(int64_t(4), int64_t(1), 0.0), fractional},
      {"CyclicLR triangular", with_momentum, one<optim::CyclicLR>(optim::CyclicLROptions({0.1, 0.05}, {1.0, 0.4}).step_size_up(5)),
       [](optim::LRScheduler& s, int) { s.step(); }, true},
      {"CyclicLR triangular2", with_momentum,
       one<optim::CyclicLR>(optim::CyclicLROptions(0.1, 1.0).step_size_up(4).step_size_down(6).mode(optim::CyclicLRMode::triangular2)
                                .base_momentum(0.7).max_momentum(0.95)),
       [](optim::LRScheduler& s, int) { s.step(); }, true},
      {"CyclicLR exp_range", plain,
       one<optim::CyclicLR>(optim::CyclicLROptions(0.01, 0.5).step_size_up(3).mode(optim::CyclicLRMode::exp_range).gamma(0.97)
                                .cycle_momentum(false))},
      {"OneCycleLR", with_momentum, one<optim::OneCycleLR>(optim::OneCycleLROptions({1.0, 0.5}, kEpochs)),
       [](optim::LRScheduler& s, int) { s.step(); }, true},
      {"OneCycleLR linear", with_momentum,
       one<optim::OneCycleLR>(optim::OneCycleLROptions(0.8).epochs(8).steps_per_epoch(8).pct_start(0.25)
                                  .anneal_strategy(optim::AnnealStrategy::linear).div_factor(10).final_div_factor(100)),
       [](optim::LRScheduler& s, int) { s.step(); }, true},
      {"OneCycleLR three_phase", with_momentum,
       one<optim::OneCycleLR>(optim::OneCycleLROptions(1.0, kEpochs).three_phase(true).base_momentum(0.8).max_momentum(0.9)),
       [](optim::LRScheduler& s, int) { s.step(); }, true},
      {"OneCycleLR adam betas", adam, one<optim::OneCycleLR>(optim::OneCycleLROptions({0.01, 0.02}, kEpochs)),
       [](optim::LRScheduler& s, int) { s.step(); }, true},
      {"OneCycleLR no momentum", plain,
       one<optim::OneCycleLR>(optim::OneCycleLROptions(1.0, kEpochs).cycle_momentum(false).three_phase(true)
                                  .anneal_strategy(optim::AnnealStrategy::linear))},
      {"SequentialLR warmup cosine", plain,
       sequential({one<optim::LinearLR>(0.1, 1.0, int64_t(10)), one<optim::CosineAnnealingLR>(int64_t(50), 0.01)}, {10})},
      {"SequentialLR three", plain,
       sequential({one<optim::ConstantLR>(0.5, int64_t(4)), one<optim::ExponentialLR>(0.9), one<optim::StepLR>(int64_t(5), 0.5)},
                  {6, 25})},
      {"SequentialLR restarts", plain,
       sequential({one<optim::PolynomialLR>(int64_t(10), 1.0), one<optim::CosineAnnealingWarmRestarts>(int64_t(6), int64_t(2), 0.0),
                   one<optim::MultiStepLR>(std::vector<int64_t>{3, 8}, 0.3),
                   one<optim::LambdaLR>(F([](int64_t e) { return std::pow(0.9, static_cast<double>(e)); }))},
                  {10, 30, 45})},
      {"ChainedScheduler", plain, chained({one<optim::ConstantLR>(0.1, int64_t(3)), one<optim::ExponentialLR>(0.9)})},
      {"ChainedScheduler three", plain,
       chained({one<optim::LinearLR>(0.5, 1.0, int64_t(8)), one<optim::StepLR>(int64_t(10), 0.5),
                one<optim::MultiplicativeLR>(F([](int64_t) { return 0.99; }))})},
      {"ReduceLROnPlateau min rel", plain,
       one<ReduceLROnPlateau>(ReduceLROnPlateau::min, 0.5, int64_t(2), 1e-4, ReduceLROnPlateau::rel, int64_t(0),
                              std::vector<double>{0.01, 0.2}),
       metric(1)},
      {"ReduceLROnPlateau min abs cooldown", plain,
       one<ReduceLROnPlateau>(ReduceLROnPlateau::min, 0.3, int64_t(1), 0.01, ReduceLROnPlateau::abs, int64_t(3), 0.001), metric(1)},
      {"ReduceLROnPlateau max rel", plain,
       one<ReduceLROnPlateau>(ReduceLROnPlateau::max, 0.5, int64_t(0), 0.001, ReduceLROnPlateau::rel, int64_t(2)), metric(-1)},
      {"ReduceLROnPlateau max abs eps", plain,
       one<ReduceLROnPlateau>(ReduceLROnPlateau::max, 0.9, int64_t(1), 0.05, ReduceLROnPlateau::abs, int64_t(1), 0.0, 0.06),
       metric(-1)},
  };
}

// reference_zoo.py's record(): [lr0, lr1(, momentum0, momentum1)] after construction, then after each step.
void append_now(const optim::Optimizer& optimizer, bool momentum, std::vector<double>& out) {
  for (size_t g = 0; g < optimizer.num_param_groups(); ++g) out.push_back(optimizer.group_lr(g));
  if (momentum)
    for (size_t g = 0; g < optimizer.num_param_groups(); ++g) out.push_back(optimizer.group_momentum(g));
}
std::vector<double> record(const Case& c) {
  std::unique_ptr<optim::Optimizer> optimizer = c.optimizer();
  Built built;
  c.build(*optimizer, built);
  std::vector<double> out;
  append_now(*optimizer, c.momentum, out);
  for (int e = 0; e < kEpochs; ++e) {
    optimizer->step();
    c.step(*built.back(), e);
    append_now(*optimizer, c.momentum, out);
  }
  return out;
}
}  // namespace

TEST_CASE("every scheduler follows torch 1.13's lr and momentum sequences for 64 epochs to 1e-12") {
  const auto& expected = torch_values::schedulers();
  CHECK(cases().size() == expected.size());
  for (const Case& c : cases()) {
    CAPTURE(c.name);
    REQUIRE(expected.count(c.name));
    const std::vector<double> got = record(c);
    std::vector<double> want = expected.at(c.name);
    // The one documented difference: torch's last OneCycleLR step with linear annealing extrapolates below
    // zero (-0.01585 in "OneCycleLR linear"), an lr xgrad's optimizers refuse; xgrad sets 0 there.
    for (size_t i = 0; i < want.size(); ++i)
      if (want[i] < 0) {
        CHECK(c.name.find("OneCycleLR") == 0);
        CHECK(i + 4 >= want.size());  // the last epoch only
        want[i] = 0;
      }
    REQUIRE(got.size() == want.size());
    double worst = 0;
    for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::abs(got[i] - want[i]) / std::max(std::abs(want[i]), 1e-300));
    CAPTURE(worst);
    CHECK(worst <= 1e-12);
  }
}

TEST_CASE("every scheduler resumed from its state_dict and the optimizer's, or from a checkpoint, continues bit-identically") {
  for (const Case& c : cases()) {
    CAPTURE(c.name);
    const std::vector<double> straight = record(c);
    for (int stop : {1, 9, 23}) {
      CAPTURE(stop);
      // Run `stop` epochs, keep both states, build everything afresh, load them, continue.
      std::unique_ptr<optim::Optimizer> first = c.optimizer();
      Built first_built;
      c.build(*first, first_built);
      for (int e = 0; e < stop; ++e) c.step(*first_built.back(), e);
      const xg::StateDict optimizer_state = first->state_dict(), scheduler_state = first_built.back()->state_dict();

      xg::nn::Module no_parameters;  // the optimizer's tensors are not a model's: the checkpoint's model part is empty
      const std::string path = "/tmp/xgrad_scheduler_resume.npz";
      optim::save_checkpoint(path, no_parameters, *first, first_built.back().get());
      for (bool through_file : {false, true}) {
        CAPTURE(through_file);
        std::unique_ptr<optim::Optimizer> resumed = c.optimizer();
        Built built;
        c.build(*resumed, built);
        if (through_file) {
          optim::load_checkpoint(path, no_parameters, *resumed, built.back().get());
        } else {
          resumed->load_state_dict(optimizer_state);
          built.back()->load_state_dict(scheduler_state);
        }
        CHECK(built.back()->get_last_lr() == first_built.back()->get_last_lr());
        std::vector<double> out;
        append_now(*resumed, c.momentum, out);
        for (int e = stop; e < kEpochs; ++e) {
          c.step(*built.back(), e);
          append_now(*resumed, c.momentum, out);
        }
        const size_t width = out.size() / static_cast<size_t>(kEpochs - stop + 1);
        REQUIRE(straight.size() >= width * static_cast<size_t>(kEpochs + 1));
        CHECK(std::vector<double>(straight.begin() + static_cast<std::ptrdiff_t>(width * stop), straight.end()) == out);
      }
      std::remove(path.c_str());
    }
  }
}
