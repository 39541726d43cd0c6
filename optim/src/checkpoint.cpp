#include "xgrad/optim/checkpoint.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "state.hpp"
#include "xgrad/serialize.hpp"

namespace xgrad {
namespace optim {

namespace {
const char* const kModel = "model.";
const char* const kOptimizer = "optimizer.";
const char* const kScheduler = "scheduler.";

bool starts_with(const std::string& text, const std::string& prefix) { return text.compare(0, prefix.size(), prefix) == 0; }

void add_prefixed(StateDict& into, const std::string& prefix, const StateDict& part) {
  for (auto& [name, tensor] : part) into.emplace_back(prefix + name, tensor);
}

// Stand-ins for the optimizer's entries, from their headers alone: single numbers (lr, step counts) are
// read, which costs a few bytes; anything larger must have the shape and dtype of one of the optimizer's
// parameters (or of all of them flattened, LBFGS's vectors), and stands in as zeros of that shape (one tensor per shape; zero is a valid value for every
// per-parameter state: moments, momentum buffers). Loading these lets the optimizer check every name and
// shape itself before any array data is inflated.
StateDict optimizer_stand_ins(CheckpointReader& reader, Optimizer& optimizer) {
  std::map<std::pair<Shape, Dtype>, Tensor> like;
  int64_t total = 0;
  for (size_t g = 0; g < optimizer.num_param_groups(); ++g)
    for (const Tensor& p : optimizer.group_params(g)) {
      total += p.numel();
      if (!like.count({p.shape(), p.dtype()})) like.emplace(std::make_pair(p.shape(), p.dtype()), zeros(p.shape(), dtype(p.dtype())));
    }
  // LBFGS's direction and history are flat vectors of all parameters' elements.
  if (total > 0 && optimizer.num_param_groups() > 0 && !optimizer.group_params(0).empty()) {
    const Dtype flat_dtype = optimizer.group_params(0)[0].dtype();
    if (!like.count({Shape{total}, flat_dtype})) like.emplace(std::make_pair(Shape{total}, flat_dtype), zeros({total}, dtype(flat_dtype)));
  }
  StateDict stand_ins;
  for (size_t i = 0; i < reader.entries().size(); ++i) {
    const EntryHeader& entry = reader.entries()[i];
    if (!starts_with(entry.name, kOptimizer)) continue;
    std::string name = entry.name.substr(std::string(kOptimizer).size());
    int64_t elements = 1;  // cannot overflow: the reader checked the shape's byte size
    for (int64_t extent : entry.shape) elements *= extent;
    if (elements <= 1) {
      stand_ins.emplace_back(name, reader.read(i));
      continue;
    }
    auto found = like.find({entry.shape, entry.dtype});
    if (found == like.end())
      reader.fail("optimizer entry '" + entry.name + "' is " + shape_string(entry.shape) + " " +
                  dtype_name(entry.dtype) + ", which is neither a number nor the shape of any parameter of the optimizer");
    stand_ins.emplace_back(name, found->second);
  }
  return stand_ins;
}
}  // namespace

void save_checkpoint(const std::string& path, const nn::Module& model, const Optimizer& optimizer,
                     const LRScheduler* scheduler) {
  StateDict state;
  add_prefixed(state, kModel, model.state_dict());
  add_prefixed(state, kOptimizer, optimizer.state_dict());
  if (scheduler) add_prefixed(state, kScheduler, scheduler->state_dict());
  save(state, path);
}

void load_checkpoint(const std::string& path, nn::Module& model, Optimizer& optimizer, LRScheduler* scheduler) {
  // Everything that can be judged from the entries' headers is judged before any array data is read.
  CheckpointReader reader(path);
  for (const EntryHeader& entry : reader.entries())
    if (!starts_with(entry.name, kModel) && !starts_with(entry.name, kOptimizer) &&
        !(scheduler && starts_with(entry.name, kScheduler)))
      reader.fail("unexpected entry '" + entry.name + "'");
  reader.expect(kModel, model.state_dict(), "parameter", "the model", model.buffer_names());
  if (scheduler) reader.expect(kScheduler, scheduler->state_dict(), "scheduler entry", "the scheduler");
  StateDict stand_ins = optimizer_stand_ins(reader, optimizer);

  // From here on the parts change; whatever fails, all three are put back.
  StateDict saved_model = model.state_dict();
  for (auto& entry : saved_model) entry.second = entry.second.clone();
  StateDict saved_optimizer = optimizer.state_dict();
  StateDict saved_scheduler = scheduler ? scheduler->state_dict() : StateDict();
  auto restore = [&] {
    optimizer.load_state_dict(saved_optimizer);
    model.load_state_dict(saved_model);
    if (scheduler) scheduler->load_state_dict(saved_scheduler);
  };
  try {
    optimizer.load_state_dict(stand_ins);  // names and shapes only; the real values follow
    StateDict model_state, optimizer_state, scheduler_state;
    for (auto& [name, tensor] : reader.read_all()) {
      if (starts_with(name, kModel)) model_state.emplace_back(name.substr(6), tensor);
      else if (starts_with(name, kOptimizer)) optimizer_state.emplace_back(name.substr(10), tensor);
      else scheduler_state.emplace_back(name.substr(10), tensor);
    }
    optimizer.load_state_dict(optimizer_state);
    model.load_state_dict(model_state);
    if (scheduler) scheduler->load_state_dict(scheduler_state);
  } catch (const std::invalid_argument& error) {
    restore();
    reader.fail(error.what());
  } catch (...) {
    restore();
    throw;
  }
}

}  // namespace optim
}  // namespace xgrad
