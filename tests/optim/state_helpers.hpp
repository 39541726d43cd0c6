// Shared by the adversarial optimizer and scheduler tests: state-dict snapshots compared bit for bit, and
// state dicts with one entry replaced or removed.
#pragma once
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <string>

#include "helpers.hpp"

namespace {
constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
// The largest double below 2^63: the largest last_epoch or step count a float64 state entry can hold.
const double kLastDoubleBelow2To63 = std::nextafter(9223372036854775808.0, 0.0);

// Names, shapes, dtypes and exact bits of a state dict (NaN compares equal to the same NaN).
struct Snapshot {
  std::vector<std::string> names;
  std::vector<xg::Shape> shapes;
  std::vector<xg::Dtype> dtypes;
  std::vector<std::vector<double>> values;
  bool operator==(const Snapshot& other) const {
    if (names != other.names || shapes != other.shapes || dtypes != other.dtypes || values.size() != other.values.size())
      return false;
    for (size_t i = 0; i < values.size(); ++i)
      if (values[i].size() != other.values[i].size() ||
          (!values[i].empty() &&
           std::memcmp(values[i].data(), other.values[i].data(), values[i].size() * sizeof(double)) != 0))
        return false;
    return true;
  }
};
inline Snapshot snapshot(const xg::StateDict& state) {
  Snapshot out;
  for (auto& [name, tensor] : state) {
    out.names.push_back(name);
    out.shapes.push_back(tensor.shape());
    out.dtypes.push_back(tensor.dtype());
    out.values.push_back(tensor.to_vector<double>());
  }
  return out;
}
inline Snapshot snapshot(const std::vector<xg::Tensor>& tensors) {
  xg::StateDict state;
  for (size_t i = 0; i < tensors.size(); ++i) state.emplace_back(std::to_string(i), tensors[i]);
  return snapshot(state);
}

// Replaces (or adds) entry `name`.
inline xg::StateDict with(xg::StateDict state, const std::string& name, const xg::Tensor& value) {
  for (auto& entry : state)
    if (entry.first == name) {
      entry.second = value;
      return state;
    }
  state.emplace_back(name, value);
  return state;
}
inline xg::StateDict without(xg::StateDict state, const std::string& name) {
  xg::StateDict out;
  for (auto& entry : state)
    if (entry.first != name) out.push_back(entry);
  return out;
}
inline xg::Tensor number(double value) { return xg::scalar_tensor(value, xg::dtype(xg::kFloat64)); }

inline std::string message_of(const std::function<void()>& run) {
  try {
    run();
  } catch (const std::exception& error) {
    return error.what();
  }
  return "(no exception)";
}

}  // namespace
