// The chainable formulas of torch/optim/lr_scheduler.py.
#include "xgrad/optim/schedulers.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "state.hpp"

namespace xgrad {
namespace optim {

namespace {
bool valid_lr(double lr) { return std::isfinite(lr) && lr >= 0; }

void check_option(bool ok, const char* scheduler, const std::string& option, const std::string& value,
                  const char* range) {
  if (!ok)
    throw std::invalid_argument(std::string(scheduler) + ": invalid " + option + " " + value + " (must be " + range + ")");
}
}  // namespace

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer) {
  for (size_t g = 0; g < optimizer.num_param_groups(); ++g) base_lrs_.push_back(optimizer.group_lr(g));
}

void LRScheduler::initialize() { step(); }

std::vector<double> LRScheduler::current_lr() const {
  std::vector<double> lrs;
  for (size_t g = 0; g < optimizer_.num_param_groups(); ++g) lrs.push_back(optimizer_.group_lr(g));
  return lrs;
}

void LRScheduler::step() {
  // Everything is computed and checked on copies; the scheduler and the optimizer change only at the end.
  if (last_epoch_ == std::numeric_limits<int64_t>::max())
    throw std::overflow_error(std::string(name()) + ".step: last_epoch would pass INT64_MAX");
  if (base_lrs_.size() > optimizer_.num_param_groups())  // groups erased through param_groups()
    throw std::invalid_argument(std::string(name()) + ".step: the optimizer has " +
                                std::to_string(optimizer_.num_param_groups()) + " param groups, fewer than the " +
                                std::to_string(base_lrs_.size()) + " this scheduler has seen");
  const int64_t epoch = last_epoch_ + 1;
  std::vector<double> base = base_lrs_;
  for (size_t g = base.size(); g < optimizer_.num_param_groups(); ++g) base.push_back(optimizer_.group_lr(g));
  std::vector<double> lrs = compute_lr(epoch, base);
  for (size_t g = 0; g < lrs.size(); ++g)
    if (!valid_lr(lrs[g]))
      throw std::overflow_error(std::string(name()) + ".step: the learning rate of group " + std::to_string(g) +
                                " at epoch " + std::to_string(epoch) + " would be " + number_string(lrs[g]) +
                                " (not a finite number >= 0)");
  for (size_t g = 0; g < lrs.size(); ++g) optimizer_.set_group_lr(g, lrs[g]);
  last_epoch_ = epoch;
  base_lrs_ = std::move(base);
  last_lr_ = std::move(lrs);
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

void LRScheduler::load_state_dict(const StateDict& state) {
  const std::string owner = std::string(name()) + " state";
  int64_t epoch = checked_integer(expect_number(state, "last_epoch", owner.c_str()), 0,
                                  std::numeric_limits<int64_t>::max(), owner + ": 'last_epoch'");
  std::vector<double> base, last;
  while (find_entry(state, "base_lr." + std::to_string(base.size()))) {
    const std::string g = std::to_string(base.size());
    if (base.size() == optimizer_.num_param_groups())
      throw std::invalid_argument(owner + ": has learning rates for more groups than the optimizer's " +
                                  std::to_string(optimizer_.num_param_groups()));
    base.push_back(expect_number(state, "base_lr." + g, owner.c_str()));
    last.push_back(expect_number(state, "last_lr." + g, owner.c_str()));
    for (const char* key : {"base_lr.", "last_lr."}) {
      double lr = key[0] == 'b' ? base.back() : last.back();
      if (!valid_lr(lr))
        throw std::invalid_argument(owner + ": '" + key + g + "' is " + number_string(lr) + " (must be a finite number >= 0)");
    }
  }
  reject_unknown(
      state,
      [&](const std::string& key) {
        if (key == "last_epoch") return true;
        for (size_t g = 0; g < base.size(); ++g)
          if (key == "base_lr." + std::to_string(g) || key == "last_lr." + std::to_string(g)) return true;
        return false;
      },
      owner.c_str());
  last_epoch_ = epoch;
  base_lrs_ = std::move(base);
  last_lr_ = std::move(last);
}

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

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min)
    : LRScheduler(optimizer), T_max_(T_max), eta_min_(eta_min) {
  check_option(T_max > 0, "CosineAnnealingLR", "T_max", std::to_string(T_max), "> 0");
  check_option(valid_lr(eta_min), "CosineAnnealingLR", "eta_min", number_string(eta_min), "a finite number >= 0");
  initialize();
}
std::vector<double> CosineAnnealingLR::compute_lr(int64_t epoch, const std::vector<double>& base_lrs) const {
  const double pi = std::acos(-1.0);
  std::vector<double> lrs = current_lr();
  if (epoch == 0) return lrs;
  const double e = static_cast<double>(epoch), period = static_cast<double>(T_max_);
  // PyTorch's test (epoch - 1 - T_max) % (2 T_max) == 0, in unsigned arithmetic: 2 T_max and epoch - 1 always
  // fit in uint64, where the int64 expression overflows for T_max > INT64_MAX / 2.
  const uint64_t cycle = 2 * static_cast<uint64_t>(T_max_);
  const bool restart = static_cast<uint64_t>(epoch - 1) % cycle == static_cast<uint64_t>(T_max_);
  for (size_t g = 0; g < lrs.size(); ++g) {
    if (restart) {
      lrs[g] = lrs[g] + (base_lrs[g] - eta_min_) * (1 - std::cos(pi / period)) / 2;
      continue;
    }
    const double denominator = 1 + std::cos(pi * (e - 1) / period);
    // With T_max beyond 2^53, (epoch - 1) / T_max may round to an odd integer though it is not one: the
    // recursive ratio would divide by zero, so use the closed form there.
    if (denominator == 0)
      lrs[g] = eta_min_ + (base_lrs[g] - eta_min_) * (1 + std::cos(pi * e / period)) / 2;
    else
      lrs[g] = (1 + std::cos(pi * e / period)) / denominator * (lrs[g] - eta_min_) + eta_min_;
  }
  return lrs;
}

LambdaLR::LambdaLR(Optimizer& optimizer, std::function<double(int64_t)> factor)
    : LRScheduler(optimizer), factor_(std::move(factor)) {
  if (!factor_) throw std::invalid_argument("LambdaLR: the factor function is empty");
  initialize();
}
std::vector<double> LambdaLR::compute_lr(int64_t epoch, const std::vector<double>& base_lrs) const {
  const double factor = factor_(epoch);
  if (!valid_lr(factor))
    throw std::invalid_argument("LambdaLR: the factor function returned " + number_string(factor) + " for epoch " +
                                std::to_string(epoch) + " (must be a finite number >= 0)");
  std::vector<double> lrs = base_lrs;
  for (double& lr : lrs) lr *= factor;
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
    // the two products would cancel in double (total_iters near INT64_MAX).
    const double change = end_factor_ - start_factor_;
    const double denominator = start_factor_ * static_cast<double>(total_iters_ - epoch + 1) +
                               end_factor_ * static_cast<double>(epoch - 1);
    for (double& lr : lrs) lr *= 1 + change / denominator;
  }
  return lrs;
}

}  // namespace optim
}  // namespace xgrad
