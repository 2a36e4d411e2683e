// A tiny hardware-neutral RAM allocator for the user-level memory server: it splits one RAM
// capability into naturally aligned power-of-two RAM chunks by retype, first fit, each chunk
// in its own slot of a slot range the server owns. It talks to the kernel only through
// invocation words, so the same code runs over a system call or, on the host, over execute().
#pragma once

#include <mosaic/caps/invocation.hpp>

namespace mosaic::caps {

// Sends invocation words and returns the reply (a system call in user space).
using InvokeFn = Result<Reply> (*)(void* ctx, const u64* words, usize n);

inline constexpr u32 kRamAllocChunks = kCNodeSlots;

class RamAllocator {
  public:
    // `source`: the RAM capability to split; chunks go into slots first..first+count-1 of
    // the CNode that `first` addresses (count <= kRamAllocChunks).
    constexpr RamAllocator(InvokeFn invoke, void* ctx, CPtr source, CPtr first, u32 count)
        : invoke_(invoke), ctx_(ctx), source_(source), first_(first), count_(min(count, kRamAllocChunks)) {}

    // Reads the source capability (must be RAM with Write). Call once before alloc().
    Status init();
    // A RAM chunk of `size` bytes (a power of two of at least a page, else InvalidArgument),
    // aligned to its size. NoMemory when no free range fits, CapacityExceeded when no slot
    // is left; any other kernel refusal is passed on.
    Result<CPtr> alloc(u64 size);
    // Deletes a chunk (NotFound if it was not handed out by this allocator). FIXME: chunks
    // the client retyped further keep their memory busy until it revokes them first.
    Status free(CPtr chunk);
    u64 bytes_free() const;

  private:
    struct Chunk {
        u64 offset = 0;
        u64 size = 0; // 0: slot free
    };
    Result<u64> find_offset(u64 size, u64 from) const;
    Result<u32> free_slot() const;

    InvokeFn invoke_;
    void* ctx_;
    CPtr source_;
    CPtr first_;
    u32 count_;
    u64 base_ = 0;
    u64 size_ = 0;
    Chunk chunks_[kRamAllocChunks];
};

} // namespace mosaic::caps
