// SGD as torch/optim/sgd.py (_single_tensor_sgd of torch 1.13), fused into one pass per parameter with
// PyTorch's rounding (see kernels.hpp).
#include "xgrad/optim/sgd.hpp"

#include <cmath>

#include "kernels.hpp"
#include "state.hpp"
#include "tensor_impl.hpp"

namespace xgrad {
namespace optim {

void SGDOptions::validate(const SGDOptions& o) {
  detail::check_lr("SGD", o.lr());
  check_option(finite_non_negative(o.momentum()), "SGD", "momentum value", o.momentum(), "a finite number >= 0");
  check_option(o.dampening() >= 0 && o.dampening() <= 1, "SGD", "dampening value", o.dampening(), "in [0, 1]");
  check_option(finite_non_negative(o.weight_decay()), "SGD", "weight_decay value", o.weight_decay(), "a finite number >= 0");
  if (o.nesterov() && (o.momentum() <= 0 || o.dampening() != 0))
    throw Error("SGD: Nesterov momentum requires a momentum and zero dampening");
}

bool operator==(const SGDOptions& a, const SGDOptions& b) {
  return a.lr() == b.lr() && a.momentum() == b.momentum() && a.dampening() == b.dampening() &&
         a.weight_decay() == b.weight_decay() && a.nesterov() == b.nesterov() && a.maximize() == b.maximize();
}

SGD::SGD(std::vector<OptimizerParamGroup> param_groups, SGDOptions defaults)
    : Optimizer(std::vector<OptimizerParamGroup>{}, std::make_unique<SGDOptions>(defaults)) {
  initialize(std::move(param_groups));
}
SGD::SGD(std::vector<Tensor> params, SGDOptions defaults) : SGD(single_group(std::move(params)), defaults) {}

void SGD::validate_options(const OptimizerOptions& options) const {
  SGDOptions::validate(options_as<SGDOptions>(options, "SGD", "SGDOptions"));
}

namespace {
// kMomentum is a template argument: with a runtime test the vectorizer turns the buffer's loads into masked
// loads through a null pointer, which some CPUs (AMD Zen) execute ~5x slower.
template <class T, bool kMomentum>
void sgd_kernel(T* __restrict param, const T* __restrict gradient, T* __restrict buffer, int64_t n, const SGDOptions& o,
                bool first) {
  const T lr = T(o.lr()), weight_decay = T(o.weight_decay()), momentum = T(o.momentum());
  const T keep = T(1 - o.dampening());
  // Locals, so the loop does not reload the options through a reference the stores might alias.
  const bool maximize = o.maximize(), decay = o.weight_decay() != 0, nesterov = o.nesterov();
  for (int64_t k = 0; k < n; ++k) {
    T d = maximize ? -gradient[k] : gradient[k];
    if (decay) d = kernel::fmadd(param[k], weight_decay, d);  // d_p.add(param, alpha=wd)
    if (kMomentum) {
      buffer[k] = first ? d : kernel::fmadd(d, keep, buffer[k] * momentum);  // buf.mul_(m).add_(d_p, alpha=1-damp)
      d = nesterov ? kernel::fmadd(buffer[k], momentum, d) : buffer[k];
    }
    param[k] = kernel::fmadd(d, -lr, param[k]);  // param.add_(d_p, alpha=-lr)
  }
}
}  // namespace

Tensor SGD::step(LossClosure closure) {
  Tensor loss = evaluate(closure);
  prepare_step<SGDParamState>();  // everything that can fail, before any parameter changes
  update_params([&](const OptimizerOptions& options, const Tensor& p, const Tensor& grad, size_t g, size_t i) {
    const auto& o = static_cast<const SGDOptions&>(options);
    Tensor buffer;
    bool first = false;
    if (o.momentum() != 0) {
      SGDParamState& state = param_state<SGDParamState>(g, i);
      if (!state.momentum_buffer().defined()) {
        state.momentum_buffer(zeros_like(p));
        first = true;
      }
      buffer = state.momentum_buffer();
    }
    XG_DISPATCH(p.dtype(), {
      if (buffer.defined())
        sgd_kernel<T, true>(p.impl()->data<T>(), grad.impl()->data<T>(), buffer.impl()->data<T>(), p.numel(), o, first);
      else
        sgd_kernel<T, false>(p.impl()->data<T>(), grad.impl()->data<T>(), nullptr, p.numel(), o, first);
    });
  });
  return loss;
}

void SGD::save_param_state(const OptimizerParamState& state, const std::string& prefix, StateDict& out) const {
  const auto& s = static_cast<const SGDParamState&>(state);
  if (s.momentum_buffer().defined()) put_tensor(out, prefix, "momentum_buffer", s.momentum_buffer());
}

std::unique_ptr<OptimizerParamState> SGD::load_param_state(const StateDict& state, const std::string& prefix,
                                                           const Tensor& param, std::set<std::string>& known) const {
  StateReader read(state, prefix, "SGD state", known);
  if (!read.has("momentum_buffer")) return nullptr;
  auto s = std::make_unique<SGDParamState>();
  s->momentum_buffer(read.tensor("momentum_buffer", param));
  return s;
}

}  // namespace optim
}  // namespace xgrad
