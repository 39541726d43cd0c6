#include "state.hpp"

#include "tensor_impl.hpp"

#include <cmath>
#include <limits>
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
  if (!found || !found->defined()) throw Error(std::string(owner) + ": missing '" + name + "'");
  if (found->shape() != like.shape() || found->dtype() != like.dtype())
    throw Error(std::string(owner) + ": '" + name + "' has shape " + shape_string(found->shape()) + " (" +
                                dtype_name(found->dtype()) + "), expected " + shape_string(like.shape()) + " (" +
                                dtype_name(like.dtype()) + ")");
  return *found;
}

double expect_number(const StateDict& state, const std::string& name, const char* owner) {
  const Tensor* found = find_entry(state, name);
  if (!found || !found->defined()) throw Error(std::string(owner) + ": missing '" + name + "'");
  if (found->dim() != 0 || found->dtype() != kFloat64)
    throw Error(std::string(owner) + ": '" + name + "' must be a float64 scalar, got shape " +
                                shape_string(found->shape()) + " (" + dtype_name(found->dtype()) + ")");
  return found->item();
}

int64_t checked_integer(double value, int64_t min, int64_t max, const std::string& what) {
  // Every int64 lies in [-2^63, 2^63); both bounds are exact doubles, so the comparison is exact.
  const double two_63 = 9223372036854775808.0;
  bool integral = std::isfinite(value) && value == std::floor(value) && value >= -two_63 && value < two_63;
  int64_t result = integral ? static_cast<int64_t>(value) : 0;
  if (!integral || result < min || result > max)
    throw Error(what + " must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) +
                                "], got " + number_string(value));
  return result;
}

void reject_unknown(const StateDict& state, const std::function<bool(const std::string&)>& known, const char* owner) {
  std::set<std::string> names;
  for (auto& entry : state) {
    if (!known(entry.first)) throw Error(std::string(owner) + ": unexpected entry '" + entry.first + "'");
    if (!names.insert(entry.first).second)
      throw Error(std::string(owner) + ": entry '" + entry.first + "' appears twice");
  }
}

void check_option(bool ok, const char* optimizer, const char* what, double value, const char* range) {
  if (!ok)
    throw Error(std::string(optimizer) + ": invalid " + what + " " + number_string(value) + " (must be " +
                                range + ")");
}

void check_non_negative(const Tensor& t, const std::string& what) {
  Tensor hold;
  const Tensor& values = dense(t, hold);
  XG_DISPATCH(t.dtype(), {
    const T* data = values.impl()->data<T>();
    for (int64_t k = 0, n = t.numel(); k < n; ++k)
      if (data[k] < 0)
        throw Error(what + "' has the value " + number_string(static_cast<double>(data[k])) + " at " +
                                    std::to_string(k) + " (must be >= 0)");
  });
}

bool StateReader::has(const char* field) {
  known_.insert(key(field));
  return find_entry(state_, key(field)) != nullptr;
}

int64_t StateReader::integer(const char* field, int64_t min) {
  known_.insert(key(field));
  return checked_integer(expect_number(state_, key(field), owner_.c_str()), min, std::numeric_limits<int64_t>::max(),
                         owner_ + ": '" + key(field) + "'");
}

double StateReader::number(const char* field) {
  known_.insert(key(field));
  return expect_number(state_, key(field), owner_.c_str());
}

Tensor StateReader::tensor(const char* field, const Tensor& like, bool non_negative) {
  known_.insert(key(field));
  Tensor copy = expect_entry(state_, key(field), like, owner_.c_str()).detach().clone();
  if (non_negative) check_non_negative(copy, owner_ + ": '" + key(field));
  return copy;
}

void StateReader::refuse_without(const char* field, const char* needed) {
  if (has(field)) throw Error(owner_ + ": '" + key(field) + "' without '" + key(needed) + "'");
}

}  // namespace optim
}  // namespace xgrad
