// Private: naming and validating optimizer state for state_dict()/load_state_dict().
#pragma once
#include <functional>
#include <string>

#include "xgrad/nn/module.hpp"

namespace xgrad {
namespace optim {

// "state.<flat parameter index>.<field>" and "group.<index>.lr".
inline std::string state_key(size_t index, const char* field) {
  return "state." + std::to_string(index) + "." + field;
}
inline std::string group_key(size_t group) { return "group." + std::to_string(group) + ".lr"; }

const Tensor* find_entry(const StateDict& state, const std::string& name);
// Looks up `name`; throws std::invalid_argument when it is missing or its shape/dtype differ from `like`.
const Tensor& expect_entry(const StateDict& state, const std::string& name, const Tensor& like);
// Throws when `state` has a name that `known` does not accept.
void reject_unknown(const StateDict& state, const std::function<bool(const std::string&)>& known);

}  // namespace optim
}  // namespace xgrad
