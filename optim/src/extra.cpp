// Adadelta, Adamax, NAdam and RAdam as torch/optim/{adadelta,adamax,nadam,radam}.py of torch 1.13
// (single-tensor functions), one fused pass per parameter with PyTorch's rounding (see kernels.hpp).
#include <cmath>

#include "kernels.hpp"
#include "state.hpp"
#include "tensor_impl.hpp"
#include "xgrad/optim/extra.hpp"

namespace xgrad {
namespace optim {

namespace {
template <class Options>
void validate_betas(const Options& o, const char* name) {
  detail::check_lr(name, o.lr());
  check_option(finite_non_negative(o.eps()), name, "epsilon value", o.eps(), "a finite number >= 0");
  check_option(o.betas().first >= 0 && o.betas().first < 1, name, "beta parameter at index 0:", o.betas().first, "in [0, 1)");
  check_option(o.betas().second >= 0 && o.betas().second < 1, name, "beta parameter at index 1:", o.betas().second, "in [0, 1)");
  check_option(finite_non_negative(o.weight_decay()), name, "weight_decay value", o.weight_decay(), "a finite number >= 0");
}

// Python's float ** float (C pow) with a step count.
double power(double base, int64_t step) { return std::pow(base, static_cast<double>(step)); }

template <class T>
const T* cdata(const Tensor& t) {
  return t.impl()->data<T>();
}
template <class T>
T* mdata(const Tensor& t) {
  return t.impl()->data<T>();
}
}  // namespace

// --- Adadelta

void AdadeltaOptions::validate(const AdadeltaOptions& o) {
  detail::check_lr("Adadelta", o.lr());
  check_option(o.rho() >= 0 && o.rho() <= 1, "Adadelta", "rho value", o.rho(), "in [0, 1]");
  check_option(finite_non_negative(o.eps()), "Adadelta", "epsilon value", o.eps(), "a finite number >= 0");
  check_option(finite_non_negative(o.weight_decay()), "Adadelta", "weight_decay value", o.weight_decay(), "a finite number >= 0");
}
bool operator==(const AdadeltaOptions& a, const AdadeltaOptions& b) {
  return a.lr() == b.lr() && a.rho() == b.rho() && a.eps() == b.eps() && a.weight_decay() == b.weight_decay() &&
         a.maximize() == b.maximize();
}

Adadelta::Adadelta(std::vector<OptimizerParamGroup> param_groups, AdadeltaOptions defaults)
    : Optimizer(std::vector<OptimizerParamGroup>{}, std::make_unique<AdadeltaOptions>(defaults)) {
  initialize(std::move(param_groups));
}
Adadelta::Adadelta(std::vector<Tensor> params, AdadeltaOptions defaults) : Adadelta(single_group(std::move(params)), defaults) {}
void Adadelta::validate_options(const OptimizerOptions& options) const {
  AdadeltaOptions::validate(options_as<AdadeltaOptions>(options, "Adadelta", "AdadeltaOptions"));
}

namespace {
template <class T>
void adadelta_kernel(T* __restrict param, const T* __restrict gradient, T* __restrict square_avg, T* __restrict acc_delta,
                     int64_t n, const AdadeltaOptions& o) {
  const T sign = o.maximize() ? T(-1) : T(1), weight_decay = T(o.weight_decay()), rho = T(o.rho());
  const T one_minus_rho = T(1 - o.rho()), eps = T(o.eps()), negative_lr = T(-o.lr());
  const bool decay = o.weight_decay() != 0;
  for (int64_t k = 0; k < n; ++k) {
    T g = sign * gradient[k];
    if (decay) g = kernel::fmadd(param[k], weight_decay, g);
    square_avg[k] = kernel::fmadd(one_minus_rho * g, g, square_avg[k] * rho);  // .mul_(rho).addcmul_(g, g, 1-rho)
    T std_dev = std::sqrt(square_avg[k] + eps);                                 // square_avg.add(eps).sqrt_()
    T delta = std::sqrt(acc_delta[k] + eps) / std_dev * g;                      // acc.add(eps).sqrt_().div_(std).mul_(g)
    acc_delta[k] = kernel::fmadd(one_minus_rho * delta, delta, acc_delta[k] * rho);
    param[k] = kernel::fmadd(delta, negative_lr, param[k]);  // param.add_(delta, alpha=-lr)
  }
}
}  // namespace

Tensor Adadelta::step(LossClosure closure) {
  Tensor loss = evaluate(closure);
  prepare_step<AdadeltaParamState>();
  check_step_counts<AdadeltaParamState>();
  update_params([&](const OptimizerOptions& options, const Tensor& p, const Tensor& grad, size_t g, size_t i) {
    const auto& o = static_cast<const AdadeltaOptions&>(options);
    AdadeltaParamState& state = param_state<AdadeltaParamState>(g, i);
    if (!state.square_avg().defined()) {
      state.square_avg(zeros_like(p));
      state.acc_delta(zeros_like(p));
    }
    state.step(state.step() + 1);
    XG_DISPATCH(p.dtype(), adadelta_kernel<T>(mdata<T>(p), cdata<T>(grad), mdata<T>(state.square_avg()),
                                              mdata<T>(state.acc_delta()), p.numel(), o));
  });
  return loss;
}

void Adadelta::save_param_state(const OptimizerParamState& state, const std::string& prefix, StateDict& out) const {
  const auto& s = static_cast<const AdadeltaParamState&>(state);
  if (!s.square_avg().defined()) return;
  put_number(out, prefix, "step", static_cast<double>(s.step()));
  put_tensor(out, prefix, "square_avg", s.square_avg());
  put_tensor(out, prefix, "acc_delta", s.acc_delta());
}

std::unique_ptr<OptimizerParamState> Adadelta::load_param_state(const StateDict& state, const std::string& prefix,
                                                                const Tensor& param, std::set<std::string>& known) const {
  StateReader read(state, prefix, "Adadelta state", known);
  if (!read.has("step")) {
    for (const char* field : {"square_avg", "acc_delta"}) read.refuse_without(field, "step");
    return nullptr;
  }
  auto s = std::make_unique<AdadeltaParamState>();
  s->step(read.integer("step", 1));
  s->square_avg(read.tensor("square_avg", param, true));
  s->acc_delta(read.tensor("acc_delta", param, true));
  return s;
}

// --- Adamax

void AdamaxOptions::validate(const AdamaxOptions& o) { validate_betas(o, "Adamax"); }
bool operator==(const AdamaxOptions& a, const AdamaxOptions& b) {
  return a.lr() == b.lr() && a.betas() == b.betas() && a.eps() == b.eps() && a.weight_decay() == b.weight_decay() &&
         a.maximize() == b.maximize();
}

Adamax::Adamax(std::vector<OptimizerParamGroup> param_groups, AdamaxOptions defaults)
    : Optimizer(std::vector<OptimizerParamGroup>{}, std::make_unique<AdamaxOptions>(defaults)) {
  initialize(std::move(param_groups));
}
Adamax::Adamax(std::vector<Tensor> params, AdamaxOptions defaults) : Adamax(single_group(std::move(params)), defaults) {}
void Adamax::validate_options(const OptimizerOptions& options) const {
  AdamaxOptions::validate(options_as<AdamaxOptions>(options, "Adamax", "AdamaxOptions"));
}

namespace {
template <class T>
void adamax_kernel(T* __restrict param, const T* __restrict gradient, T* __restrict exp_avg, T* __restrict exp_inf,
                   int64_t n, const AdamaxOptions& o, double clr) {
  const T sign = o.maximize() ? T(-1) : T(1), weight_decay = T(o.weight_decay());
  const T beta1 = T(o.betas().first), one_minus_beta1 = T(1 - o.betas().first), beta2 = T(o.betas().second);
  const T eps = T(o.eps()), negative_clr = T(-clr);
  const bool decay = o.weight_decay() != 0;
  for (int64_t k = 0; k < n; ++k) {
    T g = sign * gradient[k];
    if (decay) g = kernel::fmadd(param[k], weight_decay, g);
    exp_avg[k] = kernel::fmadd(g, one_minus_beta1, exp_avg[k] * beta1);             // .mul_(b1).add_(g, alpha=1-b1)
    exp_inf[k] = kernel::maximum(exp_inf[k] * beta2, std::abs(g) + eps);              // amax([inf * b2, |g| + eps])
    param[k] = param[k] + negative_clr * exp_avg[k] / exp_inf[k];                     // addcdiv_(value=-clr)
  }
}
}  // namespace

Tensor Adamax::step(LossClosure closure) {
  Tensor loss = evaluate(closure);
  prepare_step<AdamaxParamState>();
  check_step_counts<AdamaxParamState>();
  update_params([&](const OptimizerOptions& options, const Tensor& p, const Tensor& grad, size_t g, size_t i) {
    const auto& o = static_cast<const AdamaxOptions&>(options);
    AdamaxParamState& state = param_state<AdamaxParamState>(g, i);
    if (!state.exp_avg().defined()) {
      state.exp_avg(zeros_like(p));
      state.exp_inf(zeros_like(p));
    }
    state.step(state.step() + 1);
    const double clr = o.lr() / (1 - power(o.betas().first, state.step()));
    XG_DISPATCH(p.dtype(), adamax_kernel<T>(mdata<T>(p), cdata<T>(grad), mdata<T>(state.exp_avg()),
                                            mdata<T>(state.exp_inf()), p.numel(), o, clr));
  });
  return loss;
}

void Adamax::save_param_state(const OptimizerParamState& state, const std::string& prefix, StateDict& out) const {
  const auto& s = static_cast<const AdamaxParamState&>(state);
  if (!s.exp_avg().defined()) return;
  put_number(out, prefix, "step", static_cast<double>(s.step()));
  put_tensor(out, prefix, "exp_avg", s.exp_avg());
  put_tensor(out, prefix, "exp_inf", s.exp_inf());
}

std::unique_ptr<OptimizerParamState> Adamax::load_param_state(const StateDict& state, const std::string& prefix,
                                                              const Tensor& param, std::set<std::string>& known) const {
  StateReader read(state, prefix, "Adamax state", known);
  if (!read.has("step")) {
    for (const char* field : {"exp_avg", "exp_inf"}) read.refuse_without(field, "step");
    return nullptr;
  }
  auto s = std::make_unique<AdamaxParamState>();
  s->step(read.integer("step", 1));
  s->exp_avg(read.tensor("exp_avg", param));
  s->exp_inf(read.tensor("exp_inf", param, true));
  return s;
}

// --- NAdam

void NAdamOptions::validate(const NAdamOptions& o) {
  validate_betas(o, "NAdam");
  check_option(finite_non_negative(o.momentum_decay()), "NAdam", "momentum_decay value", o.momentum_decay(),
               "a finite number >= 0");
}
bool operator==(const NAdamOptions& a, const NAdamOptions& b) {
  return a.lr() == b.lr() && a.betas() == b.betas() && a.eps() == b.eps() && a.weight_decay() == b.weight_decay() &&
         a.momentum_decay() == b.momentum_decay();
}

NAdam::NAdam(std::vector<OptimizerParamGroup> param_groups, NAdamOptions defaults)
    : Optimizer(std::vector<OptimizerParamGroup>{}, std::make_unique<NAdamOptions>(defaults)) {
  initialize(std::move(param_groups));
}
NAdam::NAdam(std::vector<Tensor> params, NAdamOptions defaults) : NAdam(single_group(std::move(params)), defaults) {}
void NAdam::validate_options(const OptimizerOptions& options) const {
  NAdamOptions::validate(options_as<NAdamOptions>(options, "NAdam", "NAdamOptions"));
}

namespace {
struct NAdamConstants {
  double beta1, beta2, weight_decay, eps, bias_correction2, grad_step, exp_avg_step;
};
template <class T>
void nadam_kernel(T* __restrict param, const T* __restrict gradient, T* __restrict exp_avg, T* __restrict exp_avg_sq,
                  int64_t n, const NAdamConstants& c) {
  const T weight_decay = T(c.weight_decay), beta1 = T(c.beta1), one_minus_beta1 = T(1 - c.beta1);
  const T beta2 = T(c.beta2), one_minus_beta2 = T(1 - c.beta2), eps = T(c.eps), bias_correction2 = T(c.bias_correction2);
  const T grad_step = T(c.grad_step), exp_avg_step = T(c.exp_avg_step);
  const bool decay = c.weight_decay != 0;
  for (int64_t k = 0; k < n; ++k) {
    T g = gradient[k];
    if (decay) g = kernel::fmadd(param[k], weight_decay, g);
    exp_avg[k] = kernel::fmadd(g, one_minus_beta1, exp_avg[k] * beta1);
    exp_avg_sq[k] = kernel::fmadd(one_minus_beta2 * g, g, exp_avg_sq[k] * beta2);
    T denominator = std::sqrt(exp_avg_sq[k] / bias_correction2) + eps;  // exp_avg_sq.div(bc2).sqrt().add_(eps)
    param[k] = param[k] + grad_step * g / denominator;                   // addcdiv_(grad, denom, value=...)
    param[k] = param[k] + exp_avg_step * exp_avg[k] / denominator;       // addcdiv_(exp_avg, denom, value=...)
  }
}
}  // namespace

Tensor NAdam::step(LossClosure closure) {
  Tensor loss = evaluate(closure);
  prepare_step<NAdamParamState>();
  check_step_counts<NAdamParamState>();
  update_params([&](const OptimizerOptions& options, const Tensor& p, const Tensor& grad, size_t g, size_t i) {
    const auto& o = static_cast<const NAdamOptions&>(options);
    NAdamParamState& state = param_state<NAdamParamState>(g, i);
    if (!state.exp_avg().defined()) {
      state.exp_avg(zeros_like(p));
      state.exp_avg_sq(zeros_like(p));
      state.mu_product(1.0);
    }
    state.step(state.step() + 1);
    const double step = static_cast<double>(state.step()), beta1 = o.betas().first, lr = o.lr();
    const double bias_correction2 = 1 - std::pow(o.betas().second, step);
    const double mu = beta1 * (1. - 0.5 * std::pow(0.96, step * o.momentum_decay()));
    const double mu_next = beta1 * (1. - 0.5 * std::pow(0.96, (step + 1) * o.momentum_decay()));
    // mu_product is a float32 tensor in PyTorch whatever the parameters' dtype; torch 1.13 multiplies
    // mu_product_next by mu once more than the paper does (mu_product * mu * mu_next), and so does xgrad.
    const float mu_product = static_cast<float>(state.mu_product()) * static_cast<float>(mu);
    const float mu_product_next = mu_product * static_cast<float>(mu) * static_cast<float>(mu_next);
    state.mu_product(mu_product);
    NAdamConstants c{beta1, o.betas().second, o.weight_decay(), o.eps(), bias_correction2,
                     -lr * (1. - mu) / (1. - static_cast<double>(mu_product)),
                     -lr * mu_next / (1. - static_cast<double>(mu_product_next))};
    XG_DISPATCH(p.dtype(), nadam_kernel<T>(mdata<T>(p), cdata<T>(grad), mdata<T>(state.exp_avg()),
                                           mdata<T>(state.exp_avg_sq()), p.numel(), c));
  });
  return loss;
}

void NAdam::save_param_state(const OptimizerParamState& state, const std::string& prefix, StateDict& out) const {
  const auto& s = static_cast<const NAdamParamState&>(state);
  if (!s.exp_avg().defined()) return;
  put_number(out, prefix, "step", static_cast<double>(s.step()));
  put_number(out, prefix, "mu_product", s.mu_product());
  put_tensor(out, prefix, "exp_avg", s.exp_avg());
  put_tensor(out, prefix, "exp_avg_sq", s.exp_avg_sq());
}

std::unique_ptr<OptimizerParamState> NAdam::load_param_state(const StateDict& state, const std::string& prefix,
                                                             const Tensor& param, std::set<std::string>& known) const {
  StateReader read(state, prefix, "NAdam state", known);
  if (!read.has("step")) {
    for (const char* field : {"mu_product", "exp_avg", "exp_avg_sq"}) read.refuse_without(field, "step");
    return nullptr;
  }
  auto s = std::make_unique<NAdamParamState>();
  s->step(read.integer("step", 1));
  // A product of momenta in [0, 1), held in float32.
  const double mu_product = read.number("mu_product");
  if (!(mu_product >= 0 && mu_product <= 1) || static_cast<double>(static_cast<float>(mu_product)) != mu_product)
    throw Error(read.owner() + ": '" + read.key("mu_product") + "' is " + number_string(mu_product) +
                                " (must be a float32 value in [0, 1])");
  s->mu_product(mu_product);
  s->exp_avg(read.tensor("exp_avg", param));
  s->exp_avg_sq(read.tensor("exp_avg_sq", param, true));
  return s;
}

// --- RAdam

void RAdamOptions::validate(const RAdamOptions& o) { validate_betas(o, "RAdam"); }
bool operator==(const RAdamOptions& a, const RAdamOptions& b) {
  return a.lr() == b.lr() && a.betas() == b.betas() && a.eps() == b.eps() && a.weight_decay() == b.weight_decay();
}

RAdam::RAdam(std::vector<OptimizerParamGroup> param_groups, RAdamOptions defaults)
    : Optimizer(std::vector<OptimizerParamGroup>{}, std::make_unique<RAdamOptions>(defaults)) {
  initialize(std::move(param_groups));
}
RAdam::RAdam(std::vector<Tensor> params, RAdamOptions defaults) : RAdam(single_group(std::move(params)), defaults) {}
void RAdam::validate_options(const OptimizerOptions& options) const {
  RAdamOptions::validate(options_as<RAdamOptions>(options, "RAdam", "RAdamOptions"));
}

namespace {
struct RAdamConstants {
  double beta1, beta2, weight_decay, eps, lr, bias_correction1, bias_correction2_sqrt, rect;
};
template <class T, bool kRectified>
void radam_kernel(T* __restrict param, const T* __restrict gradient, T* __restrict exp_avg, T* __restrict exp_avg_sq,
                  int64_t n, const RAdamConstants& c) {
  const T weight_decay = T(c.weight_decay), beta1 = T(c.beta1), one_minus_beta1 = T(1 - c.beta1);
  const T beta2 = T(c.beta2), one_minus_beta2 = T(1 - c.beta2), eps = T(c.eps), lr = T(c.lr);
  const T bias_correction1 = T(c.bias_correction1), bias_correction2_sqrt = T(c.bias_correction2_sqrt), rect = T(c.rect);
  const bool decay = c.weight_decay != 0;
  for (int64_t k = 0; k < n; ++k) {
    T g = gradient[k];
    if (decay) g = kernel::fmadd(param[k], weight_decay, g);
    exp_avg[k] = kernel::fmadd(g, one_minus_beta1, exp_avg[k] * beta1);
    exp_avg_sq[k] = kernel::fmadd(one_minus_beta2 * g, g, exp_avg_sq[k] * beta2);
    T corrected = exp_avg[k] / bias_correction1;  // exp_avg / bias_correction1
    if (kRectified) {
      // math.sqrt(bc2) / exp_avg_sq.sqrt().add_(eps) is reciprocal(denominator) * sqrt(bc2) in PyTorch.
      T adaptive_lr = (T(1) / (std::sqrt(exp_avg_sq[k]) + eps)) * bias_correction2_sqrt;
      param[k] = param[k] - corrected * lr * adaptive_lr * rect;  // add_(bias_corrected * lr * adaptive * rect, alpha=-1)
    } else {
      param[k] = param[k] - corrected * lr;  // add_(bias_corrected_exp_avg * lr, alpha=-1)
    }
  }
}
}  // namespace

Tensor RAdam::step(LossClosure closure) {
  Tensor loss = evaluate(closure);
  prepare_step<RAdamParamState>();
  check_step_counts<RAdamParamState>();
  update_params([&](const OptimizerOptions& options, const Tensor& p, const Tensor& grad, size_t g, size_t i) {
    const auto& o = static_cast<const RAdamOptions&>(options);
    RAdamParamState& state = param_state<RAdamParamState>(g, i);
    if (!state.exp_avg().defined()) {
      state.exp_avg(zeros_like(p));
      state.exp_avg_sq(zeros_like(p));
    }
    state.step(state.step() + 1);
    const double step = static_cast<double>(state.step()), beta1 = o.betas().first, beta2 = o.betas().second;
    const double bias_correction1 = 1 - std::pow(beta1, step), bias_correction2 = 1 - std::pow(beta2, step);
    const double rho_inf = 2 / (1 - beta2) - 1;
    const double rho_t = rho_inf - 2 * step * std::pow(beta2, step) / bias_correction2;
    const bool rectified = rho_t > 5.;
    const double rect =
        rectified ? std::sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) : 0;
    RAdamConstants c{beta1, beta2, o.weight_decay(), o.eps(), o.lr(), bias_correction1, std::sqrt(bias_correction2), rect};
    XG_DISPATCH(p.dtype(), {
      if (rectified) radam_kernel<T, true>(mdata<T>(p), cdata<T>(grad), mdata<T>(state.exp_avg()), mdata<T>(state.exp_avg_sq()), p.numel(), c);
      else radam_kernel<T, false>(mdata<T>(p), cdata<T>(grad), mdata<T>(state.exp_avg()), mdata<T>(state.exp_avg_sq()), p.numel(), c);
    });
  });
  return loss;
}

void RAdam::save_param_state(const OptimizerParamState& state, const std::string& prefix, StateDict& out) const {
  const auto& s = static_cast<const RAdamParamState&>(state);
  if (!s.exp_avg().defined()) return;
  put_number(out, prefix, "step", static_cast<double>(s.step()));
  put_tensor(out, prefix, "exp_avg", s.exp_avg());
  put_tensor(out, prefix, "exp_avg_sq", s.exp_avg_sq());
}

std::unique_ptr<OptimizerParamState> RAdam::load_param_state(const StateDict& state, const std::string& prefix,
                                                             const Tensor& param, std::set<std::string>& known) const {
  StateReader read(state, prefix, "RAdam state", known);
  if (!read.has("step")) {
    for (const char* field : {"exp_avg", "exp_avg_sq"}) read.refuse_without(field, "step");
    return nullptr;
  }
  auto s = std::make_unique<RAdamParamState>();
  s->step(read.integer("step", 1));
  s->exp_avg(read.tensor("exp_avg", param));
  s->exp_avg_sq(read.tensor("exp_avg_sq", param, true));
  return s;
}

}  // namespace optim
}  // namespace xgrad
