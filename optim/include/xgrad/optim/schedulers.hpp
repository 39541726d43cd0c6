// Learning-rate schedulers with PyTorch's epoch counting: construction sets epoch 0 (the initial lr),
// each step() advances one epoch and writes the new lr into every param group.
//
// Param groups added to the optimizer after the scheduler was built: PyTorch records each group's
// `initial_lr` when the scheduler is built. Here a group the scheduler has not seen yet gets its current lr
// as its initial (base) lr when the scheduler next steps, and from then on is scheduled like the others
// (the chainable schedulers scale its current lr; LambdaLR multiplies that base lr by the factor).
//
// Errors: invalid options throw std::invalid_argument naming the scheduler and the option. step() checks
// everything before it changes anything, and a step that throws leaves the scheduler and the optimizer as
// they were: stepping past last_epoch INT64_MAX, or to an lr that is not a finite number >= 0 (say
// ExponentialLR with gamma > 1 after many epochs), throws std::overflow_error; a LambdaLR factor that is not
// a finite number >= 0, or an optimizer with fewer groups than the scheduler has seen (erased through
// param_groups()), std::invalid_argument.
#pragma once

#include <functional>
#include <vector>

#include "xgrad/optim/optimizer.hpp"

namespace xgrad {
namespace optim {

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  void step();
  // One lr per group the scheduler has seen (see above).
  std::vector<double> get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  virtual const char* name() const { return "LRScheduler"; }
  // "last_epoch", "base_lr.<group>" and "last_lr.<group>" for each group the scheduler has seen, to
  // checkpoint beside the optimizer (whose state holds the current lr): after loading both, training
  // continues exactly.
  StateDict state_dict() const;
  // Validates every entry first (last_epoch an integer >= 0, lrs finite and >= 0, no unknown or repeated
  // entry, no more groups than the optimizer has); on error nothing changes. A state with fewer groups than
  // the optimizer has leaves the others unseen: they get their current lr as base lr at the next step.
  void load_state_dict(const StateDict& state);

 protected:
  explicit LRScheduler(Optimizer& optimizer);
  void initialize();  // derived constructors call this last (PyTorch's initial step)
  // The lr of each group at `epoch`, given the current ones and the base lrs (PyTorch's chainable get_lr).
  virtual std::vector<double> compute_lr(int64_t epoch, const std::vector<double>& base_lrs) const = 0;
  std::vector<double> current_lr() const;

  Optimizer& optimizer_;
  std::vector<double> base_lrs_;
  int64_t last_epoch_ = -1;

 private:
  std::vector<double> last_lr_;
};

// lr = base * gamma^(epoch / step_size); step_size > 0, gamma finite and >= 0.
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);
  const char* name() const override { return "StepLR"; }

 protected:
  std::vector<double> compute_lr(int64_t epoch, const std::vector<double>& base_lrs) const override;
  int64_t step_size_;
  double gamma_;
};

// lr = base * gamma^epoch; gamma finite and >= 0.
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);
  const char* name() const override { return "ExponentialLR"; }

 protected:
  std::vector<double> compute_lr(int64_t epoch, const std::vector<double>& base_lrs) const override;
  double gamma_;
};

// Cosine from base to eta_min over T_max epochs (then back up, as PyTorch's recursive form does); T_max > 0
// (any int64), eta_min finite and >= 0.
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min = 0.0);
  const char* name() const override { return "CosineAnnealingLR"; }

 protected:
  std::vector<double> compute_lr(int64_t epoch, const std::vector<double>& base_lrs) const override;
  int64_t T_max_;
  double eta_min_;
};

// lr = base * factor(epoch); e.g. [](int64_t t) { return 1.0 / (1 + t); } for 1/t decay. A factor that is
// not a finite number >= 0 makes step() throw std::invalid_argument (nothing changes).
class LambdaLR : public LRScheduler {
 public:
  LambdaLR(Optimizer& optimizer, std::function<double(int64_t epoch)> factor);
  const char* name() const override { return "LambdaLR"; }

 protected:
  std::vector<double> compute_lr(int64_t epoch, const std::vector<double>& base_lrs) const override;
  std::function<double(int64_t)> factor_;
};

// Linear warmup: the factor goes from start_factor to end_factor over total_iters epochs (torch LinearLR);
// start_factor in (0, 1], end_factor in [0, 1], total_iters > 0.
class LinearLR : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0, int64_t total_iters = 5);
  const char* name() const override { return "LinearLR"; }

 protected:
  std::vector<double> compute_lr(int64_t epoch, const std::vector<double>& base_lrs) const override;
  double start_factor_, end_factor_;
  int64_t total_iters_;
};

}  // namespace optim
}  // namespace xgrad
