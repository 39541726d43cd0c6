// Private: a per-thread free list for the small blocks every op allocates (tensor bodies, nodes, small
// storages). malloc's own cache holds only a few blocks per size, so deep graphs paid ~40% of their time
// in malloc/free; this keeps freed blocks for reuse. Large blocks are kept by exact size (bounded), so a
// training step reuses last step's buffers instead of faulting in fresh pages. Blocks may be freed on any
// thread (they come from malloc and go back to the freeing thread's lists). Sanitizer builds bypass it so
// ASan sees every block. The fast paths are inline: for fixed-size objects the size class is a constant.
#pragma once
#include <cstddef>

namespace xgrad {
namespace pool {

constexpr size_t kGranule = 16;
constexpr size_t kClasses = 64;            // blocks below 1 KiB
constexpr size_t kKeepPerClass = 1 << 16;  // bounds what an idle thread holds
constexpr size_t kLargeSlots = 64;
constexpr size_t kLargeKeepBytes = size_t(512) << 20;
#if defined(XGRAD_NO_POOL)
constexpr bool kEnabled = false;
#else
constexpr bool kEnabled = true;
#endif

struct FreeBlock {
  FreeBlock* next;
};
struct LargeBlock {
  void* block;
  size_t bytes;
};
// Trivially destructible, so it stays usable while other thread_locals and statics are destroyed.
struct Lists {
  FreeBlock* head[kClasses];
  size_t count[kClasses];
  LargeBlock large[kLargeSlots];
  size_t large_count;
  size_t large_bytes;
  bool retired;           // this thread's lists were drained at thread exit: use malloc/free directly
  bool drain_registered;  // the thread-exit drain is registered
};
extern thread_local Lists lists;

void* allocate_slow(size_t bytes);
void free_slow(void* block, size_t bytes);

inline size_t size_class(size_t bytes) { return (bytes + kGranule - 1) / kGranule; }

}  // namespace pool

inline void* pool_allocate(size_t bytes) {
  size_t index = pool::size_class(bytes);
  if (pool::kEnabled && index < pool::kClasses) {
    pool::Lists& lists = pool::lists;
    if (pool::FreeBlock* block = lists.head[index]) {
      lists.head[index] = block->next;
      --lists.count[index];
      return block;
    }
  }
  return pool::allocate_slow(bytes);
}

inline void pool_free(void* block, size_t bytes) {
  size_t index = pool::size_class(bytes);
  if (pool::kEnabled && index < pool::kClasses) {
    pool::Lists& lists = pool::lists;
    if (lists.drain_registered && !lists.retired && lists.count[index] < pool::kKeepPerClass) {
      pool::FreeBlock* node = static_cast<pool::FreeBlock*>(block);
      node->next = lists.head[index];
      lists.head[index] = node;
      ++lists.count[index];
      return;
    }
  }
  pool::free_slow(block, bytes);
}

}  // namespace xgrad
