#include "xgrad/optim/checkpoint.hpp"

#include <stdexcept>

#include "xgrad/serialize.hpp"

namespace xgrad {
namespace optim {

namespace {
void add_prefixed(StateDict& into, const std::string& prefix, const StateDict& part) {
  for (auto& [name, tensor] : part) into.emplace_back(prefix + name, tensor);
}
}  // namespace

void save_checkpoint(const std::string& path, const nn::Module& model, const Optimizer& optimizer,
                     const LRScheduler* scheduler) {
  StateDict state;
  add_prefixed(state, "model.", model.state_dict());
  add_prefixed(state, "optimizer.", optimizer.state_dict());
  if (scheduler) add_prefixed(state, "scheduler.", scheduler->state_dict());
  save(state, path);
}

void load_checkpoint(const std::string& path, nn::Module& model, Optimizer& optimizer, LRScheduler* scheduler) {
  StateDict state = load_state_dict_file(path);
  StateDict model_state, optimizer_state, scheduler_state;
  for (auto& [name, tensor] : state) {
    if (name.rfind("model.", 0) == 0) model_state.emplace_back(name.substr(6), tensor);
    else if (name.rfind("optimizer.", 0) == 0) optimizer_state.emplace_back(name.substr(10), tensor);
    else if (scheduler && name.rfind("scheduler.", 0) == 0) scheduler_state.emplace_back(name.substr(10), tensor);
    else throw std::runtime_error("checkpoint '" + path + "': unexpected entry '" + name + "'");
  }
  // Each part validates before it changes anything; if a later part fails, the earlier ones are put back.
  StateDict saved_model = model.state_dict();
  for (auto& entry : saved_model) entry.second = entry.second.clone();
  StateDict saved_optimizer = optimizer.state_dict();
  StateDict saved_scheduler = scheduler ? scheduler->state_dict() : StateDict();
  try {
    optimizer.load_state_dict(optimizer_state);
    model.load_state_dict(model_state);
    if (scheduler) scheduler->load_state_dict(scheduler_state);
  } catch (const std::invalid_argument& error) {
    optimizer.load_state_dict(saved_optimizer);
    model.load_state_dict(saved_model);
    if (scheduler) scheduler->load_state_dict(saved_scheduler);
    throw std::runtime_error("checkpoint '" + path + "': " + error.what());
  }
}

}  // namespace optim
}  // namespace xgrad
