// The backward engine: collects the graph reachable from the roots with an explicit stack, counts how many
// consumers feed each node, then runs nodes whose consumers are all done (no recursion anywhere).
#include "engine.hpp"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <thread>

#include "anomaly.hpp"
#include "node.hpp"
#include "ops_internal.hpp"

namespace xgrad {

// ---------------------------------------------------------------- nodes

namespace {
thread_local uint64_t next_sequence_number = 0;
}

Node::Node(const char* name_in) : name(name_in), sequence_number(next_sequence_number++) {}
Node::~Node() = default;

namespace {
// The critical sections are a few instructions, so a spin lock on a flag is enough.
class SpinLock {
 public:
  explicit SpinLock(std::atomic<bool>& flag) : flag_(flag) {
    while (flag_.exchange(true, std::memory_order_acquire))
      while (flag_.load(std::memory_order_relaxed)) std::this_thread::yield();
  }
  ~SpinLock() { flag_.store(false, std::memory_order_release); }
  SpinLock(const SpinLock&) = delete;
  SpinLock& operator=(const SpinLock&) = delete;

 private:
  std::atomic<bool>& flag_;
};
}  // namespace

AccumulateGrad::AccumulateGrad(TensorImpl* leaf_in) : Node("AccumulateGrad"), leaf_shape(leaf_in->shape), leaf_(leaf_in) {
  accumulator = true;
  output_numel = leaf_in->numel;
  output_rank = leaf_in->shape.size();
  output_dtype = leaf_in->dtype;
}

void AccumulateGrad::detach_leaf() {
  SpinLock lock(leaf_lock_);
  leaf_ = nullptr;
}

void AccumulateGrad::apply(const Tensor& grad, Grads&) {
  Ref<TensorImpl> leaf;
  {
    // A leaf whose count reached zero is being destroyed (maybe on another thread): drop the gradient.
    SpinLock lock(leaf_lock_);
    if (leaf_ && try_retain(leaf_)) leaf = Ref<TensorImpl>::adopt(leaf_);
  }
  if (!leaf) return;
  checked_grad(*leaf, "backward");  // the user may have assigned a gradient of another shape
  accumulate_into(leaf->grad, grad, GradMode::is_enabled());
}

static bool sole_owner(const Tensor& tensor) {
  TensorImpl* impl = tensor.impl();
  return impl->is_contiguous() && impl->ref_count.load(std::memory_order_relaxed) == 1 &&
         impl->storage->ref_count.load(std::memory_order_relaxed) == 1 && !impl->grad_fn;
}

void accumulate_into(Tensor& slot, const Tensor& incoming, bool create_graph) {
  if (!slot.defined()) {
    // Steal a buffer nobody else holds; otherwise keep a private copy (or the graph, with create_graph).
    // Stored gradients are contiguous, so optimizers may run flat loops over them.
    if (create_graph) slot = incoming.contiguous();
    else slot = sole_owner(incoming) ? incoming : incoming.detach().clone();
  } else if (create_graph || slot.requires_grad()) {
    slot = add(slot, incoming);
  } else {
    add_inplace_raw(slot, incoming);  // keeps the user's grad handle valid
  }
}

Ref<Node> gradient_edge(const Tensor& tensor) {
  TensorImpl* impl = tensor.impl();
  if (!impl) return {};
  if (impl->view_base()) refresh_view(*impl);
  if (!impl->requires_grad) return {};
  if (impl->grad_fn) return impl->grad_fn;
  Node* accumulator = impl->grad_accumulator.load(std::memory_order_acquire);
  if (!accumulator) {
    Node* made = new AccumulateGrad(impl);
    retain(made);  // the leaf's reference
    // Two threads may make one at once: the first to install it wins, the other drops its own.
    if (impl->grad_accumulator.compare_exchange_strong(accumulator, made, std::memory_order_acq_rel)) accumulator = made;
    else release(made);
  }
  return Ref<Node>(accumulator);
}

bool any_requires_grad(std::initializer_list<const Tensor*> inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor* input : inputs)
    if (input->requires_grad()) return true;
  return false;
}

static void add_edge(Node* node, const Tensor& input, const Shape& output_shape) {
  Edge edge;
  edge.node = gradient_edge(input);
  const Shape& input_shape = input.impl()->shape;
  if (edge.node && input_shape != output_shape) edge.reduce_to = std::make_unique<Shape>(input_shape);
  node->edges.push_back(std::move(edge));
}

static void link_output(Tensor& output, Node* node) {
  TensorImpl* impl = output.impl();
  node->output_numel = impl->numel;
  node->output_rank = impl->shape.size();
  node->output_dtype = impl->dtype;
  impl->grad_fn = Ref<Node>(node);
  impl->requires_grad = true;
  if (anomaly_mode_enabled()) check_forward_anomaly(node->name, output);
}

void attach(Tensor& output, Node* node, std::initializer_list<const Tensor*> inputs) {
  for (const Tensor* input : inputs) add_edge(node, *input, output.shape());
  link_output(output, node);
}
void attach(Tensor& output, Node* node, const std::vector<Tensor>& inputs) {
  for (const Tensor& input : inputs) add_edge(node, input, output.shape());
  link_output(output, node);
}

// ---------------------------------------------------------------- saved tensors

SavedTensor::SavedTensor(const Tensor& tensor, bool is_output)
    : tensor_(is_output ? tensor.detach() : tensor),
      storage_(tensor.impl()->storage),
      version_(tensor.impl()->storage->version.load(std::memory_order_relaxed)),
      is_output_(is_output) {}

Tensor SavedTensor::unpack(Node* node) const {
  if (!tensor_.defined()) return tensor_;
  uint32_t now = tensor_.impl()->storage->version.load(std::memory_order_relaxed);
  if (tensor_.impl()->storage.get() != storage_.get())
    throw std::logic_error(std::string("one of the tensors needed for gradient computation by ") + node->name +
                           " has been modified by an inplace operation: its shape is " +
                           shape_string(tensor_.shape()) + "; use an out-of-place op or clone() it first");
  if (now != version_)
    throw std::logic_error(std::string("one of the tensors needed for gradient computation by ") + node->name +
                           " has been modified by an inplace operation: its shape is " +
                           shape_string(tensor_.shape()) + ", saved at version " + std::to_string(version_) +
                           ", now at version " + std::to_string(now));
  if (!is_output_ || !GradMode::is_enabled()) return tensor_;
  // Double backward: the output must carry its history again, which is this node.
  Tensor output = make_alias(tensor_, tensor_.shape());
  output.impl()->grad_fn = Ref<Node>(node);
  output.impl()->requires_grad = true;
  return output;
}

// ---------------------------------------------------------------- engine

namespace {
thread_local uint64_t visit_generation = 0;

struct ScratchCleaner {
  std::vector<Node*>& nodes;
  ~ScratchCleaner() {
    for (Node* node : nodes) {
      node->grad_buffer = Tensor();
      node->capture_slot = -1;
      node->needed = true;
    }
  }
};

void add_to_buffer(Tensor& buffer, Tensor gradient, bool create_graph) {
  if (!buffer.defined()) {
    buffer = std::move(gradient);
  } else if (!create_graph && sole_owner(buffer)) {
    add_inplace_raw(buffer, gradient);
  } else {
    buffer = add(buffer, gradient);
  }
}

// One run's state for an accumulator. Accumulators are shared by every graph built on their leaf, on any
// thread, so this lives in the run's own table instead of on the node.
struct Sink {
  Node* node;
  Tensor buffer;
  int32_t capture_slot = -1;
};

// A few leaves per graph is the rule (a linear scan); an index takes over for graphs with many.
class SinkTable {
 public:
  Sink* find(Node* node) {
    if (!index_.empty()) {
      auto found = index_.find(node);
      return found == index_.end() ? nullptr : &sinks_[found->second];
    }
    for (Sink& sink : sinks_)
      if (sink.node == node) return &sink;
    return nullptr;
  }
  Sink& find_or_add(Node* node) {
    if (Sink* sink = find(node)) return *sink;
    sinks_.push_back(Sink{node, Tensor(), -1});
    if (!index_.empty() || sinks_.size() > 32)
      for (size_t i = index_.size(); i < sinks_.size(); ++i) index_.emplace(sinks_[i].node, i);
    return sinks_.back();
  }
  std::vector<Sink>& all() { return sinks_; }
  void clear() {
    sinks_.clear();
    if (!index_.empty()) index_.clear();  // clearing an empty map still wipes its buckets
  }

 private:
  std::vector<Sink> sinks_;
  std::unordered_map<Node*, size_t> index_;
};

void check_gradient(const Node& producer, size_t input, const Tensor& gradient, const Node& consumer) {
  const TensorImpl& g = *gradient.impl();
  bool matches = consumer.is_accumulator()
                     ? g.shape == static_cast<const AccumulateGrad&>(consumer).leaf_shape
                     : g.numel == consumer.output_numel && g.shape.size() == consumer.output_rank;
  if (!matches || g.dtype != consumer.output_dtype)
    throw std::logic_error(std::string("backward of ") + producer.name + " returned a gradient of shape " +
                           shape_string(gradient.shape()) + " (" + dtype_name(gradient.dtype()) + ") for input " +
                           std::to_string(input) + ", which does not match the input (" +
                           std::to_string(consumer.output_numel) + " elements, " +
                           dtype_name(consumer.output_dtype) + ")");
}
}  // namespace

std::vector<Tensor> run_backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& root_grads,
                                 bool retain_graph, bool create_graph, const std::vector<Tensor>* inputs,
                                 bool allow_unused) {
  if (roots.size() != root_grads.size() && !root_grads.empty())
    throw Error("backward: got " + std::to_string(roots.size()) + " outputs but " +
                                std::to_string(root_grads.size()) + " gradients");
  EnableGradGuard grad_mode(create_graph);

  // Seed gradients.
  std::vector<Ref<Node>> root_nodes;
  std::vector<Tensor> seeds;
  for (size_t i = 0; i < roots.size(); ++i) {
    const Tensor& root = roots[i];
    if (!root.defined()) throw Error("backward: output " + std::to_string(i) + " is undefined");
    Ref<Node> node = gradient_edge(root);
    if (!node)
      throw std::logic_error("backward: element " + std::to_string(i) +
                             " of tensors does not require grad and does not have a grad_fn");
    Tensor seed = root_grads.empty() ? Tensor() : root_grads[i];
    if (!seed.defined()) {
      if (root.numel() != 1)
        throw std::logic_error("backward: grad can be implicitly created only for scalar outputs, but the output has shape " +
                               shape_string(root.shape()) + "; pass a gradient");
      seed = ones_like(root);
    } else if (seed.shape() != root.shape() || seed.dtype() != root.dtype()) {
      throw Error("backward: gradient of shape " + shape_string(seed.shape()) + " (" +
                                  dtype_name(seed.dtype()) + ") does not match output of shape " +
                                  shape_string(root.shape()) + " (" + dtype_name(root.dtype()) + ")");
    }
    root_nodes.push_back(std::move(node));
    seeds.push_back(std::move(seed));
  }

  // Collect reachable nodes and count consumers, with an explicit stack. The work lists are reused
  // across calls (a small training step would otherwise spend its time allocating them).
  struct WorkLists {
    std::vector<Node*> nodes, stack, ready;
    std::vector<Tensor> input_grads;
    SinkTable sinks;
    bool busy = false;
  };
  thread_local WorkLists shared_lists;
  WorkLists own_lists;  // a re-entrant call (a backward inside a backward) gets fresh lists
  WorkLists& lists = shared_lists.busy ? own_lists : shared_lists;
  struct Busy {
    WorkLists& lists;
    explicit Busy(WorkLists& l) : lists(l) { lists.busy = true; }
    ~Busy() {
      lists.busy = false;
      lists.nodes.clear();
      lists.stack.clear();
      lists.ready.clear();
      lists.input_grads.clear();
      lists.sinks.clear();
    }
  } busy(lists);
  uint64_t generation = ++visit_generation;
  std::vector<Node*>& nodes = lists.nodes;
  std::vector<Node*>& stack = lists.stack;
  SinkTable& sinks = lists.sinks;
  // Visits `node` once per run: accumulators go to the sink table, other nodes onto the stack.
  auto discover = [&](Node* node) {
    if (node->is_accumulator()) {
      sinks.find_or_add(node);
      return;
    }
    if (node->visit_mark != generation) {
      node->visit_mark = generation;
      node->dependencies = 0;
      nodes.push_back(node);
      stack.push_back(node);
    }
  };
  for (const Ref<Node>& root : root_nodes) discover(root.get());
  while (!stack.empty()) {
    Node* node = stack.back();
    stack.pop_back();
    for (Edge& edge : node->edges) {
      Node* next = edge.node.get();
      if (!next) continue;
      discover(next);
      if (!next->is_accumulator()) ++next->dependencies;
    }
  }
  ScratchCleaner cleaner{nodes};

  // autograd::grad: capture at the inputs' nodes, run only nodes that lead to one, never touch .grad.
  std::vector<Tensor> results;
  if (inputs) {
    results.resize(inputs->size());
    for (size_t i = 0; i < inputs->size(); ++i) {
      const Tensor& input = (*inputs)[i];
      if (!input.defined() || !input.requires_grad())
        throw Error("grad: input " + std::to_string(i) + " does not require grad");
      int32_t* slot = nullptr;
      if (Node* node = input.impl()->grad_fn.get()) {
        if (node->visit_mark == generation) slot = &node->capture_slot;
      } else {
        Node* accumulator = input.impl()->grad_accumulator.load(std::memory_order_acquire);
        if (Sink* sink = accumulator ? sinks.find(accumulator) : nullptr) slot = &sink->capture_slot;
      }
      if (!slot) {
        if (allow_unused) continue;
        throw Error("grad: input " + std::to_string(i) +
                                    " was not used in the graph of the outputs (pass allow_unused)");
      }
      if (*slot >= 0 && *slot != static_cast<int32_t>(i))
        throw Error("grad: inputs " + std::to_string(*slot) + " and " + std::to_string(i) +
                                    " are the same tensor");
      *slot = static_cast<int32_t>(i);
    }
    // Creation order is topological: inputs' nodes come before their consumers.
    std::vector<Node*> ordered = nodes;
    std::sort(ordered.begin(), ordered.end(),
              [](const Node* a, const Node* b) { return a->sequence_number < b->sequence_number; });
    for (Node* node : ordered) {
      bool needed = node->capture_slot >= 0;
      for (const Edge& edge : node->edges) {
        Node* next = edge.node.get();
        if (next && (next->is_accumulator() ? sinks.find(next)->capture_slot >= 0 : next->needed)) needed = true;
      }
      node->needed = needed;
    }
  }

  std::vector<Node*>& ready = lists.ready;
  for (size_t i = 0; i < root_nodes.size(); ++i) {
    Node* root = root_nodes[i].get();
    add_to_buffer(root->is_accumulator() ? sinks.find(root)->buffer : root->grad_buffer, seeds[i], create_graph);
  }
  for (const Ref<Node>& root : root_nodes)
    if (!root->is_accumulator() && root->dependencies == 0 &&
        std::find(ready.begin(), ready.end(), root.get()) == ready.end())
      ready.push_back(root.get());

  std::vector<Tensor>& input_grads = lists.input_grads;
  while (!ready.empty()) {
    Node* node = ready.back();
    ready.pop_back();
    Tensor grad = std::move(node->grad_buffer);  // leaves the buffer empty

    if (grad.defined()) {
      if (node->capture_slot >= 0) {
        results[node->capture_slot] = create_graph ? grad : grad.detach();
      }
      if (node->retained_output && !inputs) {
        checked_grad(*node->retained_output, "backward");
        accumulate_into(node->retained_output->grad, grad, create_graph);
      }
    }
    bool run = grad.defined() && node->needed;
    if (input_grads.size() < node->edges.size()) input_grads.resize(node->edges.size());
    if (run) {
      if (node->released)
        throw std::logic_error(std::string("backward: trying to backward through the graph a second time (") +
                               node->name +
                               "): its saved tensors were freed by the first backward; pass retain_graph=true "
                               "to the first call if you need to backward twice");
      Grads grads{node, input_grads.data()};
      node->apply(grad, grads);
      if (!retain_graph) {
        node->release_saved();
        node->released = true;
      }
      if (anomaly_mode_enabled()) check_backward_anomaly(node->name, input_grads);
    }
    for (size_t i = 0; i < node->edges.size(); ++i) {
      Edge& edge = node->edges[i];
      Node* next = edge.node.get();
      if (!next) continue;
      Tensor& gradient = input_grads[i];
      if (gradient.defined()) {
        if (edge.reduce_to) gradient = sum_to(gradient, *edge.reduce_to);
        check_gradient(*node, i, gradient, *next);
        add_to_buffer(next->is_accumulator() ? sinks.find(next)->buffer : next->grad_buffer, std::move(gradient),
                      create_graph);
      }
      if (!next->is_accumulator() && --next->dependencies == 0) ready.push_back(next);
    }
    for (size_t i = 0; i < node->edges.size(); ++i) input_grads[i] = Tensor();  // slots start empty for the next node
  }

  // Every other node has run, so each accumulator has its whole gradient.
  for (Sink& sink : sinks.all()) {
    if (!sink.buffer.defined()) continue;
    if (sink.capture_slot >= 0) results[sink.capture_slot] = create_graph ? sink.buffer : sink.buffer.detach();
    if (!inputs) {
      Grads grads{sink.node, nullptr};
      sink.node->apply(sink.buffer, grads);
    }
  }
  return results;
}

}  // namespace xgrad
