// A program's own mappings: page tables made from its RAM capability (sys::kSlotRam) and
// installed in the heap slot of its root table (the one slot of the root that is the
// user's), then frames mapped page by page at the next free addresses of that slot.
#pragma once

#include <mosaic/caps/invocation.hpp>

namespace mosaic::user {

class Vspace {
  public:
    static constexpr u32 kMaxPages = 512; // one last-level table: 2 MiB of mappings

    // Builds the tables down to the last level from `ram_bytes` of RAM at sys::kSlotRam,
    // using capability slots from `first_slot` on.
    Status init(u64 ram_bytes, u32 first_slot);
    // A fresh Frame of `bytes` (a power of two of pages) retyped from the RAM, in a new slot.
    Result<caps::CPtr> alloc_frame(u64 bytes);
    // Maps `bytes` of the frame at `frame` from `offset` on, read/write; returns the address.
    Result<u64> map(caps::CPtr frame, u64 offset, u64 bytes);
    caps::CPtr fresh_slot() { return caps::CPtr::at(next_slot_++); }

  private:
    Error invoke(const u64* w, usize n);
    u64 base_ = 0;        // the heap's first address
    u32 pages_ = 0;       // pages mapped so far
    caps::CPtr leaf_;     // the last-level table
    u64 ram_used_ = 0, ram_size_ = 0;
    u32 next_slot_ = 0;
    bool ready_ = false;
};

} // namespace mosaic::user
