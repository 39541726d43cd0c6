// The schedulers of torch/optim/lr_scheduler.py (torch 1.13), formula for formula: chainable get_lr where
// PyTorch has one, its closed forms for SequentialLR's restarts, and Python's operation order throughout.
#include "xgrad/optim/schedulers.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "state.hpp"

namespace xgrad {
namespace optim {

namespace {
constexpr int64_t kMaxEpoch = std::numeric_limits<int64_t>::max();
const double kPi = std::acos(-1.0);

bool valid_lr(double lr) { return std::isfinite(lr) && lr >= 0; }

void check_option(bool ok, const char* scheduler, const std::string& option, const std::string& value,
                  const char* range) {
  if (!ok)
    throw Error(std::string(scheduler) + ": invalid " + option + " " + value + " (must be " + range + ")");
}

// A value given as one number (every group) or one per group; `groups` groups at construction.
void check_per_group(const std::vector<double>& values, size_t groups, const char* scheduler, const char* option,
                     bool (*ok)(double), const char* range) {
  if (values.size() != 1 && values.size() != groups)
    throw Error(std::string(scheduler) + ": expected 1 or " + std::to_string(groups) + " values for " +
                                option + ", got " + std::to_string(values.size()));
  for (double v : values) check_option(ok(v), scheduler, option, number_string(v), range);
}
double value_for(const std::vector<double>& values, size_t group, const char* scheduler, const char* option) {
  if (values.size() == 1) return values[0];
  if (group < values.size()) return values[group];
  throw Error(std::string(scheduler) + ".step: " + option + " has " + std::to_string(values.size()) +
                              " values (one per group), but the optimizer now has a group " + std::to_string(group));
}

double checked_factor(const std::function<double(int64_t)>& factor, int64_t epoch, const char* scheduler) {
  const double value = factor(epoch);
  if (!valid_lr(value))
    throw Error(std::string(scheduler) + ": the factor function returned " + number_string(value) +
                                " for epoch " + std::to_string(epoch) + " (must be a finite number >= 0)");
  return value;
}
const std::function<double(int64_t)>& factor_for(const std::vector<std::function<double(int64_t)>>& factors, size_t group,
                                                 const char* scheduler) {
  if (factors.size() == 1) return factors[0];
  if (group < factors.size()) return factors[group];
  throw Error(std::string(scheduler) + ".step: there is one factor function per group, but the optimizer "
                              "now has a group " + std::to_string(group));
}
void check_factors(const std::vector<std::function<double(int64_t)>>& factors, size_t groups, const char* scheduler) {
  if (factors.empty() || (factors.size() != 1 && factors.size() != groups))
    throw Error(std::string(scheduler) + ": expected 1 or " + std::to_string(groups) +
                                " factor functions, got " + std::to_string(factors.size()));
  for (const auto& factor : factors)
    if (!factor) throw Error(std::string(scheduler) + ": the factor function is empty");
}

// The entries of a child scheduler under "schedulers.<i>.".
std::string child_prefix(size_t i) { return "schedulers." + std::to_string(i) + "."; }
bool starts_with(const std::string& text, const std::string& prefix) { return text.compare(0, prefix.size(), prefix) == 0; }
}  // namespace

// --- LRScheduler

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer) {
  for (size_t g = 0; g < optimizer.num_param_groups(); ++g) base_lrs_.push_back(adopt_base_lr(g));
}

void LRScheduler::initialize() { step(); }

std::vector<double> LRScheduler::current_lr() const {
  std::vector<double> lrs;
  for (size_t g = 0; g < optimizer_.num_param_groups(); ++g) lrs.push_back(optimizer_.group_lr(g));
  return lrs;
}

std::vector<double> LRScheduler::compute_lr(int64_t, const std::vector<double>&) const { return current_lr(); }
std::vector<double> LRScheduler::compute_momentum(int64_t, size_t) const { return {}; }
std::vector<double> LRScheduler::restart_lr(const std::vector<double>& base_lrs) const { return compute_lr(0, base_lrs); }

double LRScheduler::adopt_base_lr(size_t group) const {
  const OptimizerParamGroup& g = optimizer_.param_groups().at(group);
  return g.initial_lr() ? *g.initial_lr() : g.options().get_lr();
}

std::vector<double> LRScheduler::adopted_base_lrs() const {
  if (base_lrs_.size() > optimizer_.num_param_groups())  // groups erased through param_groups()
    throw Error(std::string(name()) + ".step: the optimizer has " +
                                std::to_string(optimizer_.num_param_groups()) + " param groups, fewer than the " +
                                std::to_string(base_lrs_.size()) + " this scheduler has seen");
  std::vector<double> base = base_lrs_;
  for (size_t g = base.size(); g < optimizer_.num_param_groups(); ++g) base.push_back(adopt_base_lr(g));
  return base;
}

void LRScheduler::past_the_end() const {
  throw std::overflow_error(std::string(name()) + ".step: last_epoch would pass INT64_MAX");
}

void LRScheduler::commit(int64_t epoch, std::vector<double> base_lrs, std::vector<double> lrs,
                         const std::vector<double>& momentums) {
  for (size_t g = 0; g < lrs.size(); ++g)
    if (!valid_lr(lrs[g]))
      throw std::overflow_error(std::string(name()) + ".step: the learning rate of group " + std::to_string(g) +
                                " at epoch " + std::to_string(epoch) + " would be " + number_string(lrs[g]) +
                                " (not a finite number >= 0)");
  for (size_t g = 0; g < momentums.size(); ++g) {
    try {
      optimizer_.check_group_momentum(g, momentums[g]);
    } catch (const std::invalid_argument& error) {
      throw Error(std::string(name()) + ".step: the momentum of group " + std::to_string(g) + " at epoch " +
                                  std::to_string(epoch) + ": " + error.what());
    }
  }
  // Nothing below throws.
  for (size_t g = 0; g < lrs.size(); ++g) {
    optimizer_.set_group_lr(g, lrs[g]);
    if (g < momentums.size()) optimizer_.set_group_momentum(g, momentums[g]);
    OptimizerParamGroup& group = optimizer_.param_groups()[g];
    if (!group.initial_lr()) group.set_initial_lr(base_lrs[g]);  // PyTorch's setdefault('initial_lr', ...)
  }
  last_epoch_ = epoch;
  base_lrs_ = std::move(base_lrs);
  last_lr_ = std::move(lrs);
}

void LRScheduler::step() {
  // Everything is computed and checked on copies; the scheduler and the optimizer change only in commit.
  if (last_epoch_ == kMaxEpoch) past_the_end();
  const int64_t epoch = last_epoch_ + 1;
  std::vector<double> base = adopted_base_lrs();
  std::vector<double> lrs = compute_lr(epoch, base);
  std::vector<double> momentums = compute_momentum(epoch, base.size());
  commit(epoch, std::move(base), std::move(lrs), momentums);
}

void LRScheduler::restart() {
  std::vector<double> base = adopted_base_lrs();
  std::vector<double> lrs = restart_lr(base);
  std::vector<double> momentums = compute_momentum(0, base.size());
  commit(0, std::move(base), std::move(lrs), momentums);
}

StateDict LRScheduler::state_dict() const {
  StateDict state;
  state.emplace_back("last_epoch", scalar_tensor(static_cast<double>(last_epoch_), dtype(kFloat64)));
  for (size_t g = 0; g < base_lrs_.size(); ++g) {
    state.emplace_back("base_lr." + std::to_string(g), scalar_tensor(base_lrs_[g], dtype(kFloat64)));
    state.emplace_back("last_lr." + std::to_string(g), scalar_tensor(last_lr_.at(g), dtype(kFloat64)));
  }
  return state;
}

LRScheduler::Loaded LRScheduler::parse_state(const StateDict& state,
                                             const std::function<bool(const std::string&)>& extra) const {
  const std::string owner = std::string(name()) + " state";
  Loaded loaded;
  loaded.last_epoch = checked_integer(expect_number(state, "last_epoch", owner.c_str()), 0, kMaxEpoch, owner + ": 'last_epoch'");
  std::vector<double>&base = loaded.base_lrs, &last = loaded.last_lr;
  while (find_entry(state, "base_lr." + std::to_string(base.size()))) {
    const std::string g = std::to_string(base.size());
    if (base.size() == optimizer_.num_param_groups())
      throw Error(owner + ": has learning rates for more groups than the optimizer's " +
                                  std::to_string(optimizer_.num_param_groups()));
    base.push_back(expect_number(state, "base_lr." + g, owner.c_str()));
    last.push_back(expect_number(state, "last_lr." + g, owner.c_str()));
    for (const char* key : {"base_lr.", "last_lr."}) {
      double lr = key[0] == 'b' ? base.back() : last.back();
      if (!valid_lr(lr))
        throw Error(owner + ": '" + key + g + "' is " + number_string(lr) + " (must be a finite number >= 0)");
    }
  }
  reject_unknown(
      state,
      [&](const std::string& key) {
        if (key == "last_epoch" || (extra && extra(key))) return true;
        for (size_t g = 0; g < base.size(); ++g)
          if (key == "base_lr." + std::to_string(g) || key == "last_lr." + std::to_string(g)) return true;
        return false;
      },
      owner.c_str());
  return loaded;
}

void LRScheduler::apply_state(Loaded loaded) {
  last_epoch_ = loaded.last_epoch;
  base_lrs_ = std::move(loaded.base_lrs);
  last_lr_ = std::move(loaded.last_lr);
}

void LRScheduler::load_state_dict(const StateDict& state) { apply_state(parse_state(state, nullptr)); }

// --- StepLR, MultiStepLR, ConstantLR, LinearLR, ExponentialLR, PolynomialLR, CosineAnnealingLR

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
  check_option(step_size > 0, "StepLR", "step_size", std::to_string(step_size), "> 0");
  check_option(valid_lr(gamma), "StepLR", "gamma", number_string(gamma), "a finite number >= 0");
  initialize();
}
std::vector<double> StepLR::compute_lr(int64_t epoch, const std::vector<double>&) const {
  std::vector<double> lrs = current_lr();
  if (epoch == 0 || epoch % step_size_ != 0) return lrs;
  for (double& lr : lrs) lr *= gamma_;
  return lrs;
}

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma)
    : LRScheduler(optimizer), milestones_(std::move(milestones)), gamma_(gamma) {
  for (int64_t m : milestones_) check_option(m >= 0, "MultiStepLR", "milestone", std::to_string(m), ">= 0");
  check_option(valid_lr(gamma), "MultiStepLR", "gamma", number_string(gamma), "a finite number >= 0");
  std::sort(milestones_.begin(), milestones_.end());
  initialize();
}
std::vector<double> MultiStepLR::compute_lr(int64_t epoch, const std::vector<double>&) const {
  std::vector<double> lrs = current_lr();
  const auto count = std::count(milestones_.begin(), milestones_.end(), epoch);  // PyTorch's Counter
  if (count == 0) return lrs;
  for (double& lr : lrs) lr *= std::pow(gamma_, static_cast<double>(count));
  return lrs;
}
std::vector<double> MultiStepLR::restart_lr(const std::vector<double>& base_lrs) const {
  // base * gamma ** bisect_right(milestones, 0)
  const auto below = std::upper_bound(milestones_.begin(), milestones_.end(), int64_t(0)) - milestones_.begin();
  std::vector<double> lrs = base_lrs;
  for (double& lr : lrs) lr *= std::pow(gamma_, static_cast<double>(below));
  return lrs;
}

ConstantLR::ConstantLR(Optimizer& optimizer, double factor, int64_t total_iters)
    : LRScheduler(optimizer), factor_(factor), total_iters_(total_iters) {
  // PyTorch allows 0, whose 1 / factor at total_iters makes the lr NaN or infinite.
  check_option(factor > 0 && factor <= 1, "ConstantLR", "factor", number_string(factor), "in (0, 1]");
  check_option(total_iters > 0, "ConstantLR", "total_iters", std::to_string(total_iters), "> 0");
  initialize();
}
std::vector<double> ConstantLR::compute_lr(int64_t epoch, const std::vector<double>&) const {
  std::vector<double> lrs = current_lr();
  if (epoch == 0) {
    for (double& lr : lrs) lr *= factor_;
  } else if (epoch == total_iters_) {
    for (double& lr : lrs) lr *= 1.0 / factor_;
  }
  return lrs;
}
std::vector<double> ConstantLR::restart_lr(const std::vector<double>& base_lrs) const {
  std::vector<double> lrs = base_lrs;  // base * (factor + (0 >= total_iters) * (1 - factor))
  for (double& lr : lrs) lr *= factor_ + 0.0 * (1 - factor_);
  return lrs;
}

LinearLR::LinearLR(Optimizer& optimizer, double start_factor, double end_factor, int64_t total_iters)
    : LRScheduler(optimizer), start_factor_(start_factor), end_factor_(end_factor), total_iters_(total_iters) {
  check_option(start_factor > 0 && start_factor <= 1, "LinearLR", "start_factor", number_string(start_factor), "in (0, 1]");
  check_option(end_factor >= 0 && end_factor <= 1, "LinearLR", "end_factor", number_string(end_factor), "in [0, 1]");
  check_option(total_iters > 0, "LinearLR", "total_iters", std::to_string(total_iters), "> 0");
  initialize();
}
std::vector<double> LinearLR::compute_lr(int64_t epoch, const std::vector<double>&) const {
  std::vector<double> lrs = current_lr();
  if (epoch == 0) {
    for (double& lr : lrs) lr *= start_factor_;
  } else if (epoch <= total_iters_) {
    // PyTorch's denominator total_iters * start + (epoch - 1) * change, written as the equal
    // start (total_iters - epoch + 1) + end (epoch - 1): positive, and with exact integer counts even where
    // the two products would cancel in double (total_iters near INT64_MAX). For the epochs a run sees the two
    // agree to the last bit (tests compare them with torch's to 1e-12).
    const double change = end_factor_ - start_factor_;
    const double denominator = start_factor_ * static_cast<double>(total_iters_ - epoch + 1) +
                               end_factor_ * static_cast<double>(epoch - 1);
    for (double& lr : lrs) lr *= 1 + change / denominator;
  }
  return lrs;
}
std::vector<double> LinearLR::restart_lr(const std::vector<double>& base_lrs) const {
  std::vector<double> lrs = base_lrs;  // base * (start + (end - start) * min(total_iters, 0) / total_iters)
  for (double& lr : lrs) lr *= start_factor_ + (end_factor_ - start_factor_) * 0.0 / static_cast<double>(total_iters_);
  return lrs;
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma) : LRScheduler(optimizer), gamma_(gamma) {
  check_option(valid_lr(gamma), "ExponentialLR", "gamma", number_string(gamma), "a finite number >= 0");
  initialize();
}
std::vector<double> ExponentialLR::compute_lr(int64_t epoch, const std::vector<double>&) const {
  std::vector<double> lrs = current_lr();
  if (epoch == 0) return lrs;
  for (double& lr : lrs) lr *= gamma_;
  return lrs;
}

PolynomialLR::PolynomialLR(Optimizer& optimizer, int64_t total_iters, double power)
    : LRScheduler(optimizer), total_iters_(total_iters), power_(power) {
  check_option(total_iters > 0, "PolynomialLR", "total_iters", std::to_string(total_iters), "> 0");
  check_option(std::isfinite(power) && power >= 0, "PolynomialLR", "power", number_string(power), "a finite number >= 0");
  initialize();
}
std::vector<double> PolynomialLR::compute_lr(int64_t epoch, const std::vector<double>&) const {
  std::vector<double> lrs = current_lr();
  if (epoch == 0 || epoch > total_iters_) return lrs;
  const double total = static_cast<double>(total_iters_);
  const double denominator = 1.0 - static_cast<double>(epoch - 1) / total;
  // Beyond 2^53 epochs (epoch - 1) / total_iters may round to 1: the exact ratio (T - e) / (T - e + 1) there.
  const double ratio = denominator != 0 ? (1.0 - static_cast<double>(epoch) / total) / denominator
                                        : static_cast<double>(total_iters_ - epoch) / static_cast<double>(total_iters_ - epoch + 1);
  const double decay_factor = std::pow(ratio, power_);
  for (double& lr : lrs) lr *= decay_factor;
  return lrs;
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min)
    : LRScheduler(optimizer), T_max_(T_max), eta_min_(eta_min) {
  check_option(T_max > 0, "CosineAnnealingLR", "T_max", std::to_string(T_max), "> 0");
  check_option(valid_lr(eta_min), "CosineAnnealingLR", "eta_min", number_string(eta_min), "a finite number >= 0");
  initialize();
}
std::vector<double> CosineAnnealingLR::compute_lr(int64_t epoch, const std::vector<double>& base_lrs) const {
  std::vector<double> lrs = current_lr();
  if (epoch == 0) return lrs;
  const double e = static_cast<double>(epoch), period = static_cast<double>(T_max_);
  // PyTorch's test (epoch - 1 - T_max) % (2 T_max) == 0, in unsigned arithmetic: 2 T_max and epoch - 1 always
  // fit in uint64, where the int64 expression overflows for T_max > INT64_MAX / 2.
  const uint64_t cycle = 2 * static_cast<uint64_t>(T_max_);
  const bool restart = static_cast<uint64_t>(epoch - 1) % cycle == static_cast<uint64_t>(T_max_);
  for (size_t g = 0; g < lrs.size(); ++g) {
    if (restart) {
      lrs[g] = lrs[g] + (base_lrs[g] - eta_min_) * (1 - std::cos(kPi / period)) / 2;
      continue;
    }
    const double denominator = 1 + std::cos(kPi * (e - 1) / period);
    // With T_max beyond 2^53, (epoch - 1) / T_max may round to an odd integer though it is not one: the
    // recursive ratio would divide by zero, so use the closed form there.
    if (denominator == 0)
      lrs[g] = eta_min_ + (base_lrs[g] - eta_min_) * (1 + std::cos(kPi * e / period)) / 2;
    else
      lrs[g] = (1 + std::cos(kPi * e / period)) / denominator * (lrs[g] - eta_min_) + eta_min_;
  }
  return lrs;
}
std::vector<double> CosineAnnealingLR::restart_lr(const std::vector<double>& base_lrs) const {
  std::vector<double> lrs = base_lrs;
  for (double& lr : lrs) lr = eta_min_ + (lr - eta_min_) * (1 + std::cos(kPi * 0 / static_cast<double>(T_max_))) / 2;
  return lrs;
}

// --- CosineAnnealingWarmRestarts

CosineAnnealingWarmRestarts::CosineAnnealingWarmRestarts(Optimizer& optimizer, int64_t T_0, int64_t T_mult, double eta_min)
    : LRScheduler(optimizer), T_0_(T_0), T_mult_(T_mult), eta_min_(eta_min), T_i_(T_0) {
  check_option(T_0 > 0, "CosineAnnealingWarmRestarts", "T_0", std::to_string(T_0), "> 0");
  check_option(T_mult >= 1, "CosineAnnealingWarmRestarts", "T_mult", std::to_string(T_mult), ">= 1");
  check_option(valid_lr(eta_min), "CosineAnnealingWarmRestarts", "eta_min", number_string(eta_min), "a finite number >= 0");
  initialize();
}

std::vector<double> CosineAnnealingWarmRestarts::lrs_at(double T_cur, int64_t T_i, const std::vector<double>& base_lrs) const {
  std::vector<double> lrs = base_lrs;
  for (double& lr : lrs)
    lr = eta_min_ + (lr - eta_min_) * (1 + std::cos(kPi * T_cur / static_cast<double>(T_i))) / 2;
  return lrs;
}

void CosineAnnealingWarmRestarts::advance(double T_cur, int64_t T_i, int64_t last_epoch) {
  std::vector<double> base = adopted_base_lrs();
  std::vector<double> lrs = lrs_at(T_cur, T_i, base);
  commit(last_epoch, std::move(base), std::move(lrs), {});
  T_cur_ = T_cur;
  T_i_ = T_i;
}

void CosineAnnealingWarmRestarts::step() {
  if (last_epoch_ < 0) return step(0.0);
  if (last_epoch_ == kMaxEpoch) past_the_end();
  double T_cur = T_cur_ + 1;
  int64_t T_i = T_i_;
  if (T_cur >= static_cast<double>(T_i)) {
    T_cur = T_cur - static_cast<double>(T_i);
    if (T_i > kMaxEpoch / T_mult_) throw std::overflow_error("CosineAnnealingWarmRestarts.step: T_i would pass INT64_MAX");
    T_i = T_i * T_mult_;
  }
  advance(T_cur, T_i, last_epoch_ + 1);
}

void CosineAnnealingWarmRestarts::step(double epoch) {
  if (!(epoch >= 0 && epoch < 9223372036854775808.0))
    throw Error("CosineAnnealingWarmRestarts.step: expected an epoch in [0, 2^63), got " + number_string(epoch));
  double T_cur = epoch;
  int64_t T_i = T_0_;
  const double T_0 = static_cast<double>(T_0_);
  if (epoch >= T_0) {
    if (T_mult_ == 1) {
      T_cur = std::fmod(epoch, T_0);
    } else {
      // n = int(math.log(epoch / T_0 * (T_mult - 1) + 1, T_mult)); T_i = T_0 T_mult^n, in exact integers.
      const auto n = static_cast<int64_t>(std::log(epoch / T_0 * static_cast<double>(T_mult_ - 1) + 1) /
                                          std::log(static_cast<double>(T_mult_)));
      int64_t power = 1;
      for (int64_t k = 0; k < n; ++k) {
        if (power > kMaxEpoch / T_mult_) throw std::overflow_error("CosineAnnealingWarmRestarts.step: T_i would pass INT64_MAX");
        power *= T_mult_;
      }
      if (power - 1 > kMaxEpoch / T_0_) throw std::overflow_error("CosineAnnealingWarmRestarts.step: T_i would pass INT64_MAX");
      T_cur = epoch - static_cast<double>(T_0_ * (power - 1)) / static_cast<double>(T_mult_ - 1);
      T_i = T_0_ * power;
    }
  }
  advance(T_cur, T_i, static_cast<int64_t>(std::floor(epoch)));
}

StateDict CosineAnnealingWarmRestarts::state_dict() const {
  StateDict state = LRScheduler::state_dict();
  state.emplace_back("T_i", scalar_tensor(static_cast<double>(T_i_), dtype(kFloat64)));
  state.emplace_back("T_cur", scalar_tensor(T_cur_, dtype(kFloat64)));
  return state;
}

void CosineAnnealingWarmRestarts::load_state_dict(const StateDict& state) {
  Loaded loaded = parse_state(state, [](const std::string& key) { return key == "T_i" || key == "T_cur"; });
  const std::string owner = std::string(name()) + " state";
  const int64_t T_i = checked_integer(expect_number(state, "T_i", owner.c_str()), 1, kMaxEpoch, owner + ": 'T_i'");
  const double T_cur = expect_number(state, "T_cur", owner.c_str());
  if (!std::isfinite(T_cur)) throw Error(owner + ": 'T_cur' is " + number_string(T_cur) + " (must be finite)");
  apply_state(std::move(loaded));
  T_i_ = T_i;
  T_cur_ = T_cur;
}

// --- LambdaLR, MultiplicativeLR

LambdaLR::LambdaLR(Optimizer& optimizer, Factor factor) : LambdaLR(optimizer, std::vector<Factor>{std::move(factor)}) {}
LambdaLR::LambdaLR(Optimizer& optimizer, std::vector<Factor> factors) : LRScheduler(optimizer), factors_(std::move(factors)) {
  check_factors(factors_, optimizer.num_param_groups(), "LambdaLR");
  initialize();
}
std::vector<double> LambdaLR::compute_lr(int64_t epoch, const std::vector<double>& base_lrs) const {
  std::vector<double> lrs = base_lrs;
  for (size_t g = 0; g < lrs.size(); ++g) lrs[g] *= checked_factor(factor_for(factors_, g, "LambdaLR"), epoch, "LambdaLR");
  return lrs;
}

MultiplicativeLR::MultiplicativeLR(Optimizer& optimizer, Factor factor)
    : MultiplicativeLR(optimizer, std::vector<Factor>{std::move(factor)}) {}
MultiplicativeLR::MultiplicativeLR(Optimizer& optimizer, std::vector<Factor> factors)
    : LRScheduler(optimizer), factors_(std::move(factors)) {
  check_factors(factors_, optimizer.num_param_groups(), "MultiplicativeLR");
  initialize();
}
std::vector<double> MultiplicativeLR::compute_lr(int64_t epoch, const std::vector<double>&) const {
  std::vector<double> lrs = current_lr();
  if (epoch == 0) return lrs;
  for (size_t g = 0; g < lrs.size(); ++g)
    lrs[g] *= checked_factor(factor_for(factors_, g, "MultiplicativeLR"), epoch, "MultiplicativeLR");
  return lrs;
}

// --- CyclicLR

CyclicLR::CyclicLR(Optimizer& optimizer, CyclicLROptions options) : LRScheduler(optimizer), options_(std::move(options)) {
  const size_t groups = optimizer.num_param_groups();
  check_per_group(options_.base_lr(), groups, "CyclicLR", "base_lr", valid_lr, "a finite number >= 0");
  check_per_group(options_.max_lr(), groups, "CyclicLR", "max_lr", valid_lr, "a finite number >= 0");
  check_option(options_.step_size_up() > 0, "CyclicLR", "step_size_up", std::to_string(options_.step_size_up()), "> 0");
  const int64_t down = options_.step_size_down().value_or(options_.step_size_up());
  check_option(down > 0, "CyclicLR", "step_size_down", std::to_string(down), "> 0");
  check_option(valid_lr(options_.gamma()), "CyclicLR", "gamma", number_string(options_.gamma()), "a finite number >= 0");
  if (options_.cycle_momentum()) {
    if (!optimizer.has_momentum())
      throw Error(std::string("CyclicLR: optimizer must support momentum with `cycle_momentum` option enabled (") +
                                  optimizer.name() + " has neither momentum nor betas)");
    auto finite = [](double v) { return std::isfinite(v); };
    check_per_group(options_.base_momentum(), groups, "CyclicLR", "base_momentum", finite, "finite");
    check_per_group(options_.max_momentum(), groups, "CyclicLR", "max_momentum", finite, "finite");
    for (size_t g = 0; g < groups; ++g)
      for (const auto* values : {&options_.base_momentum(), &options_.max_momentum()})
        optimizer.check_group_momentum(g, value_for(*values, g, "CyclicLR", "momentum"));
  }
  // Python's float(step_size_up) + float(step_size_down), and step_size_up / total_size.
  total_size_ = static_cast<double>(options_.step_size_up()) + static_cast<double>(down);
  step_ratio_ = static_cast<double>(options_.step_size_up()) / total_size_;
  base_lrs_.clear();
  for (size_t g = 0; g < groups; ++g) base_lrs_.push_back(value_for(options_.base_lr(), g, "CyclicLR", "base_lr"));
  initialize();
}

double CyclicLR::adopt_base_lr(size_t group) const { return value_for(options_.base_lr(), group, "CyclicLR", "base_lr"); }

std::pair<double, double> CyclicLR::position(int64_t epoch) const {
  const double e = static_cast<double>(epoch);
  const double cycle = std::floor(1 + e / total_size_);
  const double x = 1. + e / total_size_ - cycle;
  const double scale_factor = x <= step_ratio_ ? x / step_ratio_ : (x - 1) / (step_ratio_ - 1);
  double scale;
  if (options_.scale_fn())
    scale = options_.scale_fn()(options_.scale_mode() == CyclicLRScaleMode::cycle ? cycle : e);
  else if (options_.mode() == CyclicLRMode::triangular)
    scale = 1.;
  else if (options_.mode() == CyclicLRMode::triangular2)
    scale = 1 / std::pow(2., cycle - 1);
  else
    scale = std::pow(options_.gamma(), e);  // exp_range scales by iterations
  return {scale_factor, scale};
}

std::vector<double> CyclicLR::compute_lr(int64_t epoch, const std::vector<double>& base_lrs) const {
  const auto [scale_factor, scale] = position(epoch);
  std::vector<double> lrs;
  for (size_t g = 0; g < base_lrs.size(); ++g) {
    const double base_height = (value_for(options_.max_lr(), g, "CyclicLR", "max_lr") - base_lrs[g]) * scale_factor;
    lrs.push_back(base_lrs[g] + base_height * scale);
  }
  return lrs;
}

std::vector<double> CyclicLR::compute_momentum(int64_t epoch, size_t groups) const {
  if (!options_.cycle_momentum()) return {};
  const auto [scale_factor, scale] = position(epoch);
  std::vector<double> momentums;
  for (size_t g = 0; g < groups; ++g) {
    const double base = value_for(options_.base_momentum(), g, "CyclicLR", "base_momentum");
    const double top = value_for(options_.max_momentum(), g, "CyclicLR", "max_momentum");
    const double base_height = (top - base) * scale_factor;
    momentums.push_back(top - base_height * scale);
  }
  return momentums;
}

// --- OneCycleLR

OneCycleLR::OneCycleLR(Optimizer& optimizer, OneCycleLROptions options) : LRScheduler(optimizer), options_(std::move(options)) {
  const OneCycleLROptions& o = options_;
  const size_t groups = optimizer.num_param_groups();
  if (o.total_steps() > 0) {
    total_steps_ = o.total_steps();
  } else {
    check_option(o.total_steps() == 0, "OneCycleLR", "total_steps", std::to_string(o.total_steps()), "> 0");
    if (o.epochs() == 0 && o.steps_per_epoch() == 0)
      throw Error("OneCycleLR: you must define either total_steps OR (epochs AND steps_per_epoch)");
    check_option(o.epochs() > 0, "OneCycleLR", "epochs", std::to_string(o.epochs()), "> 0");
    check_option(o.steps_per_epoch() > 0, "OneCycleLR", "steps_per_epoch", std::to_string(o.steps_per_epoch()), "> 0");
    if (o.epochs() > kMaxEpoch / o.steps_per_epoch())
      throw Error("OneCycleLR: epochs * steps_per_epoch passes INT64_MAX");
    total_steps_ = o.epochs() * o.steps_per_epoch();
  }
  check_option(o.pct_start() >= 0 && o.pct_start() <= 1, "OneCycleLR", "pct_start", number_string(o.pct_start()), "in [0, 1]");
  check_per_group(o.max_lr(), groups, "OneCycleLR", "max_lr", valid_lr, "a finite number >= 0");
  auto positive = [](double v) { return std::isfinite(v) && v > 0; };
  check_option(positive(o.div_factor()), "OneCycleLR", "div_factor", number_string(o.div_factor()), "a finite number > 0");
  check_option(positive(o.final_div_factor()), "OneCycleLR", "final_div_factor", number_string(o.final_div_factor()),
               "a finite number > 0");
  const double total = static_cast<double>(total_steps_);
  // Lr and momentum ends: 0 initial, 1 max, 2 min; momentum 0 base, 1 max (PyTorch's phase dictionaries).
  if (o.three_phase())
    phases_ = {{o.pct_start() * total - 1, 0, 1, 1, 0},
               {2 * o.pct_start() * total - 2, 1, 0, 0, 1},
               {total - 1, 0, 2, 1, 1}};
  else
    phases_ = {{o.pct_start() * total - 1, 0, 1, 1, 0}, {total - 1, 1, 2, 0, 1}};
  double start = 0;
  for (size_t i = 0; i < phases_.size(); ++i) {
    // PyTorch divides by the phase's length when a step falls in it.
    if (phases_[i].end_step == start)
      throw Error("OneCycleLR: pct_start " + number_string(o.pct_start()) + " with " +
                                  std::to_string(total_steps_) + " total steps leaves phase " + std::to_string(i + 1) +
                                  " without steps");
    start = phases_[i].end_step;
  }
  if (o.cycle_momentum()) {
    if (!optimizer.has_momentum())
      throw Error(std::string("OneCycleLR: optimizer must support momentum with `cycle_momentum` option enabled (") +
                                  optimizer.name() + " has neither momentum nor betas)");
    auto finite = [](double v) { return std::isfinite(v); };
    check_per_group(o.base_momentum(), groups, "OneCycleLR", "base_momentum", finite, "finite");
    check_per_group(o.max_momentum(), groups, "OneCycleLR", "max_momentum", finite, "finite");
    for (size_t g = 0; g < groups; ++g)
      for (const auto* values : {&o.base_momentum(), &o.max_momentum()})
        optimizer.check_group_momentum(g, value_for(*values, g, "OneCycleLR", "momentum"));
  }
  // group['initial_lr'] = max_lr / div_factor, replacing any earlier one, as PyTorch.
  base_lrs_.clear();
  for (size_t g = 0; g < groups; ++g) {
    base_lrs_.push_back(adopt_base_lr(g));
    optimizer.param_groups()[g].set_initial_lr(base_lrs_.back());
  }
  initialize();
}

double OneCycleLR::adopt_base_lr(size_t group) const {
  return value_for(options_.max_lr(), group, "OneCycleLR", "max_lr") / options_.div_factor();
}

std::pair<const OneCycleLR::Phase*, double> OneCycleLR::phase_at(int64_t epoch) const {
  if (epoch > total_steps_)
    throw std::out_of_range("OneCycleLR.step: tried to step " + std::to_string(epoch + 1) +
                            " times. The specified number of total steps is " + std::to_string(total_steps_));
  const double step = static_cast<double>(epoch);
  double start = 0;
  for (size_t i = 0; i < phases_.size(); ++i) {
    const Phase& phase = phases_[i];
    if (step <= phase.end_step || i + 1 == phases_.size()) return {&phase, (step - start) / (phase.end_step - start)};
    start = phase.end_step;
  }
  return {nullptr, 0};  // not reached
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (options_.anneal_strategy() == AnnealStrategy::cos) {
    const double cos_out = std::cos(kPi * pct) + 1;
    return end + (start - end) / 2.0 * cos_out;
  }
  return (end - start) * pct + start;
}

std::vector<double> OneCycleLR::compute_lr(int64_t epoch, const std::vector<double>& base_lrs) const {
  const auto [phase, pct] = phase_at(epoch);
  std::vector<double> lrs;
  for (size_t g = 0; g < base_lrs.size(); ++g) {
    const double initial = base_lrs[g], top = value_for(options_.max_lr(), g, "OneCycleLR", "max_lr");
    const double ends[3] = {initial, top, initial / options_.final_div_factor()};
    // The step past the last one (epoch == total_steps, which PyTorch allows) extrapolates the last phase:
    // with linear annealing below zero, an lr torch sets and xgrad's optimizers refuse; it becomes 0.
    lrs.push_back(std::max(0.0, anneal(ends[phase->start_lr], ends[phase->end_lr], pct)));
  }
  return lrs;
}

std::vector<double> OneCycleLR::compute_momentum(int64_t epoch, size_t groups) const {
  if (!options_.cycle_momentum()) return {};
  const auto [phase, pct] = phase_at(epoch);
  std::vector<double> momentums;
  for (size_t g = 0; g < groups; ++g) {
    const double ends[2] = {value_for(options_.base_momentum(), g, "OneCycleLR", "base_momentum"),
                            value_for(options_.max_momentum(), g, "OneCycleLR", "max_momentum")};
    momentums.push_back(anneal(ends[phase->start_momentum], ends[phase->end_momentum], pct));
  }
  return momentums;
}

// --- SequentialLR, ChainedScheduler

namespace {
// The states of the children and the optimizer's lrs and momenta, to put back when a step fails midway.
struct Snapshot {
  std::vector<StateDict> children;
  std::vector<double> lrs, momentums;
  std::vector<std::optional<double>> initial_lrs;
  std::vector<int64_t> last_epochs;
};
}  // namespace

// Takes snapshots (children's states and the optimizer's lrs) and puts them back on failure.
template <class Run>
static void transactional(Optimizer& optimizer, std::vector<std::reference_wrapper<LRScheduler>>& children, Run run) {
  Snapshot saved;
  for (LRScheduler& child : children) saved.children.push_back(child.state_dict());
  for (size_t g = 0; g < optimizer.num_param_groups(); ++g) {
    saved.lrs.push_back(optimizer.group_lr(g));
    saved.momentums.push_back(optimizer.has_momentum() ? optimizer.group_momentum(g) : 0);
    saved.initial_lrs.push_back(optimizer.param_groups()[g].initial_lr());
  }
  try {
    run();
  } catch (...) {
    for (size_t i = 0; i < children.size(); ++i) children[i].get().load_state_dict(saved.children[i]);
    for (size_t g = 0; g < saved.lrs.size(); ++g) {
      optimizer.set_group_lr(g, saved.lrs[g]);
      if (optimizer.has_momentum()) optimizer.set_group_momentum(g, saved.momentums[g]);
      if (saved.initial_lrs[g]) optimizer.param_groups()[g].set_initial_lr(*saved.initial_lrs[g]);
    }
    throw;
  }
}

namespace {
StateDict composite_state(int64_t last_epoch, const std::vector<double>& last_lr,
                          const std::vector<std::reference_wrapper<LRScheduler>>& children) {
  StateDict state;
  state.emplace_back("last_epoch", scalar_tensor(static_cast<double>(last_epoch), dtype(kFloat64)));
  for (size_t g = 0; g < last_lr.size(); ++g)
    state.emplace_back("last_lr." + std::to_string(g), scalar_tensor(last_lr[g], dtype(kFloat64)));
  for (size_t i = 0; i < children.size(); ++i)
    for (auto& [key, value] : children[i].get().state_dict()) state.emplace_back(child_prefix(i) + key, value);
  return state;
}

// Checks a composite's own entries and splits out the children's.
std::vector<StateDict> parse_composite(const StateDict& state, const std::string& owner, size_t children, size_t groups,
                                       int64_t& last_epoch, std::vector<double>& last_lr,
                                       const std::function<bool(const std::string&)>& extra = nullptr) {
  last_epoch = checked_integer(expect_number(state, "last_epoch", owner.c_str()), 0, kMaxEpoch, owner + ": 'last_epoch'");
  last_lr.clear();
  while (find_entry(state, "last_lr." + std::to_string(last_lr.size()))) {
    if (last_lr.size() == groups)
      throw Error(owner + ": has learning rates for more groups than the optimizer's " + std::to_string(groups));
    const std::string key = "last_lr." + std::to_string(last_lr.size());
    last_lr.push_back(expect_number(state, key, owner.c_str()));
    if (!valid_lr(last_lr.back()))
      throw Error(owner + ": '" + key + "' is " + number_string(last_lr.back()) + " (must be a finite number >= 0)");
  }
  std::vector<StateDict> parts(children);
  reject_unknown(
      state,
      [&](const std::string& key) {
        if (key == "last_epoch" || (extra && extra(key))) return true;
        for (size_t g = 0; g < last_lr.size(); ++g)
          if (key == "last_lr." + std::to_string(g)) return true;
        for (size_t i = 0; i < children; ++i)
          if (starts_with(key, child_prefix(i))) return true;
        return false;
      },
      owner.c_str());
  for (auto& [key, value] : state)
    for (size_t i = 0; i < children; ++i)
      if (starts_with(key, child_prefix(i))) parts[i].emplace_back(key.substr(child_prefix(i).size()), value);
  return parts;
}
}  // namespace

SequentialLR::SequentialLR(Optimizer& optimizer, std::vector<std::reference_wrapper<LRScheduler>> schedulers,
                           std::vector<int64_t> milestones)
    : LRScheduler(optimizer), schedulers_(std::move(schedulers)), milestones_(std::move(milestones)) {
  if (schedulers_.empty()) throw Error("SequentialLR: needs at least one scheduler");
  for (size_t i = 0; i < schedulers_.size(); ++i) {
    const LRScheduler& child = schedulers_[i];
    if (&child.optimizer() != &optimizer)
      throw Error("SequentialLR: Sequential Schedulers expects all schedulers to belong to the same optimizer, "
                                  "but got schedulers at index " + std::to_string(i) + " to be different than the optimizer passed in");
    if (!child.restartable())
      throw Error(std::string("SequentialLR: scheduler ") + std::to_string(i) + " is a " + child.name() +
                                  ", which cannot be restarted at a milestone");
  }
  if (milestones_.size() + 1 != schedulers_.size())
    throw Error("SequentialLR: expects number of schedulers provided to be one more than the number of "
                                "milestone points, but got number of schedulers " + std::to_string(schedulers_.size()) +
                                " and the number of milestones to be equal to " + std::to_string(milestones_.size()));
  for (size_t i = 0; i < milestones_.size(); ++i)
    check_option(milestones_[i] > (i ? milestones_[i - 1] : 0), "SequentialLR", "milestone " + std::to_string(i),
                 std::to_string(milestones_[i]), "> 0 and larger than the one before");
  transactional(optimizer, schedulers_, [&] {
    // Reset learning rates back to initial values, "undo" the step performed by the other schedulers, and
    // perform the initial step for only the first scheduler.
    for (size_t g = 0; g < optimizer.num_param_groups(); ++g) optimizer.set_group_lr(g, adopt_base_lr(g));
    for (LRScheduler& child : schedulers_) child.last_epoch_ -= 1;
    schedulers_[0].get().step();
  });
  last_epoch_ = 0;
  last_lr_ = schedulers_[0].get().get_last_lr();
}

void SequentialLR::step() {
  if (last_epoch_ == kMaxEpoch) past_the_end();
  const int64_t epoch = last_epoch_ + 1;
  const size_t index = static_cast<size_t>(std::upper_bound(milestones_.begin(), milestones_.end(), epoch) - milestones_.begin());
  LRScheduler& child = schedulers_[index];
  if (index > 0 && milestones_[index - 1] == epoch)
    child.restart();  // PyTorch's scheduler.step(0)
  else
    child.step();
  last_epoch_ = epoch;
  last_lr_ = child.get_last_lr();
}

StateDict SequentialLR::state_dict() const { return composite_state(last_epoch_, last_lr_, schedulers_); }

namespace {
// A SequentialLR child before its milestone has last_epoch -1 (PyTorch's "undone" initial step), which a
// scheduler's own load_state_dict refuses: it is loaded as 0 and set back to -1 afterwards.
bool waiting(StateDict& part) {
  for (auto& [key, value] : part)
    if (key == "last_epoch" && value.defined() && value.dim() == 0 && value.dtype() == kFloat64 && value.item() == -1) {
      value = scalar_tensor(0.0, dtype(kFloat64));
      return true;
    }
  return false;
}
}  // namespace

void SequentialLR::load_state_dict(const StateDict& state) {
  int64_t epoch;
  std::vector<double> last_lr;
  std::vector<StateDict> parts = parse_composite(state, std::string(name()) + " state", schedulers_.size(),
                                                 optimizer_.num_param_groups(), epoch, last_lr);
  std::vector<StateDict> saved;
  std::vector<bool> was_waiting;
  for (LRScheduler& child : schedulers_) {
    saved.push_back(child.state_dict());
    was_waiting.push_back(waiting(saved.back()));
  }
  try {
    for (size_t i = 0; i < parts.size(); ++i) {
      const bool child_waiting = i > 0 && waiting(parts[i]);
      schedulers_[i].get().load_state_dict(parts[i]);
      if (child_waiting) schedulers_[i].get().last_epoch_ = -1;
    }
  } catch (...) {
    for (size_t i = 0; i < saved.size(); ++i) {
      schedulers_[i].get().load_state_dict(saved[i]);
      if (was_waiting[i]) schedulers_[i].get().last_epoch_ = -1;
    }
    throw;
  }
  last_epoch_ = epoch;
  last_lr_ = std::move(last_lr);
}

namespace {
Optimizer& first_optimizer(const std::vector<std::reference_wrapper<LRScheduler>>& schedulers) {
  if (schedulers.empty()) throw Error("ChainedScheduler: needs at least one scheduler");
  return schedulers[0].get().optimizer();
}
}  // namespace

ChainedScheduler::ChainedScheduler(std::vector<std::reference_wrapper<LRScheduler>> schedulers)
    : LRScheduler(first_optimizer(schedulers)), schedulers_(std::move(schedulers)) {
  for (size_t i = 1; i < schedulers_.size(); ++i)
    if (&schedulers_[i].get().optimizer() != &optimizer_)
      throw Error("ChainedScheduler: expects all schedulers to belong to the same optimizer, but got "
                                  "schedulers at index 0 and " + std::to_string(i) + " to be different");
  for (size_t i = 0; i < schedulers_.size(); ++i)
    if (dynamic_cast<const ReduceLROnPlateau*>(&schedulers_[i].get()))
      throw Error("ChainedScheduler: scheduler " + std::to_string(i) + " is a ReduceLROnPlateau, which needs a metric");
  last_epoch_ = 0;
  last_lr_ = current_lr();
}

void ChainedScheduler::step() {
  if (last_epoch_ == kMaxEpoch) past_the_end();
  transactional(optimizer_, schedulers_, [&] {
    for (LRScheduler& child : schedulers_) child.step();
  });
  last_epoch_ += 1;
  last_lr_ = current_lr();
}

StateDict ChainedScheduler::state_dict() const { return composite_state(last_epoch_, last_lr_, schedulers_); }

void ChainedScheduler::load_state_dict(const StateDict& state) {
  int64_t epoch;
  std::vector<double> last_lr;
  std::vector<StateDict> parts = parse_composite(state, std::string(name()) + " state", schedulers_.size(),
                                                 optimizer_.num_param_groups(), epoch, last_lr);
  std::vector<StateDict> saved;
  for (LRScheduler& child : schedulers_) saved.push_back(child.state_dict());
  try {
    for (size_t i = 0; i < parts.size(); ++i) schedulers_[i].get().load_state_dict(parts[i]);
  } catch (...) {
    for (size_t i = 0; i < saved.size(); ++i) schedulers_[i].get().load_state_dict(saved[i]);
    throw;
  }
  last_epoch_ = epoch;
  last_lr_ = std::move(last_lr);
}

// --- ReduceLROnPlateau

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, SchedulerMode mode, double factor, int64_t patience,
                                     double threshold, ThresholdMode threshold_mode, int64_t cooldown,
                                     std::vector<double> min_lr, double eps)
    : LRScheduler(optimizer),
      mode_(mode),
      factor_(factor),
      patience_(patience),
      threshold_(threshold),
      threshold_mode_(threshold_mode),
      cooldown_(cooldown),
      min_lrs_(std::move(min_lr)),
      eps_(eps) {
  check_option(mode == min || mode == max, "ReduceLROnPlateau", "mode", std::to_string(static_cast<int>(mode)), "min or max");
  check_option(threshold_mode == rel || threshold_mode == abs, "ReduceLROnPlateau", "threshold_mode",
               std::to_string(static_cast<int>(threshold_mode)), "rel or abs");
  check_option(factor >= 0 && factor < 1, "ReduceLROnPlateau", "factor", number_string(factor), "in [0, 1)");
  check_option(patience >= 0, "ReduceLROnPlateau", "patience", std::to_string(patience), ">= 0");
  check_option(valid_lr(threshold), "ReduceLROnPlateau", "threshold", number_string(threshold), "a finite number >= 0");
  check_option(cooldown >= 0, "ReduceLROnPlateau", "cooldown", std::to_string(cooldown), ">= 0");
  check_option(valid_lr(eps), "ReduceLROnPlateau", "eps", number_string(eps), "a finite number >= 0");
  if (min_lrs_.empty()) min_lrs_ = {0.0};
  check_per_group(min_lrs_, optimizer.num_param_groups(), "ReduceLROnPlateau", "min_lr", valid_lr, "a finite number >= 0");
  best_ = mode == min ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
  last_epoch_ = 0;
  last_lr_ = current_lr();
  base_lrs_ = last_lr_;
}

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, SchedulerMode mode, double factor, int64_t patience,
                                     double threshold, ThresholdMode threshold_mode, int64_t cooldown, double min_lr,
                                     double eps)
    : ReduceLROnPlateau(optimizer, mode, factor, patience, threshold, threshold_mode, cooldown,
                        std::vector<double>{min_lr}, eps) {}

void ReduceLROnPlateau::step() {
  throw std::logic_error("ReduceLROnPlateau.step: needs the metric, step(metric)");
}

double ReduceLROnPlateau::min_lr_for(size_t group) const { return value_for(min_lrs_, group, "ReduceLROnPlateau", "min_lr"); }

bool ReduceLROnPlateau::is_better(double a, double best) const {
  if (mode_ == min && threshold_mode_ == rel) return a < best * (1. - threshold_);
  if (mode_ == min) return a < best - threshold_;
  if (threshold_mode_ == rel) return a > best * (threshold_ + 1.);
  return a > best + threshold_;
}

void ReduceLROnPlateau::step(double metric) {
  if (last_epoch_ == kMaxEpoch) past_the_end();
  if (last_lr_.size() > optimizer_.num_param_groups())
    throw Error("ReduceLROnPlateau.step: the optimizer has " + std::to_string(optimizer_.num_param_groups()) +
                                " param groups, fewer than the " + std::to_string(last_lr_.size()) + " this scheduler has seen");
  double best = best_;
  int64_t bad = num_bad_epochs_, cooldown_counter = cooldown_counter_;
  if (is_better(metric, best)) {
    best = metric;
    bad = 0;
  } else {
    bad += 1;
  }
  if (cooldown_counter > 0) {
    cooldown_counter -= 1;
    bad = 0;  // ignore any bad epochs in cooldown
  }
  std::vector<double> lrs = current_lr();
  if (bad > patience_) {
    for (size_t g = 0; g < lrs.size(); ++g) {
      const double old_lr = lrs[g];
      const double new_lr = std::max(old_lr * factor_, min_lr_for(g));
      if (old_lr - new_lr > eps_) lrs[g] = new_lr;
    }
    cooldown_counter = cooldown_;
    bad = 0;
  }
  for (size_t g = 0; g < lrs.size(); ++g) optimizer_.set_group_lr(g, lrs[g]);  // each a finite number >= 0
  last_epoch_ += 1;
  best_ = best;
  num_bad_epochs_ = bad;
  cooldown_counter_ = cooldown_counter;
  last_lr_ = std::move(lrs);
  base_lrs_.resize(last_lr_.size(), 0.0);
}

StateDict ReduceLROnPlateau::state_dict() const {
  StateDict state;
  state.emplace_back("last_epoch", scalar_tensor(static_cast<double>(last_epoch_), dtype(kFloat64)));
  state.emplace_back("best", scalar_tensor(best_, dtype(kFloat64)));
  state.emplace_back("num_bad_epochs", scalar_tensor(static_cast<double>(num_bad_epochs_), dtype(kFloat64)));
  state.emplace_back("cooldown_counter", scalar_tensor(static_cast<double>(cooldown_counter_), dtype(kFloat64)));
  for (size_t g = 0; g < last_lr_.size(); ++g)
    state.emplace_back("last_lr." + std::to_string(g), scalar_tensor(last_lr_[g], dtype(kFloat64)));
  return state;
}

void ReduceLROnPlateau::load_state_dict(const StateDict& state) {
  const std::string owner = std::string(name()) + " state";
  int64_t epoch;
  std::vector<double> last_lr;
  parse_composite(state, owner, 0, optimizer_.num_param_groups(), epoch, last_lr, [](const std::string& key) {
    return key == "best" || key == "num_bad_epochs" || key == "cooldown_counter";
  });
  const double best = expect_number(state, "best", owner.c_str());
  if (std::isnan(best)) throw Error(owner + ": 'best' is nan");
  const int64_t bad = checked_integer(expect_number(state, "num_bad_epochs", owner.c_str()), 0, kMaxEpoch, owner + ": 'num_bad_epochs'");
  const int64_t cooldown_counter =
      checked_integer(expect_number(state, "cooldown_counter", owner.c_str()), 0, kMaxEpoch, owner + ": 'cooldown_counter'");
  last_epoch_ = epoch;
  best_ = best;
  num_bad_epochs_ = bad;
  cooldown_counter_ = cooldown_counter;
  last_lr_ = std::move(last_lr);
  base_lrs_.resize(last_lr_.size(), 0.0);
}

}  // namespace optim
}  // namespace xgrad
