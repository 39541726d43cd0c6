// Private: a graph node records one op: its input edges and how to map the output gradient to input gradients.
// Nodes own their inputs' nodes (edges point from outputs to inputs) and never their own output.
#pragma once

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "tensor_impl.hpp"

namespace xgrad {

struct Node;

struct Edge {
  Ref<Node> node;                    // null when the input does not require grad
  std::unique_ptr<Shape> reduce_to;  // the input's shape, only when broadcasting made the output larger
};

// What a backward function receives: the output gradient, slots for the input gradients, and its node.
struct Grads {
  Node* node;
  Tensor* slots;
  bool needs(size_t input) const;
  void set(size_t input, Tensor gradient) { slots[input] = std::move(gradient); }
};

// Up to two edges inline (nearly every op); more spill to the heap.
class Edges {
 public:
  size_t size() const { return spill_.empty() ? count_ : spill_.size(); }
  Edge* begin() { return spill_.empty() ? inline_ : spill_.data(); }
  Edge* end() { return begin() + size(); }
  const Edge* begin() const { return spill_.empty() ? inline_ : spill_.data(); }
  const Edge* end() const { return begin() + size(); }
  Edge& operator[](size_t i) { return begin()[i]; }
  const Edge& operator[](size_t i) const { return begin()[i]; }
  void push_back(Edge edge) {
    if (spill_.empty() && count_ < 2) {
      inline_[count_++] = std::move(edge);
      return;
    }
    if (spill_.empty())
      for (size_t i = 0; i < count_; ++i) spill_.push_back(std::move(inline_[i]));
    spill_.push_back(std::move(edge));
  }

 private:
  Edge inline_[2];
  size_t count_ = 0;
  std::vector<Edge> spill_;
};

struct Node : RefCounted {
  Node(const char* name_in);
  ~Node() override;
  virtual void apply(const Tensor& grad, Grads& grads) = 0;
  virtual void release_saved() {}
  bool is_accumulator() const { return accumulator; }

  const char* name;
  bool accumulator = false;  // an AccumulateGrad: shared by every graph on its leaf, so it keeps no engine scratch
  uint64_t sequence_number;  // creation order is a topological order
  Edges edges;
  TensorImpl* retained_output = nullptr;  // not owned: set by retain_grad(), cleared by the tensor's destructor
  bool released = false;
  // What the gradient flowing into this node must look like (checked by the engine). Only the element
  // count and rank are kept, so recording an op copies no shape; leaves are checked exactly.
  int64_t output_numel = 0;
  size_t output_rank = 0;
  Dtype output_dtype = kFloat32;

  // Engine scratch, valid during one backward pass (never used on accumulators).
  uint64_t visit_mark = 0;
  int32_t dependencies = 0;
  bool needed = true;
  int32_t capture_slot = -1;
  Tensor grad_buffer;
};
inline bool Grads::needs(size_t input) const { return static_cast<bool>(node->edges[input].node); }

// The sink for a leaf that requires grad: adds incoming gradients into leaf.grad. Owned by its leaf
// (see TensorImpl::grad_accumulator) and by the graphs that use it; it outlives the leaf when a graph
// still holds it, and then drops what it receives (nobody can read that leaf's grad any more).
struct AccumulateGrad final : Node {
  explicit AccumulateGrad(TensorImpl* leaf_in);
  void apply(const Tensor& grad, Grads& grads) override;
  void detach_leaf();  // the leaf's destructor calls this
  const Shape leaf_shape;

 private:
  TensorImpl* leaf_;                   // not owned; null once the leaf is gone
  std::atomic<bool> leaf_lock_{false};  // guards leaf_ against the leaf dying on another thread
};

// Accumulates `incoming` into a stored gradient slot with PyTorch's rules: steal a buffer nobody else
// holds, add in place when not building a graph, out of place when create_graph is on.
void accumulate_into(Tensor& slot, const Tensor& incoming, bool create_graph);

template <class F>
struct FunctionNode final : Node {
  FunctionNode(const char* name_in, F&& function_in) : Node(name_in), function(std::move(function_in)) {}
  void apply(const Tensor& grad, Grads& grads) override { (*function)(grad, grads); }
  void release_saved() override { function.reset(); }
  std::optional<F> function;  // holds the saved tensors; reset frees them after backward
};

// The node that carries gradient into `tensor`: its grad_fn, a leaf's accumulator, or null.
Ref<Node> gradient_edge(const Tensor& tensor);

bool any_requires_grad(std::initializer_list<const Tensor*> inputs);
void attach(Tensor& output, Node* node, std::initializer_list<const Tensor*> inputs);
void attach(Tensor& output, Node* node, const std::vector<Tensor>& inputs);

// Records `backward` as the history of `output` when grad mode is on and an input requires grad.
// backward(const Tensor& grad, Grads& grads) sets grads for the inputs it needs, in input order.
template <class F>
void record(Tensor& output, const char* name, std::initializer_list<const Tensor*> inputs, F&& backward) {
  if (!any_requires_grad(inputs)) return;
  attach(output, new FunctionNode<std::decay_t<F>>(name, std::forward<F>(backward)), inputs);
}
template <class F>
void record(Tensor& output, const char* name, const std::vector<Tensor>& inputs, F&& backward) {
  bool any = false;
  for (const Tensor& input : inputs) any = any || input.requires_grad();
  if (!any || !GradMode::is_enabled()) return;
  attach(output, new FunctionNode<std::decay_t<F>>(name, std::forward<F>(backward)), inputs);
}

// A tensor saved for backward, with the version it had. Unpacking after an in-place change throws.
class SavedTensor {
 public:
  SavedTensor() = default;
  SavedTensor(const Tensor& tensor, bool is_output);
  // is_output: the saved value is the node's own output. It is kept without its grad_fn (no cycle) and
  // re-linked to `node` when unpacked, so double backward sees its dependence on the inputs.
  Tensor unpack(Node* node) const;

 private:
  Tensor tensor_;
  Ref<Storage> storage_;  // what the tensor held when saved: an in-place op on a non-leaf swaps it
  uint32_t version_ = 0;
  bool is_output_ = false;
};

}  // namespace xgrad
