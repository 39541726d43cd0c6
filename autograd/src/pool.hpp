// Private: a per-thread free list for the small blocks every op allocates (tensor bodies, nodes, small
// storages). malloc's own cache holds only a few blocks per size, so deep graphs paid ~40% of their time
// in malloc/free; this keeps freed blocks for reuse. Large blocks are kept by exact size (bounded), so a
// training step reuses last step's buffers instead of faulting in fresh pages. Blocks may be freed on any
// thread (they come from malloc and go back to the freeing thread's lists). Sanitizer builds bypass it so
// ASan sees every block.
#pragma once
#include <cstddef>

namespace xgrad {
void* pool_allocate(size_t bytes);
void pool_free(void* block, size_t bytes);
}  // namespace xgrad
