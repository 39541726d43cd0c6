// RMSprop as torch/optim/rmsprop.py (_single_tensor_rmsprop of torch 1.13), one fused pass per parameter
// with PyTorch's rounding (see kernels.hpp).
#include "xgrad/optim/rmsprop.hpp"

#include "kernels.hpp"
#include "state.hpp"
#include "tensor_impl.hpp"

namespace xgrad {
namespace optim {

void RMSpropOptions::validate(const RMSpropOptions& o) {
  detail::check_lr("RMSprop", o.lr());
  check_option(finite_non_negative(o.eps()), "RMSprop", "epsilon value", o.eps(), "a finite number >= 0");
  check_option(finite_non_negative(o.momentum()), "RMSprop", "momentum value", o.momentum(), "a finite number >= 0");
  check_option(finite_non_negative(o.weight_decay()), "RMSprop", "weight_decay value", o.weight_decay(), "a finite number >= 0");
  check_option(o.alpha() >= 0 && o.alpha() <= 1, "RMSprop", "alpha value", o.alpha(), "in [0, 1]");
}

bool operator==(const RMSpropOptions& a, const RMSpropOptions& b) {
  return a.lr() == b.lr() && a.alpha() == b.alpha() && a.eps() == b.eps() && a.weight_decay() == b.weight_decay() &&
         a.momentum() == b.momentum() && a.centered() == b.centered() && a.maximize() == b.maximize();
}

RMSprop::RMSprop(std::vector<OptimizerParamGroup> param_groups, RMSpropOptions defaults)
    : Optimizer(std::vector<OptimizerParamGroup>{}, std::make_unique<RMSpropOptions>(defaults)) {
  initialize(std::move(param_groups));
}
RMSprop::RMSprop(std::vector<Tensor> params, RMSpropOptions defaults) : RMSprop(single_group(std::move(params)), defaults) {}

void RMSprop::validate_options(const OptimizerOptions& options) const {
  RMSpropOptions::validate(options_as<RMSpropOptions>(options, "RMSprop", "RMSpropOptions"));
}

namespace {
struct RMSpropBuffers {
  void *param, *square_avg, *grad_avg, *momentum_buffer;
  const void* gradient;
  int64_t count;
};

template <class T, bool kCentered, bool kMomentum>
void rmsprop_kernel(const RMSpropBuffers& b, const RMSpropOptions& o) {
  const T sign = o.maximize() ? T(-1) : T(1), weight_decay = T(o.weight_decay()), alpha = T(o.alpha());
  const T one_minus_alpha = T(1 - o.alpha()), eps = T(o.eps()), momentum = T(o.momentum()), negative_lr = T(-o.lr());
  const bool decay = o.weight_decay() != 0;
  T* __restrict param = static_cast<T*>(b.param);
  T* __restrict square_avg = static_cast<T*>(b.square_avg);
  T* __restrict grad_avg = static_cast<T*>(b.grad_avg);
  T* __restrict buffer = static_cast<T*>(b.momentum_buffer);
  const T* __restrict gradient = static_cast<const T*>(b.gradient);
  for (int64_t k = 0; k < b.count; ++k) {
    T g = sign * gradient[k];
    if (decay) g = kernel::fmadd(param[k], weight_decay, g);                      // grad.add(param, alpha=wd)
    square_avg[k] = kernel::fmadd(one_minus_alpha * g, g, square_avg[k] * alpha);  // .mul_(alpha).addcmul_(g, g, 1-alpha)
    T avg;
    if (kCentered) {
      grad_avg[k] = kernel::fmadd(g, one_minus_alpha, grad_avg[k] * alpha);  // .mul_(alpha).add_(g, alpha=1-alpha)
      avg = std::sqrt(kernel::fmadd(-grad_avg[k], grad_avg[k], square_avg[k]));  // addcmul(ga, ga, value=-1).sqrt_()
    } else {
      avg = std::sqrt(square_avg[k]);
    }
    avg = avg + eps;
    if (kMomentum) {
      buffer[k] = buffer[k] * momentum + g / avg;                   // buf.mul_(momentum).addcdiv_(grad, avg)
      param[k] = kernel::fmadd(buffer[k], negative_lr, param[k]);  // param.add_(buf, alpha=-lr)
    } else {
      param[k] = param[k] + negative_lr * g / avg;  // param.addcdiv_(grad, avg, value=-lr)
    }
  }
}
}  // namespace

Tensor RMSprop::step(LossClosure closure) {
  Tensor loss = evaluate(closure);
  prepare_step<RMSpropParamState>();
  check_step_counts<RMSpropParamState>();
  update_params([&](const OptimizerOptions& options, const Tensor& p, const Tensor& grad, size_t g, size_t i) {
    const auto& o = static_cast<const RMSpropOptions&>(options);
    RMSpropParamState& state = param_state<RMSpropParamState>(g, i);
    if (!state.square_avg().defined()) state.square_avg(zeros_like(p));
    if (o.momentum() > 0 && !state.momentum_buffer().defined()) state.momentum_buffer(zeros_like(p));
    if (o.centered() && !state.grad_avg().defined()) state.grad_avg(zeros_like(p));
    state.step(state.step() + 1);
    RMSpropBuffers b{p.impl()->raw(), state.square_avg().impl()->raw(),
                     o.centered() ? state.grad_avg().impl()->raw() : nullptr,
                     o.momentum() > 0 ? state.momentum_buffer().impl()->raw() : nullptr, grad.impl()->raw(), p.numel()};
    XG_DISPATCH(p.dtype(), {
      if (o.centered()) {
        if (o.momentum() > 0) rmsprop_kernel<T, true, true>(b, o);
        else rmsprop_kernel<T, true, false>(b, o);
      } else {
        if (o.momentum() > 0) rmsprop_kernel<T, false, true>(b, o);
        else rmsprop_kernel<T, false, false>(b, o);
      }
    });
  });
  return loss;
}

void RMSprop::save_param_state(const OptimizerParamState& state, const std::string& prefix, StateDict& out) const {
  const auto& s = static_cast<const RMSpropParamState&>(state);
  if (!s.square_avg().defined()) return;
  put_number(out, prefix, "step", static_cast<double>(s.step()));
  put_tensor(out, prefix, "square_avg", s.square_avg());
  if (s.momentum_buffer().defined()) put_tensor(out, prefix, "momentum_buffer", s.momentum_buffer());
  if (s.grad_avg().defined()) put_tensor(out, prefix, "grad_avg", s.grad_avg());
}

std::unique_ptr<OptimizerParamState> RMSprop::load_param_state(const StateDict& state, const std::string& prefix,
                                                               const Tensor& param, std::set<std::string>& known) const {
  StateReader read(state, prefix, "RMSprop state", known);
  if (!read.has("step")) {
    for (const char* field : {"square_avg", "momentum_buffer", "grad_avg"}) read.refuse_without(field, "step");
    return nullptr;
  }
  auto s = std::make_unique<RMSpropParamState>();
  s->step(read.integer("step", 1));
  s->square_avg(read.tensor("square_avg", param, true));
  if (read.has("momentum_buffer")) s->momentum_buffer(read.tensor("momentum_buffer", param));
  if (read.has("grad_avg")) s->grad_avg(read.tensor("grad_avg", param));
  return s;
}

}  // namespace optim
}  // namespace xgrad
