#include "state.hpp"

#include <stdexcept>

namespace xgrad {
namespace optim {

const Tensor* find_entry(const StateDict& state, const std::string& name) {
  for (auto& entry : state)
    if (entry.first == name) return &entry.second;
  return nullptr;
}

const Tensor& expect_entry(const StateDict& state, const std::string& name, const Tensor& like) {
  const Tensor* found = find_entry(state, name);
  if (!found || !found->defined()) throw std::invalid_argument("optimizer state: missing '" + name + "'");
  if (found->shape() != like.shape() || found->dtype() != like.dtype())
    throw std::invalid_argument("optimizer state: '" + name + "' has shape " + shape_string(found->shape()) + " (" +
                                dtype_name(found->dtype()) + "), expected " + shape_string(like.shape()) + " (" +
                                dtype_name(like.dtype()) + ")");
  return *found;
}

void reject_unknown(const StateDict& state, const std::function<bool(const std::string&)>& known) {
  for (auto& entry : state)
    if (!known(entry.first)) throw std::invalid_argument("optimizer state: unexpected entry '" + entry.first + "'");
}

}  // namespace optim
}  // namespace xgrad
