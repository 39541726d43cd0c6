// xgrad::nn::init: in-place initializers with PyTorch's fan and gain rules, drawn from the generator
// seeded by xg::manual_seed. They write without recording history.
// Bad arguments throw xgrad::Error (a std::invalid_argument) as PyTorch checks them: uniform_ bounds must be finite,
// representable in the tensor's dtype, low <= high and high - low not overflowing; normal_ needs a finite
// mean and std >= 0 representable in the dtype; constant_ a value the dtype can hold (NaN and infinities
// included). xavier_uniform_ and kaiming_uniform_ leave a zero-element tensor as it is.
#pragma once

#include <string>

#include "xgrad/tensor.hpp"

namespace xgrad {
namespace nn {
namespace init {

double calculate_gain(const std::string& nonlinearity, double param = 0.01);
Tensor uniform_(Tensor tensor, double low = 0.0, double high = 1.0);
Tensor normal_(Tensor tensor, double mean = 0.0, double std = 1.0);
Tensor constant_(Tensor tensor, double value);
Tensor zeros_(Tensor tensor);
Tensor ones_(Tensor tensor);
// U(-b, b), b = gain * sqrt(6 / (fan_in + fan_out)).
Tensor xavier_uniform_(Tensor tensor, double gain = 1.0);
// U(-b, b), b = gain * sqrt(3 / fan); mode "fan_in" or "fan_out"; gain from nonlinearity and a.
Tensor kaiming_uniform_(Tensor tensor, double a = 0.0, const std::string& mode = "fan_in",
                        const std::string& nonlinearity = "leaky_relu");

}  // namespace init
}  // namespace nn
}  // namespace xgrad
