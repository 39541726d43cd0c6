// Adam and AdamW as torch/optim/adam.py and adamw.py (_single_tensor_adam(w) of torch 1.13), fused into
// one pass per parameter with PyTorch's operation order and rounding (see kernels.hpp; bias corrections
// computed in double like Python floats).
#include "xgrad/optim/adam.hpp"

#include <cmath>

#include "kernels.hpp"
#include "state.hpp"
#include "tensor_impl.hpp"

namespace xgrad {
namespace optim {

namespace {
template <class Options>
void validate_adam(const Options& o, const char* name) {
  detail::check_lr(name, o.lr());
  check_option(finite_non_negative(o.eps()), name, "epsilon value", o.eps(), "a finite number >= 0");
  check_option(o.betas().first >= 0 && o.betas().first < 1, name, "beta parameter at index 0:", o.betas().first, "in [0, 1)");
  check_option(o.betas().second >= 0 && o.betas().second < 1, name, "beta parameter at index 1:", o.betas().second, "in [0, 1)");
  check_option(finite_non_negative(o.weight_decay()), name, "weight_decay value", o.weight_decay(), "a finite number >= 0");
}

template <class Options>
bool same_adam_options(const Options& a, const Options& b) {
  return a.lr() == b.lr() && a.betas() == b.betas() && a.eps() == b.eps() && a.weight_decay() == b.weight_decay() &&
         a.amsgrad() == b.amsgrad() && a.maximize() == b.maximize();
}

struct AdamConstants {
  double lr, weight_decay, beta1, beta2, eps, step_size, bias_correction2_sqrt;
};

template <class T>
struct AdamBuffers {
  T* param;
  const T* gradient;
  T* exp_avg;
  T* exp_avg_sq;
  T* max_exp_avg_sq;
  int64_t count;
};

// One element-wise pass in PyTorch's operation order.
template <class T, bool kDecoupled, bool kCoupledDecay, bool kAmsgrad>
void adam_kernel(const AdamBuffers<T>& b, const AdamConstants& c, bool maximize) {
  const T sign = maximize ? T(-1) : T(1);  // exact negation
  const T decay = T(1 - c.lr * c.weight_decay), weight_decay = T(c.weight_decay);
  const T beta1 = T(c.beta1), one_minus_beta1 = T(1 - c.beta1), beta2 = T(c.beta2), one_minus_beta2 = T(1 - c.beta2);
  const T correction = T(c.bias_correction2_sqrt), eps = T(c.eps), negative_step = T(-c.step_size);
  T* __restrict param = b.param;
  T* __restrict m = b.exp_avg;
  T* __restrict v = b.exp_avg_sq;
  T* __restrict v_max = b.max_exp_avg_sq;
  const T* __restrict gradient = b.gradient;
  for (int64_t k = 0; k < b.count; ++k) {
    T d = sign * gradient[k];
    if (kDecoupled) param[k] = param[k] * decay;                              // param.mul_(1 - lr * wd)
    if (kCoupledDecay) d = kernel::fmadd(param[k], weight_decay, d);          // grad.add(param, alpha=wd)
    m[k] = kernel::fmadd(d, one_minus_beta1, m[k] * beta1);                   // exp_avg.mul_(b1).add_(g, alpha=1-b1)
    v[k] = kernel::fmadd(one_minus_beta2 * d, d, v[k] * beta2);               // .mul_(b2).addcmul_(g, g, value=1-b2)
    T second = v[k];
    if (kAmsgrad) second = v_max[k] = kernel::maximum(v_max[k], second);      // torch.maximum(max, v, out=max)
    T denominator = std::sqrt(second) / correction + eps;
    param[k] = param[k] + negative_step * m[k] / denominator;                 // addcdiv_: (value * t1) / t2
  }
}

// The update of one parameter; State is AdamParamState or AdamWParamState.
template <bool kDecoupled, class Options, class State>
void adam_update(const Options& o, const Tensor& p, const Tensor& grad, State& state) {
  if (!state.exp_avg().defined()) {
    state.exp_avg(zeros_like(p));
    state.exp_avg_sq(zeros_like(p));
  }
  if (o.amsgrad() && !state.max_exp_avg_sq().defined()) state.max_exp_avg_sq(zeros_like(p));
  state.step(state.step() + 1);
  const double beta1 = o.betas().first, beta2 = o.betas().second;
  const double bias_correction1 = 1 - std::pow(beta1, static_cast<double>(state.step()));
  const double bias_correction2 = 1 - std::pow(beta2, static_cast<double>(state.step()));
  AdamConstants constants{o.lr(), o.weight_decay(), beta1, beta2, o.eps(), o.lr() / bias_correction1,
                          std::sqrt(bias_correction2)};
  XG_DISPATCH(p.dtype(), {
    AdamBuffers<T> buffers{p.impl()->data<T>(), grad.impl()->data<T>(), state.exp_avg().impl()->template data<T>(),
                           state.exp_avg_sq().impl()->template data<T>(),
                           o.amsgrad() ? state.max_exp_avg_sq().impl()->template data<T>() : nullptr, p.numel()};
    // Flags become template arguments so each variant's loop has no branches and vectorizes.
    const bool coupled = !kDecoupled && o.weight_decay() != 0;
    if (coupled) {
      if (o.amsgrad()) adam_kernel<T, kDecoupled, true, true>(buffers, constants, o.maximize());
      else adam_kernel<T, kDecoupled, true, false>(buffers, constants, o.maximize());
    } else {
      if (o.amsgrad()) adam_kernel<T, kDecoupled, false, true>(buffers, constants, o.maximize());
      else adam_kernel<T, kDecoupled, false, false>(buffers, constants, o.maximize());
    }
  });
}

template <class State>
void save_adam(const OptimizerParamState& state, const std::string& prefix, StateDict& out) {
  const auto& s = static_cast<const State&>(state);
  if (!s.exp_avg().defined()) return;
  put_number(out, prefix, "step", static_cast<double>(s.step()));
  put_tensor(out, prefix, "exp_avg", s.exp_avg());
  put_tensor(out, prefix, "exp_avg_sq", s.exp_avg_sq());
  if (s.max_exp_avg_sq().defined()) put_tensor(out, prefix, "max_exp_avg_sq", s.max_exp_avg_sq());
}

// exp_avg_sq and max_exp_avg_sq are running means of squares: training never makes them negative (a
// negative entry would reach sqrt), while NaN and infinity are what a diverged run legitimately saves.
template <class State>
std::unique_ptr<OptimizerParamState> load_adam(const StateDict& state, const std::string& prefix, const Tensor& param,
                                               std::set<std::string>& known, const char* owner) {
  StateReader read(state, prefix, owner, known);
  if (!read.has("step")) {
    for (const char* field : {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}) read.refuse_without(field, "step");
    return nullptr;
  }
  auto s = std::make_unique<State>();
  s->step(read.integer("step", 1));
  s->exp_avg(read.tensor("exp_avg", param));
  s->exp_avg_sq(read.tensor("exp_avg_sq", param, true));
  if (read.has("max_exp_avg_sq")) s->max_exp_avg_sq(read.tensor("max_exp_avg_sq", param, true));
  return s;
}
}  // namespace

void AdamOptions::validate(const AdamOptions& options) { validate_adam(options, "Adam"); }
void AdamWOptions::validate(const AdamWOptions& options) { validate_adam(options, "AdamW"); }
bool operator==(const AdamOptions& a, const AdamOptions& b) { return same_adam_options(a, b); }
bool operator==(const AdamWOptions& a, const AdamWOptions& b) { return same_adam_options(a, b); }

Adam::Adam(std::vector<OptimizerParamGroup> param_groups, AdamOptions defaults)
    : Optimizer(std::vector<OptimizerParamGroup>{}, std::make_unique<AdamOptions>(defaults)) {
  initialize(std::move(param_groups));
}
Adam::Adam(std::vector<Tensor> params, AdamOptions defaults) : Adam(single_group(std::move(params)), defaults) {}

void Adam::validate_options(const OptimizerOptions& options) const {
  AdamOptions::validate(options_as<AdamOptions>(options, "Adam", "AdamOptions"));
}

Tensor Adam::step(LossClosure closure) {
  Tensor loss = evaluate(closure);
  prepare_step<AdamParamState>();  // options, parameters, gradients and step counts before anything changes
  check_step_counts<AdamParamState>();
  update_params([&](const OptimizerOptions& options, const Tensor& p, const Tensor& grad, size_t g, size_t i) {
    adam_update<false>(static_cast<const AdamOptions&>(options), p, grad, param_state<AdamParamState>(g, i));
  });
  return loss;
}

void Adam::save_param_state(const OptimizerParamState& state, const std::string& prefix, StateDict& out) const {
  save_adam<AdamParamState>(state, prefix, out);
}
std::unique_ptr<OptimizerParamState> Adam::load_param_state(const StateDict& state, const std::string& prefix,
                                                            const Tensor& param, std::set<std::string>& known) const {
  return load_adam<AdamParamState>(state, prefix, param, known, "Adam state");
}

AdamW::AdamW(std::vector<OptimizerParamGroup> param_groups, AdamWOptions defaults)
    : Optimizer(std::vector<OptimizerParamGroup>{}, std::make_unique<AdamWOptions>(defaults)) {
  initialize(std::move(param_groups));
}
AdamW::AdamW(std::vector<Tensor> params, AdamWOptions defaults) : AdamW(single_group(std::move(params)), defaults) {}

void AdamW::validate_options(const OptimizerOptions& options) const {
  AdamWOptions::validate(options_as<AdamWOptions>(options, "AdamW", "AdamWOptions"));
}

Tensor AdamW::step(LossClosure closure) {
  Tensor loss = evaluate(closure);
  prepare_step<AdamWParamState>();
  check_step_counts<AdamWParamState>();
  update_params([&](const OptimizerOptions& options, const Tensor& p, const Tensor& grad, size_t g, size_t i) {
    adam_update<true>(static_cast<const AdamWOptions&>(options), p, grad, param_state<AdamWParamState>(g, i));
  });
  return loss;
}

void AdamW::save_param_state(const OptimizerParamState& state, const std::string& prefix, StateDict& out) const {
  save_adam<AdamWParamState>(state, prefix, out);
}
std::unique_ptr<OptimizerParamState> AdamW::load_param_state(const StateDict& state, const std::string& prefix,
                                                             const Tensor& param, std::set<std::string>& known) const {
  return load_adam<AdamWParamState>(state, prefix, param, known, "AdamW state");
}

}  // namespace optim
}  // namespace xgrad
