// A training checkpoint: the model's parameters and the optimizer's state in one .npz, so training resumes
// exactly ("model.<name>" and "optimizer.<name>" entries).
#pragma once
#include <string>

#include "xgrad/nn/module.hpp"
#include "xgrad/optim/optimizer.hpp"

namespace xgrad {
namespace optim {

void save_checkpoint(const std::string& path, const nn::Module& model, const Optimizer& optimizer);
// Validates both parts before changing either; throws std::runtime_error naming the file and the problem.
void load_checkpoint(const std::string& path, nn::Module& model, Optimizer& optimizer);

}  // namespace optim
}  // namespace xgrad
