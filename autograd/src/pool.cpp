#include "pool.hpp"

#include <cstdlib>
#include <new>

namespace xgrad {

namespace {
constexpr size_t kGranule = 16;
constexpr size_t kClasses = 64;            // blocks below 1 KiB
constexpr size_t kKeepPerClass = 1 << 16;  // bounds what an idle thread holds

struct FreeBlock {
  FreeBlock* next;
};

// Large blocks (activations, gradients) are kept by exact size: a training step asks for the same sizes
// every time, and giving them back to the system made each step fault in fresh zeroed pages (~7% of a
// large MLP step). Bounded in count and bytes.
constexpr size_t kLargeSlots = 64;
constexpr size_t kLargeKeepBytes = size_t(512) << 20;
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
  bool retired;
  bool drain_registered;
};
thread_local Lists lists;

struct Drain {
  ~Drain() {
    for (size_t c = 0; c < kClasses; ++c)
      while (lists.head[c]) {
        FreeBlock* block = lists.head[c];
        lists.head[c] = block->next;
        std::free(block);
      }
    for (size_t i = 0; i < lists.large_count; ++i) std::free(lists.large[i].block);
    lists.large_count = 0;
    lists.retired = true;  // later frees on this thread go straight to free()
  }
};
thread_local Drain drain;

// Touching `drain` registers its destructor for this thread (a TLS wrapper call): do it once, when the
// thread first keeps a block.
inline void register_drain() {
  if (!lists.drain_registered) {
    (void)&drain;
    lists.drain_registered = true;
  }
}

#if defined(XGRAD_NO_POOL)
constexpr bool kEnabled = false;
#else
constexpr bool kEnabled = true;
#endif
}  // namespace

void* pool_allocate(size_t bytes) {
  size_t index = (bytes + kGranule - 1) / kGranule;
  if (kEnabled && index < kClasses && !lists.retired) {
    if (FreeBlock* block = lists.head[index]) {
      lists.head[index] = block->next;
      --lists.count[index];
      return block;
    }
    void* fresh = std::malloc(index * kGranule);
    if (!fresh) throw std::bad_alloc();
    return fresh;
  }
  if (kEnabled && !lists.retired) {
    for (size_t i = 0; i < lists.large_count; ++i)
      if (lists.large[i].bytes == bytes) {
        void* block = lists.large[i].block;
        lists.large_bytes -= bytes;
        lists.large[i] = lists.large[--lists.large_count];
        return block;
      }
  }
  void* block = std::malloc(bytes ? bytes : 1);
  if (!block) throw std::bad_alloc();
  return block;
}

void pool_free(void* block, size_t bytes) {
  size_t index = (bytes + kGranule - 1) / kGranule;
  if (kEnabled && index < kClasses && !lists.retired && lists.count[index] < kKeepPerClass) {
    register_drain();
    FreeBlock* node = static_cast<FreeBlock*>(block);
    node->next = lists.head[index];
    lists.head[index] = node;
    ++lists.count[index];
    return;
  }
  if (kEnabled && index >= kClasses && !lists.retired && lists.large_count < kLargeSlots &&
      lists.large_bytes + bytes <= kLargeKeepBytes) {
    register_drain();
    lists.large[lists.large_count++] = {block, bytes};
    lists.large_bytes += bytes;
    return;
  }
  std::free(block);
}

}  // namespace xgrad
