#pragma once
#include "xgrad/optim/optimizer.hpp"

namespace xgrad {
namespace optim {

// torch.optim.SGD: maximize, then L2 weight decay, then momentum (the buffer starts as the first
// gradient), Nesterov or heavy ball, then p -= lr * g.
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

class SGD : public OptimizerWith<SGDOptions, SGDState> {
 public:
  SGD(std::vector<Tensor> params, SGDOptions options) : OptimizerWith(std::move(params), options) {}
  void step() override;
  StateDict state_dict() const override;
  void load_state_dict(const StateDict& state) override;
};

}  // namespace optim
}  // namespace xgrad
