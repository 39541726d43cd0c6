// The optimizers PyTorch has in Python only, in LibTorch's style: Adadelta, Adamax, NAdam and RAdam.
#pragma once
#include "xgrad/optim/adam.hpp"

namespace xgrad {
namespace optim {

// torch.optim.Adadelta: square_avg = rho square_avg + (1 - rho) g^2,
// delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) g, acc_delta = rho acc_delta + (1 - rho) delta^2,
// p -= lr delta. validate() refuses a negative or non-finite lr, eps or weight_decay and rho outside [0, 1].
struct AdadeltaOptions : public OptimizerCloneableOptions<AdadeltaOptions> {
  AdadeltaOptions(double lr = 1.0) : lr_(lr) {}
  static void validate(const AdadeltaOptions& options);
  XGRAD_ARG(double, lr) = 1.0;
  XGRAD_ARG(double, rho) = 0.9;
  XGRAD_ARG(double, eps) = 1e-6;
  XGRAD_ARG(double, weight_decay) = 0;
  XGRAD_ARG(bool, maximize) = false;

 public:
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
  friend bool operator==(const AdadeltaOptions& a, const AdadeltaOptions& b);
};

struct AdadeltaParamState : public OptimizerCloneableParamState<AdadeltaParamState> {
  XGRAD_ARG(int64_t, step) = 0;
  XGRAD_ARG(Tensor, square_avg);
  XGRAD_ARG(Tensor, acc_delta);
};

// torch.optim.Adamax: exp_avg as Adam's, exp_inf = max(beta2 exp_inf, |g| + eps),
// p -= lr / (1 - beta1^t) exp_avg / exp_inf. validate() as Adam's.
struct AdamaxOptions : public OptimizerCloneableOptions<AdamaxOptions> {
  AdamaxOptions(double lr = 2e-3) : lr_(lr) {}
  static void validate(const AdamaxOptions& options);
  XGRAD_ARG(double, lr) = 2e-3;
  XGRAD_ARG(Betas, betas) = Betas{0.9, 0.999};
  XGRAD_ARG(double, eps) = 1e-8;
  XGRAD_ARG(double, weight_decay) = 0;
  XGRAD_ARG(bool, maximize) = false;

 public:
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
  bool has_momentum() const override { return true; }
  double get_momentum() const override { return betas().first; }
  void set_momentum(const double beta1) override { betas().first = beta1; }
  friend bool operator==(const AdamaxOptions& a, const AdamaxOptions& b);
};

struct AdamaxParamState : public OptimizerCloneableParamState<AdamaxParamState> {
  XGRAD_ARG(int64_t, step) = 0;
  XGRAD_ARG(Tensor, exp_avg);
  XGRAD_ARG(Tensor, exp_inf);
};

// torch.optim.NAdam (torch 1.13, which has no maximize): Adam with Nesterov momentum and the momentum
// schedule mu_t = beta1 (1 - 0.5 0.96^(t momentum_decay)); mu_product is kept in float32 as PyTorch keeps
// it. validate() as Adam's, plus momentum_decay finite and >= 0.
struct NAdamOptions : public OptimizerCloneableOptions<NAdamOptions> {
  NAdamOptions(double lr = 2e-3) : lr_(lr) {}
  static void validate(const NAdamOptions& options);
  XGRAD_ARG(double, lr) = 2e-3;
  XGRAD_ARG(Betas, betas) = Betas{0.9, 0.999};
  XGRAD_ARG(double, eps) = 1e-8;
  XGRAD_ARG(double, weight_decay) = 0;
  XGRAD_ARG(double, momentum_decay) = 4e-3;

 public:
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
  bool has_momentum() const override { return true; }
  double get_momentum() const override { return betas().first; }
  void set_momentum(const double beta1) override { betas().first = beta1; }
  friend bool operator==(const NAdamOptions& a, const NAdamOptions& b);
};

struct NAdamParamState : public OptimizerCloneableParamState<NAdamParamState> {
  XGRAD_ARG(int64_t, step) = 0;
  XGRAD_ARG(double, mu_product) = 1.0;
  XGRAD_ARG(Tensor, exp_avg);
  XGRAD_ARG(Tensor, exp_avg_sq);
};

// torch.optim.RAdam (torch 1.13, no maximize): Adam's moments with the variance rectification once the
// approximated SMA length rho_t exceeds 5, plain bias-corrected momentum before. validate() as Adam's.
struct RAdamOptions : public OptimizerCloneableOptions<RAdamOptions> {
  RAdamOptions(double lr = 1e-3) : lr_(lr) {}
  static void validate(const RAdamOptions& options);
  XGRAD_ARG(double, lr) = 1e-3;
  XGRAD_ARG(Betas, betas) = Betas{0.9, 0.999};
  XGRAD_ARG(double, eps) = 1e-8;
  XGRAD_ARG(double, weight_decay) = 0;

 public:
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
  bool has_momentum() const override { return true; }
  double get_momentum() const override { return betas().first; }
  void set_momentum(const double beta1) override { betas().first = beta1; }
  friend bool operator==(const RAdamOptions& a, const RAdamOptions& b);
};

struct RAdamParamState : public OptimizerCloneableParamState<RAdamParamState> {
  XGRAD_ARG(int64_t, step) = 0;
  XGRAD_ARG(Tensor, exp_avg);
  XGRAD_ARG(Tensor, exp_avg_sq);
};

#define XGRAD_OPTIMIZER_CLASS(Name)                                                                              \
  class Name : public Optimizer {                                                                                \
   public:                                                                                                       \
    Name(std::vector<OptimizerParamGroup> param_groups, Name##Options defaults = {});                            \
    Name(std::vector<Tensor> params, Name##Options defaults = {});                                               \
    Tensor step(LossClosure closure = nullptr) override;                                                         \
    const char* name() const override { return #Name; }                                                          \
                                                                                                                 \
   protected:                                                                                                    \
    void validate_options(const OptimizerOptions& options) const override;                                       \
    void save_param_state(const OptimizerParamState& state, const std::string& prefix, StateDict& out) const override; \
    std::unique_ptr<OptimizerParamState> load_param_state(const StateDict& state, const std::string& prefix,     \
                                                          const Tensor& param, std::set<std::string>& known) const override; \
  }

XGRAD_OPTIMIZER_CLASS(Adadelta);
XGRAD_OPTIMIZER_CLASS(Adamax);
XGRAD_OPTIMIZER_CLASS(NAdam);
XGRAD_OPTIMIZER_CLASS(RAdam);
#undef XGRAD_OPTIMIZER_CLASS

}  // namespace optim
}  // namespace xgrad
