// Adam and AdamW as torch/optim/adam.py and adamw.py (_single_tensor_adam), fused into one pass per
// parameter with PyTorch's operation order and rounding (hyperparameters cast to the parameter dtype,
// bias corrections computed in double like Python floats).
#include "xgrad/optim/adam.hpp"

#include <cmath>
#include <set>

#include "state.hpp"
#include "tensor_impl.hpp"

namespace xgrad {
namespace optim {

namespace {
template <class Options>
void validate_adam(const Options& o, const char* name) {
  auto bad = [name](const std::string& what) { throw std::invalid_argument(std::string(name) + ": invalid " + what); };
  if (!(o.lr() >= 0)) bad("learning rate " + std::to_string(o.lr()));
  if (!(o.eps() >= 0)) bad("epsilon " + std::to_string(o.eps()));
  if (!(o.betas().first >= 0 && o.betas().first < 1)) bad("beta1 " + std::to_string(o.betas().first));
  if (!(o.betas().second >= 0 && o.betas().second < 1)) bad("beta2 " + std::to_string(o.betas().second));
  if (!(o.weight_decay() >= 0)) bad("weight_decay " + std::to_string(o.weight_decay()));
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

template <class Options>
void adam_step(std::vector<typename OptimizerWith<Options, AdamState>::ParamGroup>& groups,
               std::vector<std::vector<AdamState>>& states, bool decoupled) {
  NoGradGuard no_grad;
  for (size_t g = 0; g < groups.size(); ++g) {
    const Options& o = groups[g].options;
    Options::validate(o);
    for (size_t i = 0; i < groups[g].params.size(); ++i) {
      Tensor& p = groups[g].params[i];
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      AdamState& state = states[g][i];
      if (!state.exp_avg.defined()) {
        state.exp_avg = zeros_like(p);
        state.exp_avg_sq = zeros_like(p);
        if (o.amsgrad()) state.max_exp_avg_sq = zeros_like(p);
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

StateDict adam_state_dict(const std::vector<std::vector<AdamState>>& states, const std::vector<double>& lrs) {
  StateDict state;
  size_t index = 0;
  for (size_t g = 0; g < states.size(); ++g) {
    state.emplace_back(group_key(g), scalar_tensor(lrs[g], dtype(kFloat64)));
    for (const AdamState& s : states[g]) {
      if (s.exp_avg.defined()) {
        state.emplace_back(state_key(index, "step"), scalar_tensor(static_cast<double>(s.step), dtype(kFloat64)));
        state.emplace_back(state_key(index, "exp_avg"), s.exp_avg.clone());
        state.emplace_back(state_key(index, "exp_avg_sq"), s.exp_avg_sq.clone());
        if (s.max_exp_avg_sq.defined()) state.emplace_back(state_key(index, "max_exp_avg_sq"), s.max_exp_avg_sq.clone());
      }
      ++index;
    }
  }
  return state;
}

template <class Group>
void adam_load_state_dict(const StateDict& state, std::vector<Group>& groups, std::vector<std::vector<AdamState>>& states) {
  std::set<std::string> known;
  std::vector<std::vector<AdamState>> loaded(groups.size());
  std::vector<double> lrs;
  Tensor scalar = scalar_tensor(0, dtype(kFloat64));
  size_t index = 0;
  for (size_t g = 0; g < groups.size(); ++g) {
    known.insert(group_key(g));
    lrs.push_back(expect_entry(state, group_key(g), scalar).item());
    for (const Tensor& p : groups[g].params) {
      AdamState s;
      for (const char* field : {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}) known.insert(state_key(index, field));
      if (find_entry(state, state_key(index, "step"))) {
        double step = expect_entry(state, state_key(index, "step"), scalar).item();
        if (!(step >= 1 && step == std::floor(step))) throw std::invalid_argument("optimizer state: invalid step count");
        s.step = static_cast<int64_t>(step);
        s.exp_avg = expect_entry(state, state_key(index, "exp_avg"), p).clone();
        s.exp_avg_sq = expect_entry(state, state_key(index, "exp_avg_sq"), p).clone();
        if (find_entry(state, state_key(index, "max_exp_avg_sq")))
          s.max_exp_avg_sq = expect_entry(state, state_key(index, "max_exp_avg_sq"), p).clone();
      }
      loaded[g].push_back(s);
      ++index;
    }
  }
  reject_unknown(state, [&](const std::string& name) { return known.count(name) > 0; });
  for (size_t g = 0; g < groups.size(); ++g) groups[g].options.lr(lrs[g]);
  states = std::move(loaded);
}

template <class Group>
std::vector<double> group_lrs(const std::vector<Group>& groups) {
  std::vector<double> lrs;
  for (auto& group : groups) lrs.push_back(group.options.lr());
  return lrs;
}
}  // namespace

void AdamOptions::validate(const AdamOptions& options) { validate_adam(options, "Adam"); }
void AdamWOptions::validate(const AdamWOptions& options) { validate_adam(options, "AdamW"); }

void Adam::step() { adam_step<AdamOptions>(groups_, states_, false); }
void AdamW::step() { adam_step<AdamWOptions>(groups_, states_, true); }
StateDict Adam::state_dict() const { return adam_state_dict(states_, group_lrs(groups_)); }
StateDict AdamW::state_dict() const { return adam_state_dict(states_, group_lrs(groups_)); }
void Adam::load_state_dict(const StateDict& state) { adam_load_state_dict(state, groups_, states_); }
void AdamW::load_state_dict(const StateDict& state) { adam_load_state_dict(state, groups_, states_); }

}  // namespace optim
}  // namespace xgrad
