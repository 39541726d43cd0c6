#include "xgrad/optim/optimizer.hpp"

#include "ops_internal.hpp"

namespace xgrad {
namespace optim {

void Optimizer::zero_grad(bool set_to_none) {
  for (size_t g = 0; g < num_param_groups(); ++g)
    for (Tensor& p : group_params(g)) clear_grad(p, set_to_none);
}

void Optimizer::set_lr(double lr) {
  for (size_t g = 0; g < num_param_groups(); ++g) set_group_lr(g, lr);
}

}  // namespace optim
}  // namespace xgrad
