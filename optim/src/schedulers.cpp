// The chainable formulas of torch/optim/lr_scheduler.py.
#include "xgrad/optim/schedulers.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace xgrad {
namespace optim {

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
  ++last_epoch_;
  std::vector<double> lrs = compute_lr();
  for (size_t g = 0; g < lrs.size(); ++g) optimizer_.set_group_lr(g, lrs[g]);
  last_lr_ = lrs;
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
  auto number = [&](const std::string& name) {
    for (auto& [key, tensor] : state)
      if (key == name) {
        if (!tensor.defined() || tensor.numel() != 1)
          throw std::invalid_argument("scheduler state: '" + name + "' must hold one number");
        return tensor.item();
      }
    throw std::invalid_argument("scheduler state: missing '" + name + "'");
  };
  double epoch = number("last_epoch");
  if (!(epoch >= 0 && epoch == std::floor(epoch))) throw std::invalid_argument("scheduler state: invalid last_epoch");
  std::vector<double> base, last;
  for (size_t g = 0; g < base_lrs_.size(); ++g) {
    base.push_back(number("base_lr." + std::to_string(g)));
    last.push_back(number("last_lr." + std::to_string(g)));
  }
  if (state.size() != 1 + 2 * base_lrs_.size())
    throw std::invalid_argument("scheduler state: expected " + std::to_string(1 + 2 * base_lrs_.size()) +
                                " entries, got " + std::to_string(state.size()));
  last_epoch_ = static_cast<int64_t>(epoch);
  base_lrs_ = base;
  last_lr_ = last;
}

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
  if (step_size <= 0) throw std::invalid_argument("StepLR: step_size must be positive");
  initialize();
}
std::vector<double> StepLR::compute_lr() const {
  std::vector<double> lrs = current_lr();
  if (last_epoch_ == 0 || last_epoch_ % step_size_ != 0) return lrs;
  for (double& lr : lrs) lr *= gamma_;
  return lrs;
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma) : LRScheduler(optimizer), gamma_(gamma) { initialize(); }
std::vector<double> ExponentialLR::compute_lr() const {
  std::vector<double> lrs = current_lr();
  if (last_epoch_ == 0) return lrs;
  for (double& lr : lrs) lr *= gamma_;
  return lrs;
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min)
    : LRScheduler(optimizer), T_max_(T_max), eta_min_(eta_min) {
  if (T_max <= 0) throw std::invalid_argument("CosineAnnealingLR: T_max must be positive");
  initialize();
}
std::vector<double> CosineAnnealingLR::compute_lr() const {
  const double pi = std::acos(-1.0);
  std::vector<double> lrs = current_lr();
  if (last_epoch_ == 0) return lrs;
  const double epoch = static_cast<double>(last_epoch_), period = static_cast<double>(T_max_);
  for (size_t g = 0; g < lrs.size(); ++g) {
    if ((last_epoch_ - 1 - T_max_) % (2 * T_max_) == 0)
      lrs[g] = lrs[g] + (base_lrs_[g] - eta_min_) * (1 - std::cos(pi / period)) / 2;
    else
      lrs[g] = (1 + std::cos(pi * epoch / period)) / (1 + std::cos(pi * (epoch - 1) / period)) * (lrs[g] - eta_min_) +
               eta_min_;
  }
  return lrs;
}

LambdaLR::LambdaLR(Optimizer& optimizer, std::function<double(int64_t)> factor)
    : LRScheduler(optimizer), factor_(std::move(factor)) {
  if (!factor_) throw std::invalid_argument("LambdaLR: the factor function is empty");
  initialize();
}
std::vector<double> LambdaLR::compute_lr() const {
  std::vector<double> lrs = base_lrs_;
  for (double& lr : lrs) lr *= factor_(last_epoch_);
  return lrs;
}

LinearLR::LinearLR(Optimizer& optimizer, double start_factor, double end_factor, int64_t total_iters)
    : LRScheduler(optimizer), start_factor_(start_factor), end_factor_(end_factor), total_iters_(total_iters) {
  if (!(start_factor > 0 && start_factor <= 1) || !(end_factor >= 0 && end_factor <= 1))
    throw std::invalid_argument("LinearLR: factors must lie in (0, 1] and [0, 1]");
  initialize();
}
std::vector<double> LinearLR::compute_lr() const {
  std::vector<double> lrs = current_lr();
  if (last_epoch_ == 0) {
    for (double& lr : lrs) lr *= start_factor_;
  } else if (last_epoch_ <= total_iters_) {
    double change = end_factor_ - start_factor_;
    for (double& lr : lrs)
      lr *= 1 + change / (static_cast<double>(total_iters_) * start_factor_ + static_cast<double>(last_epoch_ - 1) * change);
  }
  return lrs;
}

}  // namespace optim
}  // namespace xgrad
