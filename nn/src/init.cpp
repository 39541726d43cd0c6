#include "xgrad/nn/init.hpp"

#include <cmath>
#include <random>
#include <stdexcept>

#include "random.hpp"
#include "tensor_impl.hpp"

namespace xgrad {
namespace nn {
namespace init {

namespace {
template <class Draw>
Tensor fill_with(Tensor tensor, const char* name, Draw draw) {
  if (!tensor.defined()) throw std::invalid_argument(std::string(name) + ": undefined tensor");
  NoGradGuard no_grad;  // initialization is not part of any graph
  XG_DISPATCH(tensor.dtype(), {
    T* data = tensor.impl()->data<T>();
    for (int64_t i = 0, n = tensor.numel(); i < n; ++i) data[i] = static_cast<T>(draw());
  });
  tensor.impl()->storage->version.fetch_add(1);
  return tensor;
}

std::pair<double, double> fans(const Tensor& tensor, const char* name) {
  if (tensor.dim() < 2)
    throw std::invalid_argument(std::string(name) + ": fan in and fan out need at least 2 dimensions, got " +
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
  if (nonlinearity == "leaky_relu") return std::sqrt(2.0 / (1 + param * param));
  if (nonlinearity == "selu") return 3.0 / 4.0;
  throw std::invalid_argument("calculate_gain: unsupported nonlinearity '" + nonlinearity + "'");
}

Tensor uniform_(Tensor tensor, double low, double high) {
  if (!(low <= high)) throw std::invalid_argument("uniform_: low must not exceed high");
  std::uniform_real_distribution<double> uniform(low, high);
  return fill_with(std::move(tensor), "uniform_", [&] { return uniform(generator()); });
}

Tensor normal_(Tensor tensor, double mean, double std) {
  if (!(std >= 0)) throw std::invalid_argument("normal_: std must be non-negative");
  std::normal_distribution<double> normal(mean, std);
  return fill_with(std::move(tensor), "normal_", [&] { return normal(generator()); });
}

Tensor constant_(Tensor tensor, double value) {
  return fill_with(std::move(tensor), "constant_", [value] { return value; });
}
Tensor zeros_(Tensor tensor) { return constant_(std::move(tensor), 0.0); }
Tensor ones_(Tensor tensor) { return constant_(std::move(tensor), 1.0); }

Tensor xavier_uniform_(Tensor tensor, double gain) {
  auto [fan_in, fan_out] = fans(tensor, "xavier_uniform_");
  double bound = gain * std::sqrt(6.0 / (fan_in + fan_out));
  return uniform_(std::move(tensor), -bound, bound);
}

Tensor kaiming_uniform_(Tensor tensor, double a, const std::string& mode, const std::string& nonlinearity) {
  auto [fan_in, fan_out] = fans(tensor, "kaiming_uniform_");
  if (mode != "fan_in" && mode != "fan_out")
    throw std::invalid_argument("kaiming_uniform_: mode must be 'fan_in' or 'fan_out', got '" + mode + "'");
  double fan = mode == "fan_in" ? fan_in : fan_out;
  double bound = calculate_gain(nonlinearity, a) * std::sqrt(3.0 / fan);
  return uniform_(std::move(tensor), -bound, bound);
}

}  // namespace init
}  // namespace nn
}  // namespace xgrad
