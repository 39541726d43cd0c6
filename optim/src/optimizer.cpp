#include "xgrad/optim/optimizer.hpp"

namespace xgrad {
namespace optim {

void Optimizer::zero_grad(bool set_to_none) {
  for (size_t g = 0; g < num_param_groups(); ++g)
    for (Tensor& p : group_params(g)) {
      if (!p.grad().defined()) continue;
      if (set_to_none)
        p.mutable_grad() = Tensor();
      else
        p.mutable_grad().zero_();
    }
}

void Optimizer::set_lr(double lr) {
  for (size_t g = 0; g < num_param_groups(); ++g) set_group_lr(g, lr);
}

}  // namespace optim
}  // namespace xgrad
