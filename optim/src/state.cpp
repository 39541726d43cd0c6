#include "state.hpp"

#include <cmath>
#include <set>
#include <sstream>
#include <stdexcept>

namespace xgrad {
namespace optim {

std::string number_string(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

const Tensor* find_entry(const StateDict& state, const std::string& name) {
  for (auto& entry : state)
    if (entry.first == name) return &entry.second;
  return nullptr;
}

const Tensor& expect_entry(const StateDict& state, const std::string& name, const Tensor& like, const char* owner) {
  const Tensor* found = find_entry(state, name);
  if (!found || !found->defined()) throw std::invalid_argument(std::string(owner) + ": missing '" + name + "'");
  if (found->shape() != like.shape() || found->dtype() != like.dtype())
    throw std::invalid_argument(std::string(owner) + ": '" + name + "' has shape " + shape_string(found->shape()) + " (" +
                                dtype_name(found->dtype()) + "), expected " + shape_string(like.shape()) + " (" +
                                dtype_name(like.dtype()) + ")");
  return *found;
}

double expect_number(const StateDict& state, const std::string& name, const char* owner) {
  const Tensor* found = find_entry(state, name);
  if (!found || !found->defined()) throw std::invalid_argument(std::string(owner) + ": missing '" + name + "'");
  if (found->dim() != 0 || found->dtype() != kFloat64)
    throw std::invalid_argument(std::string(owner) + ": '" + name + "' must be a float64 scalar, got shape " +
                                shape_string(found->shape()) + " (" + dtype_name(found->dtype()) + ")");
  return found->item();
}

int64_t checked_integer(double value, int64_t min, int64_t max, const std::string& what) {
  // Every int64 lies in [-2^63, 2^63); both bounds are exact doubles, so the comparison is exact.
  const double two_63 = 9223372036854775808.0;
  bool integral = std::isfinite(value) && value == std::floor(value) && value >= -two_63 && value < two_63;
  int64_t result = integral ? static_cast<int64_t>(value) : 0;
  if (!integral || result < min || result > max)
    throw std::invalid_argument(what + " must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) +
                                "], got " + number_string(value));
  return result;
}

void reject_unknown(const StateDict& state, const std::function<bool(const std::string&)>& known, const char* owner) {
  std::set<std::string> names;
  for (auto& entry : state) {
    if (!known(entry.first)) throw std::invalid_argument(std::string(owner) + ": unexpected entry '" + entry.first + "'");
    if (!names.insert(entry.first).second)
      throw std::invalid_argument(std::string(owner) + ": entry '" + entry.first + "' appears twice");
  }
}

}  // namespace optim
}  // namespace xgrad
