#include "xgrad/optim/optimizer.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

#include "ops_internal.hpp"
#include "state.hpp"

namespace xgrad {
namespace optim {

void Optimizer::zero_grad(bool set_to_none) {
  for (size_t g = 0; g < num_param_groups(); ++g)
    for (Tensor& p : group_params(g)) clear_grad(p, set_to_none);
}

void Optimizer::set_lr(double lr) {
  detail::check_lr(name(), lr);  // before any group changes
  for (size_t g = 0; g < num_param_groups(); ++g) set_group_lr(g, lr);
}

namespace detail {

void check_lr(const char* optimizer, double lr) {
  if (!(std::isfinite(lr) && lr >= 0))
    throw std::invalid_argument(std::string(optimizer) + ": invalid learning rate " + number_string(lr) +
                                " (must be a finite number >= 0)");
}

void check_parameters(const char* optimizer, const std::vector<const std::vector<Tensor>*>& groups) {
  auto where = [](size_t g, size_t i) { return "parameter " + std::to_string(i) + " of group " + std::to_string(g); };
  // (identity, group, index), sorted by identity so a repeat sits next to its first occurrence.
  struct Seen {
    const TensorImpl* impl;
    size_t group, index;
  };
  std::vector<Seen> seen;
  for (size_t g = 0; g < groups.size(); ++g)
    for (size_t i = 0; i < groups[g]->size(); ++i) {
      const Tensor& p = (*groups[g])[i];
      if (!p.defined()) throw std::invalid_argument(std::string(optimizer) + ": " + where(g, i) + " is undefined");
      if (!p.is_leaf())
        throw std::invalid_argument(std::string(optimizer) + ": can't optimize a non-leaf Tensor (" + where(g, i) + ")");
      seen.push_back({p.impl(), g, i});
    }
  std::stable_sort(seen.begin(), seen.end(), [](const Seen& a, const Seen& b) { return std::less<const TensorImpl*>()(a.impl, b.impl); });
  for (size_t k = 1; k < seen.size(); ++k) {
    if (seen[k].impl != seen[k - 1].impl) continue;
    const Seen &first = seen[k - 1], &again = seen[k];
    if (first.group == again.group)
      throw std::invalid_argument(std::string(optimizer) + ": a parameter group lists the same parameter twice (" +
                                  where(first.group, first.index) + " and " + where(again.group, again.index) + ")");
    throw std::invalid_argument(std::string(optimizer) + ": some parameters appear in more than one parameter group (" +
                                where(first.group, first.index) + " is also " + where(again.group, again.index) + ")");
  }
}

void check_gradient(const Tensor& param, const char* op) { checked_grad(param, op); }

}  // namespace detail
}  // namespace optim
}  // namespace xgrad
