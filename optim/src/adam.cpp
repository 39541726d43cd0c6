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
      XG_DISPATCH(p.dtype(), {
        T* param = p.impl()->data<T>();
        const T* gradient = grad.impl()->data<T>();
        T* m = state.exp_avg.impl()->data<T>();
        T* v = state.exp_avg_sq.impl()->data<T>();
        T* v_max = o.amsgrad() ? state.max_exp_avg_sq.impl()->data<T>() : nullptr;
        const T decay = T(1 - o.lr() * o.weight_decay()), weight_decay = T(o.weight_decay());
        const T one_minus_beta1 = T(1 - beta1), beta2_t = T(beta2), one_minus_beta2 = T(1 - beta2);
        const T correction = T(bias_correction2_sqrt), eps = T(o.eps()), negative_step = T(-step_size);
        for (int64_t k = 0; k < p.numel(); ++k) {
          T d = o.maximize() ? -gradient[k] : gradient[k];
          if (decoupled) {
            param[k] = param[k] * decay;
          } else if (o.weight_decay() != 0) {
            d = d + weight_decay * param[k];
          }
          m[k] = lerp(m[k], d, one_minus_beta1);
          v[k] = v[k] * beta2_t + one_minus_beta2 * d * d;  // addcmul: (value * t1) * t2
          T second = v[k];
          if (v_max) second = v_max[k] = std::max(v_max[k], v[k]);
          T denominator = std::sqrt(second) / correction + eps;
          param[k] = param[k] + negative_step * m[k] / denominator;  // addcdiv: (value * t1) / t2
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
