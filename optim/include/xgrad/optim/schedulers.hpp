// Learning-rate schedulers: torch.optim.lr_scheduler of torch 1.13 with its epoch counting. Construction is
// epoch 0 (the first lr); each step() advances one epoch and writes the new lr into every param group.
//
// Base lrs: the first scheduler built on an optimizer records each group's lr as the group's initial_lr
// (PyTorch's group['initial_lr']); every scheduler's base lr is that initial_lr, so schedulers chained on one
// optimizer agree. A param group added after the scheduler was built is seen at its next step: its base lr
// is its initial_lr, or its current lr (which then becomes its initial_lr), and from then on it is scheduled
// like the others. Schedulers whose lrs come from their own options (CyclicLR, OneCycleLR, ReduceLROnPlateau's
// min_lr) give a later group the option's value when it was given as one number; given per group, a later
// group makes step() throw std::invalid_argument.
//
// Errors: invalid options throw std::invalid_argument naming the scheduler and the option. step() checks
// everything before it changes anything, and a step that throws leaves the scheduler and the optimizer as
// they were: stepping past last_epoch INT64_MAX, or to an lr that is not a finite number >= 0 (say
// ExponentialLR with gamma > 1 after many epochs), throws std::overflow_error; a factor function returning
// something that is not a finite number >= 0, a momentum the optimizer refuses, or an optimizer with fewer
// groups than the scheduler has seen (erased through param_groups()), std::invalid_argument.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "xgrad/optim/optimizer.hpp"

namespace xgrad {
namespace optim {

class SequentialLR;
class ChainedScheduler;

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  virtual void step();
  // One lr per group the scheduler has seen (see above).
  std::vector<double> get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  Optimizer& optimizer() const { return optimizer_; }
  virtual const char* name() const { return "LRScheduler"; }
  // "last_epoch", "base_lr.<group>" and "last_lr.<group>" for each group the scheduler has seen (and what
  // else a scheduler keeps), to checkpoint beside the optimizer (whose state holds the current lr and
  // momentum): after loading both, training continues exactly.
  virtual StateDict state_dict() const;
  // Validates every entry first (last_epoch an integer >= 0, lrs finite and >= 0, no unknown or repeated
  // entry, no more groups than the optimizer has); on error nothing changes. A state with fewer groups than
  // the optimizer has leaves the others unseen: they get their base lr at the next step.
  virtual void load_state_dict(const StateDict& state);

 protected:
  explicit LRScheduler(Optimizer& optimizer);
  void initialize();  // derived constructors call this last, once their options are checked (the first step)
  // The lr of each group at `epoch` (PyTorch's get_lr, chainable or not), given every group's base lr.
  virtual std::vector<double> compute_lr(int64_t epoch, const std::vector<double>& base_lrs) const;
  // The momentum of each group at `epoch` (CyclicLR, OneCycleLR); empty leaves them alone.
  virtual std::vector<double> compute_momentum(int64_t epoch, size_t groups) const;
  // The lrs of PyTorch's step(0), which SequentialLR calls at a milestone: the closed form at epoch 0 where
  // the scheduler has one (the base lr for most), else compute_lr(0).
  virtual std::vector<double> restart_lr(const std::vector<double>& base_lrs) const;
  virtual void restart();
  // The base lr of group `group` when the scheduler first sees it.
  virtual double adopt_base_lr(size_t group) const;
  // SequentialLR's children must restart; composites and ReduceLROnPlateau cannot.
  virtual bool restartable() const { return true; }

  std::vector<double> current_lr() const;
  // base_lrs_ plus the groups added since; throws when groups were erased.
  std::vector<double> adopted_base_lrs() const;
  // Checks a step's lrs (std::overflow_error) and momenta (std::invalid_argument), then writes them into the
  // optimizer and moves the scheduler to `epoch`.
  void commit(int64_t epoch, std::vector<double> base_lrs, std::vector<double> lrs, const std::vector<double>& momentums);
  [[noreturn]] void past_the_end() const;  // std::overflow_error: last_epoch would pass INT64_MAX
  // What load_state_dict reads for the base entries, checked; `extra` accepts a derived scheduler's entries.
  struct Loaded {
    int64_t last_epoch;
    std::vector<double> base_lrs, last_lr;
  };
  Loaded parse_state(const StateDict& state, const std::function<bool(const std::string&)>& extra) const;
  void apply_state(Loaded loaded);

  Optimizer& optimizer_;
  std::vector<double> base_lrs_;
  int64_t last_epoch_ = -1;
  std::vector<double> last_lr_;

  friend class SequentialLR;
  friend class ChainedScheduler;
};

// Decays every step_size epochs: lr *= gamma; step_size > 0, gamma finite and >= 0.
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);
  const char* name() const override { return "StepLR"; }

 protected:
  std::vector<double> compute_lr(int64_t epoch, const std::vector<double>& base_lrs) const override;
  std::vector<double> restart_lr(const std::vector<double>& base_lrs) const override { return base_lrs; }
  int64_t step_size_;
  double gamma_;
};

// lr *= gamma^(times epoch is listed) at each milestone (listed any number of times, in any order, >= 0).
class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma = 0.1);
  const char* name() const override { return "MultiStepLR"; }

 protected:
  std::vector<double> compute_lr(int64_t epoch, const std::vector<double>& base_lrs) const override;
  std::vector<double> restart_lr(const std::vector<double>& base_lrs) const override;
  std::vector<int64_t> milestones_;  // sorted
  double gamma_;
};

// lr * factor until total_iters, then lr; factor in (0, 1], total_iters > 0.
class ConstantLR : public LRScheduler {
 public:
  ConstantLR(Optimizer& optimizer, double factor = 1.0 / 3, int64_t total_iters = 5);
  const char* name() const override { return "ConstantLR"; }

 protected:
  std::vector<double> compute_lr(int64_t epoch, const std::vector<double>& base_lrs) const override;
  std::vector<double> restart_lr(const std::vector<double>& base_lrs) const override;
  double factor_;
  int64_t total_iters_;
};

// Linear warmup: the factor goes from start_factor to end_factor over total_iters epochs; start_factor in
// (0, 1], end_factor in [0, 1], total_iters > 0.
class LinearLR : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0, int64_t total_iters = 5);
  const char* name() const override { return "LinearLR"; }

 protected:
  std::vector<double> compute_lr(int64_t epoch, const std::vector<double>& base_lrs) const override;
  std::vector<double> restart_lr(const std::vector<double>& base_lrs) const override;
  double start_factor_, end_factor_;
  int64_t total_iters_;
};

// lr *= gamma every epoch; gamma finite and >= 0.
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);
  const char* name() const override { return "ExponentialLR"; }

 protected:
  std::vector<double> compute_lr(int64_t epoch, const std::vector<double>& base_lrs) const override;
  std::vector<double> restart_lr(const std::vector<double>& base_lrs) const override { return base_lrs; }
  double gamma_;
};

// lr *= ((1 - epoch / total_iters) / (1 - (epoch - 1) / total_iters))^power until total_iters (reaching 0);
// total_iters > 0, power finite and >= 0.
class PolynomialLR : public LRScheduler {
 public:
  PolynomialLR(Optimizer& optimizer, int64_t total_iters = 5, double power = 1.0);
  const char* name() const override { return "PolynomialLR"; }

 protected:
  std::vector<double> compute_lr(int64_t epoch, const std::vector<double>& base_lrs) const override;
  std::vector<double> restart_lr(const std::vector<double>& base_lrs) const override { return base_lrs; }
  int64_t total_iters_;
  double power_;
};

// Cosine from base to eta_min over T_max epochs (then back up, as PyTorch's recursive form does); T_max > 0
// (any int64), eta_min finite and >= 0.
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min = 0.0);
  const char* name() const override { return "CosineAnnealingLR"; }

 protected:
  std::vector<double> compute_lr(int64_t epoch, const std::vector<double>& base_lrs) const override;
  std::vector<double> restart_lr(const std::vector<double>& base_lrs) const override;
  int64_t T_max_;
  double eta_min_;
};

// SGDR: cosine from base to eta_min over T_i epochs, then a restart with T_i *= T_mult (T_0 > 0, T_mult >= 1,
// eta_min finite and >= 0). step(epoch) jumps to a fractional epoch (e.g. epoch + batch / batches), as
// PyTorch's; last_epoch is then its floor. State: also "T_i" and "T_cur".
class CosineAnnealingWarmRestarts : public LRScheduler {
 public:
  CosineAnnealingWarmRestarts(Optimizer& optimizer, int64_t T_0, int64_t T_mult = 1, double eta_min = 0.0);
  void step() override;
  // epoch finite and in [0, 2^63); throws std::invalid_argument otherwise (nothing changes).
  void step(double epoch);
  const char* name() const override { return "CosineAnnealingWarmRestarts"; }
  int64_t T_i() const { return T_i_; }
  double T_cur() const { return T_cur_; }
  StateDict state_dict() const override;
  void load_state_dict(const StateDict& state) override;

 protected:
  void restart() override { step(0.0); }
  std::vector<double> lrs_at(double T_cur, int64_t T_i, const std::vector<double>& base_lrs) const;
  void advance(double T_cur, int64_t T_i, int64_t last_epoch);
  int64_t T_0_, T_mult_;
  double eta_min_;
  int64_t T_i_;
  double T_cur_ = -1;
};

// lr = base * factor(epoch); e.g. [](int64_t t) { return 1.0 / (1 + t); } for 1/t decay; one function, or
// one per group. A factor that is not a finite number >= 0 makes step() throw std::invalid_argument.
class LambdaLR : public LRScheduler {
 public:
  using Factor = std::function<double(int64_t epoch)>;
  LambdaLR(Optimizer& optimizer, Factor factor);
  LambdaLR(Optimizer& optimizer, std::vector<Factor> factors);
  const char* name() const override { return "LambdaLR"; }

 protected:
  std::vector<double> compute_lr(int64_t epoch, const std::vector<double>& base_lrs) const override;
  std::vector<Factor> factors_;
};

// lr *= factor(epoch) from epoch 1 on; one function, or one per group; factors checked as LambdaLR's.
class MultiplicativeLR : public LRScheduler {
 public:
  using Factor = std::function<double(int64_t epoch)>;
  MultiplicativeLR(Optimizer& optimizer, Factor factor);
  MultiplicativeLR(Optimizer& optimizer, std::vector<Factor> factors);
  const char* name() const override { return "MultiplicativeLR"; }

 protected:
  std::vector<double> compute_lr(int64_t epoch, const std::vector<double>& base_lrs) const override;
  std::vector<Factor> factors_;
};

enum class CyclicLRMode { triangular, triangular2, exp_range };
enum class CyclicLRScaleMode { cycle, iterations };

// CyclicLR's options, PyTorch's arguments and defaults. Values per group take one number (every group) or
// one per group: base_lr, max_lr, base_momentum, max_momentum. step_size_down defaults to step_size_up;
// scale_fn (with scale_mode) replaces the mode's scaling.
struct CyclicLROptions {
  CyclicLROptions(double base_lr, double max_lr) : base_lr_({base_lr}), max_lr_({max_lr}) {}
  CyclicLROptions(std::vector<double> base_lr, std::vector<double> max_lr)
      : base_lr_(std::move(base_lr)), max_lr_(std::move(max_lr)) {}
  XGRAD_ARG(std::vector<double>, base_lr);
  XGRAD_ARG(std::vector<double>, max_lr);
  XGRAD_ARG(int64_t, step_size_up) = 2000;
  XGRAD_ARG(std::optional<int64_t>, step_size_down) = std::nullopt;
  XGRAD_ARG(CyclicLRMode, mode) = CyclicLRMode::triangular;
  XGRAD_ARG(double, gamma) = 1.0;
  XGRAD_ARG(std::function<double(double)>, scale_fn) = nullptr;
  XGRAD_ARG(CyclicLRScaleMode, scale_mode) = CyclicLRScaleMode::cycle;
  XGRAD_ARG(bool, cycle_momentum) = true;
  XGRAD_ARG(std::vector<double>, base_momentum) = {0.8};
  XGRAD_ARG(std::vector<double>, max_momentum) = {0.9};

 public:
  CyclicLROptions& base_momentum(double value) { return base_momentum(std::vector<double>{value}); }
  CyclicLROptions& max_momentum(double value) { return max_momentum(std::vector<double>{value}); }
};

// Cyclical learning rates (Smith 2017), stepped once per batch: triangular, triangular2 (amplitude halves
// each cycle), exp_range (amplitude times gamma^iteration), or scale_fn. With cycle_momentum the
// optimizer's momentum (beta1 for the Adam family, as PyTorch 2.x; torch 1.13 refused Adam) cycles
// inversely between max_momentum and base_momentum.
class CyclicLR : public LRScheduler {
 public:
  CyclicLR(Optimizer& optimizer, CyclicLROptions options);
  const char* name() const override { return "CyclicLR"; }

 protected:
  std::vector<double> compute_lr(int64_t epoch, const std::vector<double>& base_lrs) const override;
  std::vector<double> compute_momentum(int64_t epoch, size_t groups) const override;
  double adopt_base_lr(size_t group) const override;
  // The scale factor (position in the cycle) and the amplitude scaling at `epoch`.
  std::pair<double, double> position(int64_t epoch) const;
  CyclicLROptions options_;
  double total_size_, step_ratio_;
};

enum class AnnealStrategy { cos, linear };

// OneCycleLR's options, PyTorch's arguments and defaults: total_steps, or epochs and steps_per_epoch.
struct OneCycleLROptions {
  OneCycleLROptions(double max_lr, int64_t total_steps = 0) : max_lr_({max_lr}), total_steps_(total_steps) {}
  OneCycleLROptions(std::vector<double> max_lr, int64_t total_steps = 0)
      : max_lr_(std::move(max_lr)), total_steps_(total_steps) {}
  XGRAD_ARG(std::vector<double>, max_lr);
  XGRAD_ARG(int64_t, total_steps);
  XGRAD_ARG(int64_t, epochs) = 0;
  XGRAD_ARG(int64_t, steps_per_epoch) = 0;
  XGRAD_ARG(double, pct_start) = 0.3;
  XGRAD_ARG(AnnealStrategy, anneal_strategy) = AnnealStrategy::cos;
  XGRAD_ARG(bool, cycle_momentum) = true;
  XGRAD_ARG(std::vector<double>, base_momentum) = {0.85};
  XGRAD_ARG(std::vector<double>, max_momentum) = {0.95};
  XGRAD_ARG(double, div_factor) = 25.;
  XGRAD_ARG(double, final_div_factor) = 1e4;
  XGRAD_ARG(bool, three_phase) = false;

 public:
  OneCycleLROptions& base_momentum(double value) { return base_momentum(std::vector<double>{value}); }
  OneCycleLROptions& max_momentum(double value) { return max_momentum(std::vector<double>{value}); }
};

// The 1cycle policy (Smith and Topin 2018), stepped once per batch: from max_lr / div_factor up to max_lr
// over pct_start of the steps, then down to initial / final_div_factor (three_phase: back to the initial lr
// first, then down), cosine or linear; momentum (or beta1) cycles inversely. Sets each group's initial_lr
// to max_lr / div_factor, as PyTorch. Stepping more than total_steps times throws std::out_of_range; the
// total_steps-th step extrapolates past the end as PyTorch's does, except that an lr below zero (linear
// annealing) is 0.
class OneCycleLR : public LRScheduler {
 public:
  OneCycleLR(Optimizer& optimizer, OneCycleLROptions options);
  const char* name() const override { return "OneCycleLR"; }

 protected:
  std::vector<double> compute_lr(int64_t epoch, const std::vector<double>& base_lrs) const override;
  std::vector<double> compute_momentum(int64_t epoch, size_t groups) const override;
  double adopt_base_lr(size_t group) const override;
  struct Phase {
    double end_step;
    int start_lr, end_lr, start_momentum, end_momentum;  // 0 initial, 1 max, 2 min; momentum 0 base, 1 max
  };
  // The phase of `epoch` and the fraction of it done.
  std::pair<const Phase*, double> phase_at(int64_t epoch) const;
  double anneal(double start, double end, double pct) const;
  OneCycleLROptions options_;
  int64_t total_steps_;
  std::vector<Phase> phases_;
};

// Runs the schedulers one after another: schedulers[i] from milestone i - 1 on, restarted there (PyTorch's
// step(0): the closed form at epoch 0, mostly the base lr). All must be built on `optimizer`, none may be a
// SequentialLR, ChainedScheduler or ReduceLROnPlateau; milestones increasing and > 0, one fewer than the
// schedulers. The children are referenced, not copied: they must outlive this scheduler. State: its own
// entries and each child's under "schedulers.<i>.".
class SequentialLR : public LRScheduler {
 public:
  SequentialLR(Optimizer& optimizer, std::vector<std::reference_wrapper<LRScheduler>> schedulers,
               std::vector<int64_t> milestones);
  void step() override;
  const char* name() const override { return "SequentialLR"; }
  StateDict state_dict() const override;
  void load_state_dict(const StateDict& state) override;

 protected:
  bool restartable() const override { return false; }
  std::vector<std::reference_wrapper<LRScheduler>> schedulers_;
  std::vector<int64_t> milestones_;
};

// Steps every scheduler at each step (chainable schedulers multiply their effects). All on one optimizer;
// no ReduceLROnPlateau. The children are referenced, not copied: they must outlive this scheduler.
class ChainedScheduler : public LRScheduler {
 public:
  explicit ChainedScheduler(std::vector<std::reference_wrapper<LRScheduler>> schedulers);
  void step() override;
  const char* name() const override { return "ChainedScheduler"; }
  StateDict state_dict() const override;
  void load_state_dict(const StateDict& state) override;

 protected:
  bool restartable() const override { return false; }
  std::vector<std::reference_wrapper<LRScheduler>> schedulers_;
};

// Reduces the lr by `factor` when a metric has stopped improving for `patience` epochs (LibTorch 2.x's
// ReduceLROnPlateauScheduler): step(metric) after each validation; improvement is relative (rel) or absolute
// (abs) by `threshold`; after a reduction `cooldown` epochs are ignored; lrs never go below min_lr (none:
// 0; one number: every group; else one per group) and changes smaller than eps are skipped. factor in
// [0, 1), patience and cooldown >= 0, threshold, min_lr and eps finite and >= 0. step() without a metric
// throws std::logic_error. State: "last_epoch", "best", "num_bad_epochs", "cooldown_counter", "last_lr.<g>".
class ReduceLROnPlateau : public LRScheduler {
 public:
  enum SchedulerMode { min, max };
  enum ThresholdMode { rel, abs };
  ReduceLROnPlateau(Optimizer& optimizer, SchedulerMode mode = min, double factor = 0.1, int64_t patience = 10,
                    double threshold = 1e-4, ThresholdMode threshold_mode = rel, int64_t cooldown = 0,
                    std::vector<double> min_lr = {}, double eps = 1e-8);
  ReduceLROnPlateau(Optimizer& optimizer, SchedulerMode mode, double factor, int64_t patience, double threshold,
                    ThresholdMode threshold_mode, int64_t cooldown, double min_lr, double eps = 1e-8);
  void step() override;
  void step(double metric);
  const char* name() const override { return "ReduceLROnPlateau"; }
  double best() const { return best_; }
  int64_t num_bad_epochs() const { return num_bad_epochs_; }
  int64_t cooldown_counter() const { return cooldown_counter_; }
  StateDict state_dict() const override;
  void load_state_dict(const StateDict& state) override;

 protected:
  bool restartable() const override { return false; }
  bool is_better(double a, double best) const;
  double min_lr_for(size_t group) const;
  SchedulerMode mode_;
  double factor_;
  int64_t patience_;
  double threshold_;
  ThresholdMode threshold_mode_;
  int64_t cooldown_;
  std::vector<double> min_lrs_;
  double eps_;
  double best_;
  int64_t num_bad_epochs_ = 0, cooldown_counter_ = 0;
};
using ReduceLROnPlateauScheduler = ReduceLROnPlateau;

}  // namespace optim
}  // namespace xgrad
