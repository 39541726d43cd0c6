// Private: naming, writing and validating optimizer and scheduler state for state_dict()/load_state_dict().
#pragma once
#include <cmath>
#include <cstdint>
#include <functional>
#include <set>
#include <string>

#include "xgrad/nn/module.hpp"
#include "xgrad/optim/optimizer.hpp"

namespace xgrad {
namespace optim {

// "state.<flat parameter index>." and "group.<index>.<field>".
inline std::string state_prefix(size_t index) { return "state." + std::to_string(index) + "."; }
inline std::string group_key(size_t group, const char* field = "lr") {
  return "group." + std::to_string(group) + "." + field;
}

// The groups a constructor taking a parameter list starts from: none for an empty list, which the
// optimizer then refuses as PyTorch does.
inline std::vector<OptimizerParamGroup> single_group(std::vector<Tensor> params) {
  std::vector<OptimizerParamGroup> groups;
  if (!params.empty()) groups.emplace_back(std::move(params));
  return groups;
}

// The options of a group as the optimizer's own type; std::invalid_argument for another optimizer's.
template <class Options>
const Options& options_as(const OptimizerOptions& options, const char* optimizer, const char* type) {
  const auto* typed = dynamic_cast<const Options*>(&options);
  if (!typed) throw Error(std::string(optimizer) + ": a param group's options are not " + type);
  return *typed;
}

// Throws std::invalid_argument "<optimizer>: invalid <what> <value> (must be <range>)" unless ok.
void check_option(bool ok, const char* optimizer, const char* what, double value, const char* range);
inline bool finite_non_negative(double value) { return std::isfinite(value) && value >= 0; }

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
// Throws std::invalid_argument "<what>' has the value <v> at <k> (must be >= 0)" for a negative element
// (NaN and infinity, which a diverged run saves, pass).
void check_non_negative(const Tensor& t, const std::string& what);

// Writing one parameter's state: numbers as float64 scalars, tensors as copies.
inline void put_number(StateDict& out, const std::string& prefix, const char* field, double value) {
  out.emplace_back(prefix + field, scalar_tensor(value, dtype(kFloat64)));
}
inline void put_tensor(StateDict& out, const std::string& prefix, const char* field, const Tensor& value) {
  out.emplace_back(prefix + field, value.detach().clone());
}

// Reading one parameter's state (prefix "state.3.") with the checks every optimizer shares; every field
// asked for is added to `known`, so the caller can refuse the names nobody asked for.
class StateReader {
 public:
  StateReader(const StateDict& state, std::string prefix, std::string owner, std::set<std::string>& known)
      : state_(state), prefix_(std::move(prefix)), owner_(std::move(owner)), known_(known) {}
  bool has(const char* field);
  // An integer in [min, INT64_MAX] (step counts).
  int64_t integer(const char* field, int64_t min);
  double number(const char* field);
  // A copy of a tensor entry of `like`'s shape and dtype; non_negative refuses negative elements.
  Tensor tensor(const char* field, const Tensor& like, bool non_negative = false);
  // Throws "'<prefix><field>' without '<prefix><needed>'" when `field` is present.
  void refuse_without(const char* field, const char* needed);
  std::string key(const char* field) const { return prefix_ + field; }
  const std::string& owner() const { return owner_; }

 private:
  const StateDict& state_;
  std::string prefix_, owner_;
  std::set<std::string>& known_;
};

}  // namespace optim
}  // namespace xgrad
