// The pool's slow paths: fresh blocks, the large-block cache, and the drain at thread exit.
#include "pool.hpp"

#include <cstdlib>
#include <new>

namespace xgrad {
namespace pool {

thread_local Lists lists;

namespace {
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
    lists.retired = true;
  }
};
thread_local Drain drain;

// Touching `drain` registers its destructor for this thread (a TLS wrapper call): done once, before the
// thread first keeps a block, so kept blocks are always freed at thread exit.
bool can_keep() {
  if (!kEnabled || lists.retired) return false;
  if (!lists.drain_registered) {
    (void)&drain;
    lists.drain_registered = true;
  }
  return true;
}

void* fresh(size_t bytes) {
  void* block = std::malloc(bytes ? bytes : 1);
  if (!block) throw std::bad_alloc();
  return block;
}
}  // namespace

void* allocate_slow(size_t bytes) {
  size_t index = size_class(bytes);
  if (index < kClasses) return fresh(index * kGranule);  // round up so the block fits its class
  // Large blocks (activations, gradients) are reused by exact size: a training step asks for the same
  // sizes every time, and returning them to the system made each step fault in fresh zeroed pages.
  if (kEnabled && !lists.retired)
    for (size_t i = 0; i < lists.large_count; ++i)
      if (lists.large[i].bytes == bytes) {
        void* block = lists.large[i].block;
        lists.large_bytes -= bytes;
        lists.large[i] = lists.large[--lists.large_count];
        return block;
      }
  return fresh(bytes);
}

void free_slow(void* block, size_t bytes) {
  size_t index = size_class(bytes);
  if (index < kClasses) {
    if (can_keep() && lists.count[index] < kKeepPerClass) {
      FreeBlock* node = static_cast<FreeBlock*>(block);
      node->next = lists.head[index];
      lists.head[index] = node;
      ++lists.count[index];
      return;
    }
  } else if (can_keep() && lists.large_count < kLargeSlots && lists.large_bytes + bytes <= kLargeKeepBytes) {
    lists.large[lists.large_count++] = {block, bytes};
    lists.large_bytes += bytes;
    return;
  }
  std::free(block);
}

}  // namespace pool
}  // namespace xgrad
