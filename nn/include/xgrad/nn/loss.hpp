// Loss modules over nn::functional's losses.
#pragma once

#include "xgrad/nn/functional.hpp"

namespace xgrad {
namespace nn {

class MSELoss {
 public:
  explicit MSELoss(Reduction reduction = Reduction::Mean) : reduction(reduction) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const { return functional::mse_loss(input, target, reduction); }
  Reduction reduction;
};

class L1Loss {
 public:
  explicit L1Loss(Reduction reduction = Reduction::Mean) : reduction(reduction) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const { return functional::l1_loss(input, target, reduction); }
  Reduction reduction;
};

class HuberLoss {
 public:
  explicit HuberLoss(Reduction reduction = Reduction::Mean, double delta = 1.0) : reduction(reduction), delta(delta) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const {
    return functional::huber_loss(input, target, reduction, delta);
  }
  Reduction reduction;
  double delta;
};

}  // namespace nn
}  // namespace xgrad
