// Private: reference counting, storage and the tensor body behind the public handle.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <cstdint>
#include <memory>
#include <vector>
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
  // Memory the caller owns (from_blob): `deleter` (may be empty) runs on it when the storage dies.
  static Storage* borrow(void* data, size_t bytes, std::function<void(void*)> deleter);
  void destroy() override;
  // One addition for both kinds, so kernels never branch: the data follows the header, or (borrowed)
  // lies anywhere, at a distance from the header.
  void* data() { return reinterpret_cast<char*>(this) + offset; }
  size_t bytes = 0;
  std::atomic<uint32_t> version{0};
  std::atomic<int32_t> views{0};  // tensor bodies using this storage (saved-tensor references not counted)
  std::ptrdiff_t offset = 0;
  std::function<void(void*)>* deleter = nullptr;  // borrowed memory only (owned)
  bool borrowed = false;
  static constexpr size_t kAlignment = 64;
  static size_t block_size(size_t bytes) { return sizeof(Storage) + kAlignment - 1 + bytes; }
};

struct Node;
inline size_t dtype_size(Dtype dtype) {
  switch (dtype) {
    case Dtype::Float64:
    case Dtype::Int64: return 8;
    case Dtype::Bool: return 1;
    default: return 4;
  }
}

struct TensorImpl final : RefCounted {
  TensorImpl(Shape shape_in, Dtype dtype_in);                   // fresh uninitialized storage
  TensorImpl(Ref<Storage> storage_in, Shape shape_in, Dtype dtype_in);  // alias
  ~TensorImpl() override;
  void set_storage(Ref<Storage> replacement);  // keeps the storages' view counts right

  Ref<Storage> storage;
  Shape shape;
  int64_t offset = 0;  // where element 0 sits in the storage (views of a row, a slice)
  int64_t numel = 0;
  Dtype dtype = kFloat32;
  bool requires_grad = false;
  bool retains_grad = false;
  // A base's history count goes up when an in-place op gives it a new grad_fn; a view remembers the count
  // its own grad_fn was made at, and rebuilds it from the base's when they differ (refresh_view).
  uint32_t history = 0;
  Ref<Node> grad_fn;
  Tensor grad;
  // Owned, made on first use (gradient_edge). The leaf keeps its accumulator for life, which points back
  // without owning (it is told when the leaf dies), so graphs on a leaf need no allocation and threads may
  // take it without a lock: whoever holds the leaf holds it alive.
  std::atomic<Node*> grad_accumulator{nullptr};

  // Only views and strided aliases have a layout: the rest (nearly every tensor) stay small, and a single
  // test tells kernels they may run flat loops.
  struct Layout {
    Shape strides;               // element strides; empty when row-major
    Ref<TensorImpl> base;        // for views (made by a view op): the tensor whose storage they show
    uint32_t base_history = 0;   // the base's history count this view's grad_fn was made at
  };
  std::unique_ptr<Layout> layout;

  bool is_contiguous() const { return !layout || layout->strides.empty(); }
  const Shape& explicit_strides() const;  // empty when row-major
  TensorImpl* view_base() const { return layout ? layout->base.get() : nullptr; }
  Layout& layout_for() {
    if (!layout) layout = std::make_unique<Layout>();
    return *layout;
  }
  void* raw() const { return static_cast<char*>(storage->data()) + offset * static_cast<int64_t>(dtype_size(dtype)); }
  template <class T> T* data() const { return static_cast<T*>(storage->data()) + offset; }
};

inline const Shape kRowMajor{};
inline const Shape& TensorImpl::explicit_strides() const { return layout ? layout->strides : kRowMajor; }

inline TensorImpl* impl_of(const Tensor& tensor) { return tensor.impl(); }
int64_t checked_numel(const Shape& shape, const char* op);

// Row-major strides of `shape`.
Shape contiguous_strides(const Shape& shape);
// The strides of `impl`, explicit or row-major.
inline Shape strides_of(const TensorImpl& impl) {
  return impl.is_contiguous() ? contiguous_strides(impl.shape) : impl.layout->strides;
}

// The one way to walk a strided layout: calls visit(a, b) for every element in row-major order of `shape`,
// with its offsets in two stride systems (a source and a target, say). The innermost dimension runs as a
// plain loop.
template <class Visit>
void for_each_element(const Shape& shape, const Shape& strides_a, const Shape& strides_b, Visit visit) {
  const size_t rank = shape.size();
  for (int64_t extent : shape)
    if (extent == 0) return;
  if (rank == 0) return visit(int64_t(0), int64_t(0));
  const int64_t inner = shape[rank - 1], step_a = strides_a[rank - 1], step_b = strides_b[rank - 1];
  std::vector<int64_t> index(rank, 0);
  int64_t a = 0, b = 0;
  while (true) {
    for (int64_t i = 0; i < inner; ++i) visit(a + i * step_a, b + i * step_b);
    size_t d = rank - 1;  // advance the outer dimensions like an odometer
    while (d-- > 0) {
      a += strides_a[d];
      b += strides_b[d];
      if (++index[d] < shape[d]) break;
      a -= strides_a[d] * shape[d];
      b -= strides_b[d] * shape[d];
      index[d] = 0;
    }
    if (d == static_cast<size_t>(-1)) return;
  }
}

// A new tensor with fresh storage.
Tensor make_tensor(Shape shape, Dtype dtype);
// A tensor sharing `source`'s storage under another shape (same element count), without history.
// `source` must be contiguous.
Tensor make_alias(const Tensor& source, Shape shape);
// A view of `source`'s storage with the given geometry (strides and offset in elements, offset absolute
// in the storage), without history; its view_base is source's base, or source itself.
Tensor make_view(const Tensor& source, Shape shape, Shape strides, int64_t offset);
// `x` itself when contiguous, else a contiguous copy kept in `holder` (no history: for kernels only).
const Tensor& dense_copy(const Tensor& x, Tensor& holder);
inline const Tensor& dense(const Tensor& x, Tensor& holder) {
  return x.impl()->is_contiguous() ? x : dense_copy(x, holder);
}
// Brings a view's grad_fn up to date after its base's history changed (see TensorImpl::history).
void refresh_view(TensorImpl& view);

int64_t normalize_dim(int64_t dim, int64_t rank, const char* op);

// Type dispatch. XG_DISPATCH runs the body with T bound to float or double and throws for other dtypes
// (kernels that only make sense for floating point); XG_DISPATCH_ALL also covers int64_t, int32_t and bool.
[[noreturn]] void unsupported_dtype(Dtype dtype);
#define XG_DISPATCH(DTYPE, ...)                     \
  do {                                              \
    const ::xgrad::Dtype xg_dtype_ = (DTYPE);       \
    if (xg_dtype_ == ::xgrad::kFloat64) {           \
      using T = double;                             \
      __VA_ARGS__;                                  \
    } else if (xg_dtype_ == ::xgrad::kFloat32) {    \
      using T = float;                              \
      __VA_ARGS__;                                  \
    } else {                                        \
      ::xgrad::unsupported_dtype(xg_dtype_);        \
    }                                               \
  } while (0)
// The floating cases stay inline; the integer and bool ones run in a cold out-of-line lambda, so the
// hot path of every op keeps the code size (and instruction-cache footprint) of a float-only build.
// The body must not `return` (it may run inside that lambda).
#define XG_DISPATCH_ALL(DTYPE, ...)                                  \
  do {                                                               \
    const ::xgrad::Dtype xg_dtype_ = (DTYPE);                        \
    if (xg_dtype_ == ::xgrad::kFloat32) {                            \
      using T = float;                                               \
      __VA_ARGS__;                                                   \
    } else if (xg_dtype_ == ::xgrad::kFloat64) {                     \
      using T = double;                                              \
      __VA_ARGS__;                                                   \
    } else {                                                         \
      [&]() __attribute__((noinline, cold)) {                        \
        if (xg_dtype_ == ::xgrad::kInt64) {                          \
          using T = int64_t;                                         \
          __VA_ARGS__;                                               \
        } else if (xg_dtype_ == ::xgrad::kInt32) {                   \
          using T = int32_t;                                         \
          __VA_ARGS__;                                               \
        } else {                                                     \
          using T = bool;                                            \
          __VA_ARGS__;                                               \
        }                                                            \
      }();                                                           \
    }                                                                \
  } while (0)

}  // namespace xgrad
