// Learning-rate schedulers with PyTorch's epoch counting: construction sets epoch 0 (the initial lr),
// each step() advances one epoch and writes the new lr into every param group.
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
  std::vector<double> get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  // "last_epoch", "base_lr.<group>" and "last_lr.<group>", to checkpoint beside the optimizer (whose state
  // holds the current lr): after loading both, training continues exactly.
  StateDict state_dict() const;
  // Validates every entry first; on error nothing changes.
  void load_state_dict(const StateDict& state);

 protected:
  explicit LRScheduler(Optimizer& optimizer);
  void initialize();  // derived constructors call this last (PyTorch's initial step)
  // The lr of each group for last_epoch_, given the current ones (PyTorch's chainable get_lr).
  virtual std::vector<double> compute_lr() const = 0;
  std::vector<double> current_lr() const;

  Optimizer& optimizer_;
  std::vector<double> base_lrs_;
  int64_t last_epoch_ = -1;

 private:
  std::vector<double> last_lr_;
};

// lr = base * gamma^(epoch / step_size)
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);

 protected:
  std::vector<double> compute_lr() const override;
  int64_t step_size_;
  double gamma_;
};

// lr = base * gamma^epoch
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);

 protected:
  std::vector<double> compute_lr() const override;
  double gamma_;
};

// Cosine from base to eta_min over T_max epochs (then back up, as PyTorch's recursive form does).
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min = 0.0);

 protected:
  std::vector<double> compute_lr() const override;
  int64_t T_max_;
  double eta_min_;
};

// lr = base * factor(epoch); e.g. [](int64_t t) { return 1.0 / (1 + t); } for 1/t decay.
class LambdaLR : public LRScheduler {
 public:
  LambdaLR(Optimizer& optimizer, std::function<double(int64_t epoch)> factor);

 protected:
  std::vector<double> compute_lr() const override;
  std::function<double(int64_t)> factor_;
};

// Linear warmup: the factor goes from start_factor to end_factor over total_iters epochs (torch LinearLR).
class LinearLR : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0, int64_t total_iters = 5);

 protected:
  std::vector<double> compute_lr() const override;
  double start_factor_, end_factor_;
  int64_t total_iters_;
};

}  // namespace optim
}  // namespace xgrad
