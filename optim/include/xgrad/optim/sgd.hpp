#pragma once
#include "xgrad/optim/optimizer.hpp"

namespace xgrad {
namespace optim {

// torch.optim.SGD: maximize, then L2 weight decay, then momentum (the buffer starts as the first
// gradient), Nesterov or heavy ball, then p -= lr * g.
// validate() refuses (std::invalid_argument naming the option) a learning rate, momentum or weight decay
// that is negative or not finite, a dampening outside [0, 1], and Nesterov without momentum or with
// dampening.
struct SGDOptions {
  explicit SGDOptions(double lr) : lr_(lr) {}
  static void validate(const SGDOptions& options);
  XGRAD_ARG(double, lr, 0.0)
  XGRAD_ARG(double, momentum, 0.0)
  XGRAD_ARG(double, dampening, 0.0)
  XGRAD_ARG(double, weight_decay, 0.0)
  XGRAD_ARG(bool, nesterov, false)
  XGRAD_ARG(bool, maximize, false)
};

struct SGDState {
  Tensor momentum_buffer;
};

// Throws std::invalid_argument for an empty parameter list, a parameter listed twice, or invalid options.
class SGD : public OptimizerWith<SGDOptions, SGDState> {
 public:
  SGD(std::vector<Tensor> params, SGDOptions options) : OptimizerWith("SGD", std::move(params), options) {}
  void step() override;
  StateDict state_dict() const override;
  void load_state_dict(const StateDict& state) override;
};

}  // namespace optim
}  // namespace xgrad
