// Adam and AdamW as torch/optim/adam.py and adamw.py (_single_tensor_adam), fused into one pass per
// parameter with PyTorch's operation order and rounding (hyperparameters cast to the parameter dtype,
// bias corrections computed in double like Python floats).
#include "xgrad/optim/adam.hpp"

#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>
#include <type_traits>

#include "state.hpp"
#include "tensor_impl.hpp"

namespace xgrad {
namespace optim {

namespace {
template <class Options>
void validate_adam(const Options& o, const char* name) {
  auto bad = [name](const std::string& what, double value, const char* range) {
    throw std::invalid_argument(std::string(name) + ": invalid " + what + " " + number_string(value) + " (must be " +
                                range + ")");
  };
  detail::check_lr(name, o.lr());
  if (!(std::isfinite(o.eps()) && o.eps() >= 0)) bad("epsilon value", o.eps(), "a finite number >= 0");
  if (!(o.betas().first >= 0 && o.betas().first < 1)) bad("beta parameter at index 0:", o.betas().first, "in [0, 1)");
  if (!(o.betas().second >= 0 && o.betas().second < 1)) bad("beta parameter at index 1:", o.betas().second, "in [0, 1)");
  if (!(std::isfinite(o.weight_decay()) && o.weight_decay() >= 0))
    bad("weight_decay value", o.weight_decay(), "a finite number >= 0");
}

// PyTorch's lerp: exact at both ends.
template <class T>
T lerp(T start, T end, T weight) {
  return weight < T(0.5) ? start + weight * (end - start) : end - (end - start) * (T(1) - weight);
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

// One element-wise pass in PyTorch's operation order (hyperparameters cast to T like PyTorch's scalars).
template <class T, bool kDecoupled, bool kCoupledDecay, bool kAmsgrad>
void adam_kernel(const AdamBuffers<T>& b, const AdamConstants& c, bool maximize) {
  const T sign = maximize ? T(-1) : T(1);  // exact negation
  const T decay = T(1 - c.lr * c.weight_decay), weight_decay = T(c.weight_decay);
  const T one_minus_beta1 = T(1 - c.beta1), beta2 = T(c.beta2), one_minus_beta2 = T(1 - c.beta2);
  const T correction = T(c.bias_correction2_sqrt), eps = T(c.eps), negative_step = T(-c.step_size);
  T* __restrict param = b.param;
  T* __restrict m = b.exp_avg;
  T* __restrict v = b.exp_avg_sq;
  T* __restrict v_max = b.max_exp_avg_sq;
  const T* __restrict gradient = b.gradient;
  for (int64_t k = 0; k < b.count; ++k) {
    T d = sign * gradient[k];
    if (kDecoupled) param[k] = param[k] * decay;
    if (kCoupledDecay) d = d + weight_decay * param[k];
    m[k] = lerp(m[k], d, one_minus_beta1);
    v[k] = v[k] * beta2 + one_minus_beta2 * d * d;  // addcmul: (value * t1) * t2
    T second = v[k];
    if (kAmsgrad) second = v_max[k] = v_max[k] < second ? second : v_max[k];
    T denominator = std::sqrt(second) / correction + eps;
    param[k] = param[k] + negative_step * m[k] / denominator;  // addcdiv: (value * t1) / t2
  }
}

// exp_avg_sq and max_exp_avg_sq are running means of squares: training never makes them negative (a
// negative entry would reach sqrt), while NaN and infinity are what a diverged run legitimately saves, and
// must load back. `what` is the start of the message, "Adam state: 'state.0.exp_avg_sq".
void check_non_negative(const Tensor& t, const std::string& what) {
  Tensor hold;
  const Tensor& values = dense(t, hold);
  XG_DISPATCH(t.dtype(), {
    const T* data = values.impl()->data<T>();
    for (int64_t k = 0, n = t.numel(); k < n; ++k)
      if (data[k] < 0)
        throw std::invalid_argument(what + "' has the value " + number_string(static_cast<double>(data[k])) + " at " +
                                    std::to_string(k) + " (must be >= 0)");
  });
}
}  // namespace

template <class Options>
void AdamBase<Options>::step() {
  constexpr bool decoupled = std::is_same<Options, AdamWOptions>::value;
  this->prepare_step();  // options, parameters and gradients, before anything changes
  auto& groups = this->groups_;
  auto& states = this->states_;
  // The step count is the last thing that could fail; checked for every parameter before any changes.
  for (size_t g = 0; g < groups.size(); ++g)
    for (size_t i = 0; i < groups[g].params.size(); ++i)
      if (states[g][i].state.step == std::numeric_limits<int64_t>::max() && groups[g].params[i].grad().defined())
        throw std::overflow_error(this->step_op_ + ": the step count would pass INT64_MAX");
  NoGradGuard no_grad;
  for (size_t g = 0; g < groups.size(); ++g) {
    const Options& o = groups[g].options;
    for (size_t i = 0; i < groups[g].params.size(); ++i) {
      const Tensor& p = groups[g].params[i];
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      // A gradient sharing the parameter's storage (p.grad = p.detach()) is read as it was before the step
      // (the kernel's pointers are __restrict).
      if (grad.impl()->storage.get() == p.impl()->storage.get()) grad = grad.detach().clone();
      AdamState& state = states[g][i].state;
      if (!state.exp_avg.defined()) {
        state.exp_avg = zeros_like(p);
        state.exp_avg_sq = zeros_like(p);
      }
      if (o.amsgrad() && !state.max_exp_avg_sq.defined()) state.max_exp_avg_sq = zeros_like(p);
      state.step += 1;
      const double beta1 = o.betas().first, beta2 = o.betas().second;
      const double bias_correction1 = 1 - std::pow(beta1, static_cast<double>(state.step));
      const double bias_correction2 = 1 - std::pow(beta2, static_cast<double>(state.step));
      const double step_size = o.lr() / bias_correction1;
      const double bias_correction2_sqrt = std::sqrt(bias_correction2);
      AdamConstants constants{o.lr(), o.weight_decay(), beta1, beta2, o.eps(), step_size, bias_correction2_sqrt};
      XG_DISPATCH(p.dtype(), {
        AdamBuffers<T> buffers{p.impl()->data<T>(), grad.impl()->data<T>(), state.exp_avg.impl()->data<T>(),
                               state.exp_avg_sq.impl()->data<T>(),
                               o.amsgrad() ? state.max_exp_avg_sq.impl()->data<T>() : nullptr, p.numel()};
        // Flags become template arguments so each variant's loop has no branches and vectorizes.
        bool coupled = !decoupled && o.weight_decay() != 0;
        if (decoupled) {
          if (o.amsgrad()) adam_kernel<T, true, false, true>(buffers, constants, o.maximize());
          else adam_kernel<T, true, false, false>(buffers, constants, o.maximize());
        } else if (coupled) {
          if (o.amsgrad()) adam_kernel<T, false, true, true>(buffers, constants, o.maximize());
          else adam_kernel<T, false, true, false>(buffers, constants, o.maximize());
        } else {
          if (o.amsgrad()) adam_kernel<T, false, false, true>(buffers, constants, o.maximize());
          else adam_kernel<T, false, false, false>(buffers, constants, o.maximize());
        }
      });
      p.impl()->storage->version.fetch_add(1);
    }
  }
}

template <class Options>
StateDict AdamBase<Options>::state_dict() const {
  StateDict state;
  size_t index = 0;
  for (size_t g = 0; g < this->groups_.size(); ++g) {
    state.emplace_back(group_key(g), scalar_tensor(this->groups_[g].options.lr(), dtype(kFloat64)));
    for (size_t i = 0; i < this->groups_[g].params.size(); ++i) {
      const AdamState* s = this->find_state(g, i);
      if (s && s->exp_avg.defined()) {
        state.emplace_back(state_key(index, "step"), scalar_tensor(static_cast<double>(s->step), dtype(kFloat64)));
        state.emplace_back(state_key(index, "exp_avg"), s->exp_avg.clone());
        state.emplace_back(state_key(index, "exp_avg_sq"), s->exp_avg_sq.clone());
        if (s->max_exp_avg_sq.defined()) state.emplace_back(state_key(index, "max_exp_avg_sq"), s->max_exp_avg_sq.clone());
      }
      ++index;
    }
  }
  return state;
}

template <class Options>
void AdamBase<Options>::load_state_dict(const StateDict& state) {
  const std::string owner = std::string(this->name_) + " state";
  std::set<std::string> known;
  std::vector<double> lrs;
  std::vector<std::vector<typename AdamBase::Entry>> loaded(this->groups_.size());
  auto copy = [](const Tensor& t) { return t.detach().clone(); };
  size_t index = 0;
  for (size_t g = 0; g < this->groups_.size(); ++g) {
    known.insert(group_key(g));
    lrs.push_back(expect_number(state, group_key(g), owner.c_str()));
    detail::check_lr(owner.c_str(), lrs.back());
    for (const Tensor& p : this->groups_[g].params) {
      for (const char* field : {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}) known.insert(state_key(index, field));
      AdamState s;
      if (find_entry(state, state_key(index, "step"))) {
        s.step = checked_integer(expect_number(state, state_key(index, "step"), owner.c_str()), 1,
                                 std::numeric_limits<int64_t>::max(), owner + ": '" + state_key(index, "step") + "'");
        s.exp_avg = copy(expect_entry(state, state_key(index, "exp_avg"), p, owner.c_str()));
        s.exp_avg_sq = copy(expect_entry(state, state_key(index, "exp_avg_sq"), p, owner.c_str()));
        check_non_negative(s.exp_avg_sq, owner + ": '" + state_key(index, "exp_avg_sq"));
        if (find_entry(state, state_key(index, "max_exp_avg_sq"))) {
          s.max_exp_avg_sq = copy(expect_entry(state, state_key(index, "max_exp_avg_sq"), p, owner.c_str()));
          check_non_negative(s.max_exp_avg_sq, owner + ": '" + state_key(index, "max_exp_avg_sq"));
        }
      } else {
        for (const char* field : {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"})
          if (find_entry(state, state_key(index, field)))
            throw std::invalid_argument(owner + ": '" + state_key(index, field) + "' without '" +
                                        state_key(index, "step") + "'");
      }
      loaded[g].push_back({p, s});
      ++index;
    }
  }
  reject_unknown(state, [&](const std::string& name) { return known.count(name) > 0; }, owner.c_str());
  for (size_t g = 0; g < this->groups_.size(); ++g) this->groups_[g].options.lr(lrs[g]);
  this->states_ = std::move(loaded);
}

void AdamOptions::validate(const AdamOptions& options) { validate_adam(options, "Adam"); }
void AdamWOptions::validate(const AdamWOptions& options) { validate_adam(options, "AdamW"); }

template class AdamBase<AdamOptions>;
template class AdamBase<AdamWOptions>;

}  // namespace optim
}  // namespace xgrad
