// Private: reference counting, storage and the tensor body behind the public handle.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

#include "pool.hpp"
#include "xgrad/tensor.hpp"

namespace xgrad {

// Intrusive reference count. Destruction goes through a per-thread work list, so dropping the last
// handle to a 1,000,000-node graph frees it in a loop instead of a million nested destructor calls.
struct RefCounted {
  std::atomic<int32_t> ref_count{0};
  RefCounted* next_pending = nullptr;  // the deferred-destruction list
  virtual ~RefCounted() = default;
  virtual void destroy() { delete this; }
  static void* operator new(size_t bytes) { return pool_allocate(bytes); }
  static void operator delete(void* block, size_t bytes) { pool_free(block, bytes); }
};
void destroy_deferred(RefCounted* object);
inline void retain(RefCounted* object) { object->ref_count.fetch_add(1, std::memory_order_relaxed); }
// Takes a reference only if the object is still alive (its count has not reached zero): lets a cache of
// non-owning pointers hand out references without resurrecting an object another thread is destroying.
inline bool try_retain(RefCounted* object) {
  int32_t count = object->ref_count.load(std::memory_order_relaxed);
  while (count > 0)
    if (object->ref_count.compare_exchange_weak(count, count + 1, std::memory_order_acq_rel)) return true;
  return false;
}
inline void release(RefCounted* object) {
  if (object->ref_count.fetch_sub(1, std::memory_order_acq_rel) == 1) destroy_deferred(object);
}

// Owning pointer for intrusive objects.
template <class T>
class Ref {
 public:
  Ref() = default;
  explicit Ref(T* pointer) : pointer_(pointer) {
    if (pointer_) retain(pointer_);
  }
  Ref(const Ref& other) : pointer_(other.pointer_) {
    if (pointer_) retain(pointer_);
  }
  Ref(Ref&& other) noexcept : pointer_(other.pointer_) { other.pointer_ = nullptr; }
  // Takes over a reference the caller already holds (e.g. from try_retain).
  static Ref adopt(T* pointer) {
    Ref ref;
    ref.pointer_ = pointer;
    return ref;
  }
  Ref& operator=(Ref other) noexcept {
    std::swap(pointer_, other.pointer_);
    return *this;
  }
  ~Ref() {
    if (pointer_) release(pointer_);
  }
  T* get() const { return pointer_; }
  T* operator->() const { return pointer_; }
  T& operator*() const { return *pointer_; }
  explicit operator bool() const { return pointer_ != nullptr; }
  void reset() { Ref().swap(*this); }
  void swap(Ref& other) noexcept { std::swap(pointer_, other.pointer_); }

 private:
  T* pointer_ = nullptr;
};

// One allocation: this header followed by the data, which starts on a 64-byte boundary. The alignment is
// not only for speed: xtensor computes a misaligned prefix with scalar code and the rest with SIMD code,
// which round differently, so unaligned data would make results depend on where the allocator put it.
// Shared by detach() and reshape aliases; the version counter lives here so every alias sees in-place
// writes (as in PyTorch).
struct Storage final : RefCounted {
  static Storage* allocate(size_t bytes);
  void destroy() override;
  void* data() { return reinterpret_cast<char*>(this) + offset; }
  size_t bytes = 0;
  std::atomic<uint32_t> version{0};
  std::atomic<int32_t> views{0};  // tensor bodies using this storage (saved-tensor references not counted)
  uint32_t offset = 0;
  static constexpr size_t kAlignment = 64;
  static size_t block_size(size_t bytes) { return sizeof(Storage) + kAlignment - 1 + bytes; }
};

struct Node;

struct TensorImpl final : RefCounted {
  TensorImpl(Shape shape_in, Dtype dtype_in);                   // fresh uninitialized storage
  TensorImpl(Ref<Storage> storage_in, Shape shape_in, Dtype dtype_in);  // alias
  ~TensorImpl() override;
  void set_storage(Ref<Storage> replacement);  // keeps the storages' view counts right

  Ref<Storage> storage;
  Shape shape;
  int64_t numel = 0;
  Dtype dtype = kFloat32;
  bool requires_grad = false;
  bool retains_grad = false;
  Ref<Node> grad_fn;
  Tensor grad;
  // Owned, made on first use (gradient_edge). The leaf keeps its accumulator for life, which points back
  // without owning (it is told when the leaf dies), so graphs on a leaf need no allocation and threads may
  // take it without a lock: whoever holds the leaf holds it alive.
  std::atomic<Node*> grad_accumulator{nullptr};

  void* raw() const { return storage->data(); }
  template <class T> T* data() const { return static_cast<T*>(storage->data()); }
};

inline TensorImpl* impl_of(const Tensor& tensor) { return tensor.impl(); }
int64_t checked_numel(const Shape& shape, const char* op);
inline size_t dtype_size(Dtype dtype) { return dtype == kFloat64 ? 8 : 4; }

// A new tensor with fresh storage.
Tensor make_tensor(Shape shape, Dtype dtype);
// A tensor sharing `source`'s storage under another shape (same element count), without history.
Tensor make_alias(const Tensor& source, Shape shape);

int64_t normalize_dim(int64_t dim, int64_t rank, const char* op);

// Type dispatch: runs body with T bound to float or double.
#define XG_DISPATCH(DTYPE, ...)             \
  do {                                      \
    if ((DTYPE) == ::xgrad::kFloat64) {     \
      using T = double;                     \
      __VA_ARGS__;                          \
    } else {                                \
      using T = float;                      \
      __VA_ARGS__;                          \
    }                                       \
  } while (0)

}  // namespace xgrad
