#include "xgrad/nn/init.hpp"

#include <cmath>
#include <limits>
#include <random>
#include <sstream>
#include <stdexcept>

#include "random.hpp"
#include "tensor_impl.hpp"

namespace xgrad {
namespace nn {
namespace init {

namespace {
std::string number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

void check_defined(const Tensor& tensor, const char* op) {
  if (!tensor.defined()) throw Error(std::string(op) + ": undefined tensor");
}

// The largest finite value of the tensor's dtype.
double dtype_max(const Tensor& tensor) {
  return tensor.dtype() == kFloat64 ? std::numeric_limits<double>::max() : std::numeric_limits<float>::max();
}

// Throws unless `value` is finite and representable in the tensor's dtype (PyTorch: "from is out of bounds
// for float"); a double beyond float's range would become an infinity.
void check_bound(const Tensor& tensor, double value, const char* op, const char* what) {
  if (!(std::abs(value) <= dtype_max(tensor)))
    throw Error(std::string(op) + ": " + what + " " + number(value) + " is out of bounds for " +
                                dtype_name(tensor.dtype()));
}

template <class Draw>
Tensor fill_with(Tensor tensor, Draw draw) {
  NoGradGuard no_grad;  // initialization is not part of any graph
  const Shape strides = strides_of(*tensor.impl());  // a view is filled through its strides
  XG_DISPATCH(tensor.dtype(), {
    T* data = tensor.impl()->data<T>();
    for_each_element(tensor.shape(), strides, strides, [&](int64_t at, int64_t) { data[at] = static_cast<T>(draw()); });
  });
  tensor.impl()->storage->version.fetch_add(1);
  return tensor;
}

// uniform_ as PyTorch checks it (aten's uniform_impl_), with `op` naming the initializer the user called.
Tensor uniform(Tensor tensor, double low, double high, const char* op) {
  check_defined(tensor, op);
  check_bound(tensor, low, op, "from");
  check_bound(tensor, high, op, "to");
  if (!(low <= high))
    throw Error(std::string(op) + ": expects to return a [from, to) range, but found from=" +
                                number(low) + " > to=" + number(high));
  // high - low may overflow to inf even for finite bounds; std::uniform_real_distribution needs it finite.
  if (!(high - low <= dtype_max(tensor)))
    throw Error(std::string(op) + ": expects to-from <= std::numeric_limits<" +
                                dtype_name(tensor.dtype()) + ">::max(), but found to=" + number(high) +
                                " and from=" + number(low) + " which result in to-from to exceed the limit");
  if (low == high) return fill_with(std::move(tensor), [high] { return high; });
  std::uniform_real_distribution<double> uniform_draw(low, high);
  return fill_with(std::move(tensor), [&] { return uniform_draw(generator()); });
}

std::pair<double, double> fans(const Tensor& tensor, const char* name) {
  check_defined(tensor, name);
  if (tensor.dim() < 2)
    throw Error(std::string(name) + ": fan in and fan out need at least 2 dimensions, got " +
                                shape_string(tensor.shape()));
  double receptive = 1;
  for (int64_t d = 2; d < tensor.dim(); ++d) receptive *= static_cast<double>(tensor.size(d));
  return {static_cast<double>(tensor.size(1)) * receptive, static_cast<double>(tensor.size(0)) * receptive};
}
}  // namespace

double calculate_gain(const std::string& nonlinearity, double param) {
  if (nonlinearity == "linear" || nonlinearity == "sigmoid" || nonlinearity == "conv1d" || nonlinearity == "conv2d")
    return 1.0;
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") {
    if (!std::isfinite(param))
      throw Error("calculate_gain: negative_slope " + number(param) + " is not a valid number");
    return std::sqrt(2.0 / (1 + param * param));
  }
  if (nonlinearity == "selu") return 3.0 / 4.0;
  throw Error("calculate_gain: unsupported nonlinearity '" + nonlinearity + "'");
}

Tensor uniform_(Tensor tensor, double low, double high) { return uniform(std::move(tensor), low, high, "uniform_"); }

Tensor normal_(Tensor tensor, double mean, double std) {
  check_defined(tensor, "normal_");
  if (!(std >= 0)) throw Error("normal_: expects std >= 0.0, but found std " + number(std));
  check_bound(tensor, mean, "normal_", "mean");
  check_bound(tensor, std, "normal_", "std");
  if (std == 0) return fill_with(std::move(tensor), [mean] { return mean; });  // normal_distribution needs std > 0
  std::normal_distribution<double> normal(mean, std);
  return fill_with(std::move(tensor), [&] { return normal(generator()); });
}

Tensor constant_(Tensor tensor, double value) {
  check_defined(tensor, "constant_");
  // NaN and the infinities exist in every dtype; a finite value beyond float's range does not (PyTorch:
  // "value cannot be converted to type float without overflow").
  if (std::isfinite(value) && !(std::abs(value) <= dtype_max(tensor)))
    throw Error("constant_: value " + number(value) + " cannot be converted to type " +
                                dtype_name(tensor.dtype()) + " without overflow");
  return fill_with(std::move(tensor), [value] { return value; });
}
Tensor zeros_(Tensor tensor) { return constant_(std::move(tensor), 0.0); }
Tensor ones_(Tensor tensor) { return constant_(std::move(tensor), 1.0); }

Tensor xavier_uniform_(Tensor tensor, double gain) {
  auto [fan_in, fan_out] = fans(tensor, "xavier_uniform_");
  if (!std::isfinite(gain)) throw Error("xavier_uniform_: gain must be finite, got " + number(gain));
  if (tensor.numel() == 0) return tensor;  // nothing to fill, and a fan may be 0
  double bound = gain * std::sqrt(6.0 / (fan_in + fan_out));
  return uniform(std::move(tensor), -bound, bound, "xavier_uniform_");
}

Tensor kaiming_uniform_(Tensor tensor, double a, const std::string& mode, const std::string& nonlinearity) {
  auto [fan_in, fan_out] = fans(tensor, "kaiming_uniform_");
  if (mode != "fan_in" && mode != "fan_out")
    throw Error("kaiming_uniform_: mode must be 'fan_in' or 'fan_out', got '" + mode + "'");
  double gain = calculate_gain(nonlinearity, a);
  if (tensor.numel() == 0) return tensor;  // PyTorch: initializing zero-element tensors is a no-op
  double fan = mode == "fan_in" ? fan_in : fan_out;
  double bound = gain * std::sqrt(3.0 / fan);
  return uniform(std::move(tensor), -bound, bound, "kaiming_uniform_");
}

}  // namespace init
}  // namespace nn
}  // namespace xgrad
