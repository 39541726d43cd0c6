// SGD as torch/optim/sgd.py (_single_tensor_sgd), fused into one pass per parameter. Each step rounds
// like PyTorch's sequence of float ops: hyperparameters are cast to the parameter's dtype.
#include "xgrad/optim/sgd.hpp"

#include <cmath>
#include <set>

#include "state.hpp"
#include "tensor_impl.hpp"

namespace xgrad {
namespace optim {

void SGDOptions::validate(const SGDOptions& o) {
  auto bad = [](const char* what, double value, const char* range) {
    throw std::invalid_argument(std::string("SGD: invalid ") + what + " " + number_string(value) + " (must be " +
                                range + ")");
  };
  detail::check_lr("SGD", o.lr());
  if (!(std::isfinite(o.momentum()) && o.momentum() >= 0)) bad("momentum value", o.momentum(), "a finite number >= 0");
  if (!(o.dampening() >= 0 && o.dampening() <= 1)) bad("dampening value", o.dampening(), "in [0, 1]");
  if (!(std::isfinite(o.weight_decay()) && o.weight_decay() >= 0))
    bad("weight_decay value", o.weight_decay(), "a finite number >= 0");
  if (o.nesterov() && (o.momentum() <= 0 || o.dampening() != 0))
    throw std::invalid_argument("SGD: Nesterov momentum requires a momentum and zero dampening");
}

void SGD::step() {
  prepare_step();  // everything that can fail, before any parameter changes
  NoGradGuard no_grad;
  for (size_t g = 0; g < groups_.size(); ++g) {
    const SGDOptions& o = groups_[g].options;
    for (size_t i = 0; i < groups_[g].params.size(); ++i) {
      const Tensor& p = groups_[g].params[i];
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      // A gradient sharing the parameter's storage (p.grad = p.detach()) is read as it was before the step.
      if (grad.impl()->storage.get() == p.impl()->storage.get()) grad = grad.detach().clone();
      SGDState& state = states_[g][i].state;
      bool first = false;
      if (o.momentum() != 0 && !state.momentum_buffer.defined()) {
        state.momentum_buffer = zeros_like(p);
        first = true;
      }
      XG_DISPATCH(p.dtype(), {
        T* param = p.impl()->data<T>();
        const T* gradient = grad.impl()->data<T>();
        T* buffer = o.momentum() != 0 ? state.momentum_buffer.impl()->data<T>() : nullptr;
        const T lr = T(o.lr()), weight_decay = T(o.weight_decay()), momentum = T(o.momentum());
        const T keep = T(1 - o.dampening());
        for (int64_t k = 0, n = p.numel(); k < n; ++k) {
          T d = o.maximize() ? -gradient[k] : gradient[k];
          if (o.weight_decay() != 0) d = d + weight_decay * param[k];
          if (buffer) {
            buffer[k] = first ? d : buffer[k] * momentum + keep * d;
            d = o.nesterov() ? d + momentum * buffer[k] : buffer[k];
          }
          param[k] = param[k] + (-lr) * d;
        }
      });
      p.impl()->storage->version.fetch_add(1);
    }
  }
}

StateDict SGD::state_dict() const {
  StateDict state;
  size_t index = 0;
  for (size_t g = 0; g < groups_.size(); ++g) {
    state.emplace_back(group_key(g), scalar_tensor(groups_[g].options.lr(), dtype(kFloat64)));
    for (size_t i = 0; i < groups_[g].params.size(); ++i, ++index) {
      const SGDState* s = find_state(g, i);
      if (s && s->momentum_buffer.defined()) state.emplace_back(state_key(index, "momentum_buffer"), s->momentum_buffer.clone());
    }
  }
  return state;
}

void SGD::load_state_dict(const StateDict& state) {
  std::set<std::string> known;
  std::vector<double> lrs;
  std::vector<std::vector<Entry>> loaded(groups_.size());
  size_t index = 0;
  for (size_t g = 0; g < groups_.size(); ++g) {
    known.insert(group_key(g));
    lrs.push_back(expect_number(state, group_key(g), "SGD state"));
    detail::check_lr("SGD state", lrs.back());
    for (const Tensor& p : groups_[g].params) {
      std::string key = state_key(index++, "momentum_buffer");
      known.insert(key);
      SGDState s;
      if (find_entry(state, key)) s.momentum_buffer = expect_entry(state, key, p, "SGD state").detach().clone();
      loaded[g].push_back({p, s});
    }
  }
  reject_unknown(state, [&](const std::string& name) { return known.count(name) > 0; }, "SGD state");
  for (size_t g = 0; g < groups_.size(); ++g) groups_[g].options.lr(lrs[g]);
  states_ = std::move(loaded);
}

}  // namespace optim
}  // namespace xgrad
