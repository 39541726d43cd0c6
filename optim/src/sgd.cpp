// SGD as torch/optim/sgd.py (_single_tensor_sgd), fused into one pass per parameter. Each step rounds
// like PyTorch's sequence of float ops: hyperparameters are cast to the parameter's dtype.
#include "xgrad/optim/sgd.hpp"

#include <set>

#include "state.hpp"
#include "tensor_impl.hpp"

namespace xgrad {
namespace optim {

void SGDOptions::validate(const SGDOptions& o) {
  if (!(o.lr() >= 0)) throw std::invalid_argument("SGD: invalid learning rate " + std::to_string(o.lr()));
  if (!(o.momentum() >= 0)) throw std::invalid_argument("SGD: invalid momentum " + std::to_string(o.momentum()));
  if (!(o.weight_decay() >= 0)) throw std::invalid_argument("SGD: invalid weight_decay " + std::to_string(o.weight_decay()));
  if (o.nesterov() && (o.momentum() <= 0 || o.dampening() != 0))
    throw std::invalid_argument("SGD: Nesterov momentum requires a momentum and zero dampening");
}

void SGD::step() {
  NoGradGuard no_grad;
  for (size_t g = 0; g < groups_.size(); ++g) {
    const SGDOptions& o = groups_[g].options;
    SGDOptions::validate(o);  // options may have been changed through param_groups()
    for (size_t i = 0; i < groups_[g].params.size(); ++i) {
      Tensor& p = groups_[g].params[i];
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      SGDState& state = states_[g][i];
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
    for (size_t i = 0; i < groups_[g].params.size(); ++i, ++index)
      if (states_[g][i].momentum_buffer.defined())
        state.emplace_back(state_key(index, "momentum_buffer"), states_[g][i].momentum_buffer.clone());
  }
  return state;
}

void SGD::load_state_dict(const StateDict& state) {
  std::set<std::string> known;
  std::vector<std::vector<Tensor>> buffers(groups_.size());
  std::vector<double> lrs;
  size_t index = 0;
  for (size_t g = 0; g < groups_.size(); ++g) {
    known.insert(group_key(g));
    lrs.push_back(expect_entry(state, group_key(g), scalar_tensor(0, dtype(kFloat64))).item());
    for (size_t i = 0; i < groups_[g].params.size(); ++i, ++index) {
      std::string key = state_key(index, "momentum_buffer");
      known.insert(key);
      buffers[g].push_back(find_entry(state, key) ? expect_entry(state, key, groups_[g].params[i]).clone() : Tensor());
    }
  }
  reject_unknown(state, [&](const std::string& name) { return known.count(name) > 0; });
  for (size_t g = 0; g < groups_.size(); ++g) {
    groups_[g].options.lr(lrs[g]);
    for (size_t i = 0; i < buffers[g].size(); ++i) states_[g][i].momentum_buffer = buffers[g][i];
  }
}

}  // namespace optim
}  // namespace xgrad
