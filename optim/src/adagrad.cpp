// Adagrad as torch/optim/adagrad.py (_single_tensor_adagrad of torch 1.13, dense gradients), one fused
// pass per parameter with PyTorch's rounding (see kernels.hpp).
#include "xgrad/optim/adagrad.hpp"

#include "kernels.hpp"
#include "state.hpp"
#include "tensor_impl.hpp"

namespace xgrad {
namespace optim {

void AdagradOptions::validate(const AdagradOptions& o) {
  detail::check_lr("Adagrad", o.lr());
  check_option(finite_non_negative(o.lr_decay()), "Adagrad", "lr_decay value", o.lr_decay(), "a finite number >= 0");
  check_option(finite_non_negative(o.weight_decay()), "Adagrad", "weight_decay value", o.weight_decay(), "a finite number >= 0");
  check_option(finite_non_negative(o.initial_accumulator_value()), "Adagrad", "initial_accumulator_value value",
               o.initial_accumulator_value(), "a finite number >= 0");
  check_option(finite_non_negative(o.eps()), "Adagrad", "epsilon value", o.eps(), "a finite number >= 0");
}

bool operator==(const AdagradOptions& a, const AdagradOptions& b) {
  return a.lr() == b.lr() && a.lr_decay() == b.lr_decay() && a.weight_decay() == b.weight_decay() &&
         a.initial_accumulator_value() == b.initial_accumulator_value() && a.eps() == b.eps() &&
         a.maximize() == b.maximize();
}

Adagrad::Adagrad(std::vector<OptimizerParamGroup> param_groups, AdagradOptions defaults)
    : Optimizer(std::vector<OptimizerParamGroup>{}, std::make_unique<AdagradOptions>(defaults)) {
  initialize(std::move(param_groups));
}
Adagrad::Adagrad(std::vector<Tensor> params, AdagradOptions defaults) : Adagrad(single_group(std::move(params)), defaults) {}

void Adagrad::validate_options(const OptimizerOptions& options) const {
  AdagradOptions::validate(options_as<AdagradOptions>(options, "Adagrad", "AdagradOptions"));
}

void Adagrad::init_param_state(const Tensor& param, const OptimizerOptions& options) {
  auto state = std::make_unique<AdagradParamState>();
  state->sum(full(param.shape(), static_cast<const AdagradOptions&>(options).initial_accumulator_value(),
                  dtype(param.dtype())));
  state_[detail::state_key(param)] = std::move(state);
}

namespace {
template <class T>
void adagrad_kernel(T* __restrict param, const T* __restrict gradient, T* __restrict sum, int64_t n,
                    const AdagradOptions& o, double clr) {
  const T sign = o.maximize() ? T(-1) : T(1), weight_decay = T(o.weight_decay()), eps = T(o.eps());
  const T negative_clr = T(-clr);
  const bool decay = o.weight_decay() != 0;
  for (int64_t k = 0; k < n; ++k) {
    T g = sign * gradient[k];
    if (decay) g = kernel::fmadd(param[k], weight_decay, g);  // grad.add(param, alpha=wd)
    sum[k] = kernel::fmadd(g, g, sum[k]);                      // state_sum.addcmul_(grad, grad, value=1)
    T std_dev = std::sqrt(sum[k]) + eps;                        // state_sum.sqrt().add_(eps)
    param[k] = param[k] + negative_clr * g / std_dev;           // param.addcdiv_(grad, std, value=-clr)
  }
}
}  // namespace

Tensor Adagrad::step(LossClosure closure) {
  Tensor loss = evaluate(closure);
  prepare_step<AdagradParamState>();
  check_step_counts<AdagradParamState>();
  update_params([&](const OptimizerOptions& options, const Tensor& p, const Tensor& grad, size_t g, size_t i) {
    const auto& o = static_cast<const AdagradOptions&>(options);
    AdagradParamState& state = param_state<AdagradParamState>(g, i);
    if (!state.sum().defined()) state.sum(full(p.shape(), o.initial_accumulator_value(), dtype(p.dtype())));
    state.step(state.step() + 1);
    const double clr = o.lr() / (1 + static_cast<double>(state.step() - 1) * o.lr_decay());
    XG_DISPATCH(p.dtype(), adagrad_kernel<T>(p.impl()->data<T>(), grad.impl()->data<T>(), state.sum().impl()->data<T>(),
                                             p.numel(), o, clr));
  });
  return loss;
}

void Adagrad::save_param_state(const OptimizerParamState& state, const std::string& prefix, StateDict& out) const {
  const auto& s = static_cast<const AdagradParamState&>(state);
  if (!s.sum().defined()) return;
  put_number(out, prefix, "step", static_cast<double>(s.step()));
  put_tensor(out, prefix, "sum", s.sum());
}

std::unique_ptr<OptimizerParamState> Adagrad::load_param_state(const StateDict& state, const std::string& prefix,
                                                               const Tensor& param, std::set<std::string>& known) const {
  StateReader read(state, prefix, "Adagrad state", known);
  if (!read.has("step")) {
    read.refuse_without("sum", "step");
    return nullptr;
  }
  auto s = std::make_unique<AdagradParamState>();
  s->step(read.integer("step", 0));
  s->sum(read.tensor("sum", param, true));
  return s;
}

}  // namespace optim
}  // namespace xgrad
