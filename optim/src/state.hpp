// Private: naming and validating optimizer and scheduler state for state_dict()/load_state_dict().
#pragma once
#include <cstdint>
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

// A double as a message shows it: "0.001", "1e-08", "nan", "1e+300".
std::string number_string(double value);

const Tensor* find_entry(const StateDict& state, const std::string& name);
// Looks up `name`; throws std::invalid_argument (starting with `owner`) when it is missing or its shape or
// dtype differ from `like`.
const Tensor& expect_entry(const StateDict& state, const std::string& name, const Tensor& like,
                           const char* owner = "optimizer state");
// The one number of a float64 scalar entry `name`; throws when it is missing or not a scalar.
double expect_number(const StateDict& state, const std::string& name, const char* owner);
// A loaded double as an integer in [min, max]: throws std::invalid_argument naming `what` for NaN, an
// infinity, a fraction or a value out of range, instead of the undefined float-to-integer cast.
int64_t checked_integer(double value, int64_t min, int64_t max, const std::string& what);
// Throws when `state` has a name that `known` does not accept, or a name twice.
void reject_unknown(const StateDict& state, const std::function<bool(const std::string&)>& known,
                    const char* owner = "optimizer state");

}  // namespace optim
}  // namespace xgrad
