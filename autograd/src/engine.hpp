// Private: the engine is the only code that walks the graph.
#pragma once
#include <vector>

#include "xgrad/tensor.hpp"

namespace xgrad {

// Runs reverse mode from `roots` (seeded with `root_grads`, or ones for one-element roots).
// With `inputs`, returns their gradients and leaves every .grad untouched (autograd::grad);
// without, accumulates into the leaves' .grad and returns nothing.
std::vector<Tensor> run_backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& root_grads,
                                 bool retain_graph, bool create_graph, const std::vector<Tensor>* inputs,
                                 bool allow_unused = false);

}  // namespace xgrad
