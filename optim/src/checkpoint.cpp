#include "xgrad/optim/checkpoint.hpp"

#include <stdexcept>

#include "xgrad/serialize.hpp"

namespace xgrad {
namespace optim {

void save_checkpoint(const std::string& path, const nn::Module& model, const Optimizer& optimizer) {
  StateDict state;
  for (auto& [name, tensor] : model.state_dict()) state.emplace_back("model." + name, tensor);
  for (auto& [name, tensor] : optimizer.state_dict()) state.emplace_back("optimizer." + name, tensor);
  save(state, path);
}

void load_checkpoint(const std::string& path, nn::Module& model, Optimizer& optimizer) {
  StateDict state = load_state_dict_file(path);
  StateDict model_state, optimizer_state;
  for (auto& [name, tensor] : state) {
    if (name.rfind("model.", 0) == 0) model_state.emplace_back(name.substr(6), tensor);
    else if (name.rfind("optimizer.", 0) == 0) optimizer_state.emplace_back(name.substr(10), tensor);
    else throw std::runtime_error("checkpoint '" + path + "': unexpected entry '" + name + "'");
  }
  // Dry runs on copies first, so a bad optimizer part cannot leave a half-loaded model.
  StateDict saved_model = model.state_dict();
  for (auto& entry : saved_model) entry.second = entry.second.clone();
  StateDict saved_optimizer = optimizer.state_dict();
  try {
    optimizer.load_state_dict(optimizer_state);
    model.load_state_dict(model_state);
  } catch (const std::invalid_argument& error) {
    optimizer.load_state_dict(saved_optimizer);
    model.load_state_dict(saved_model);
    throw std::runtime_error("checkpoint '" + path + "': " + error.what());
  }
}

}  // namespace optim
}  // namespace xgrad
