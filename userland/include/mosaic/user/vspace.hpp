// A program's own mappings: page tables made from its RAM capability (sys::kSlotRam) and
// installed in the heap slot of its root table (the one slot of the root that is the
// user's), then frames mapped page by page at the next free addresses of that slot: the
// first last-level table's 2 MiB, then (made when a mapping no longer fits) further
// last-level tables after the scratch ones, up to kMaxLeaves; a mapping never spans two.
#pragma once

#include <mosaic/caps/invocation.hpp>

namespace mosaic::user {

class Vspace {
  public:
    static constexpr u32 kLeafPages = 512; // one last-level table: 2 MiB of mappings
    static constexpr u32 kMaxLeaves = 16;  // 32 MiB of mappings at most
    static constexpr u32 kMaxScratch = 2;  // last-level tables for temporary mappings

    // Builds the tables down to the last level from `ram_bytes` of RAM at `ram` (by default
    // sys::kSlotRam), using capability slots from `first_slot` on; with `scratch` more
    // last-level tables after the first, for map_scratch.
    Status init(u64 ram_bytes, u32 first_slot, caps::CPtr ram = caps::CPtr::at(sys::kSlotRam), u32 scratch = 0);
    // Maps `pages` pages of the frame at `frame` from `offset` on with `rights` at page
    // `first` of scratch table `table` (0 .. scratch - 1); returns the address. They are
    // unmapped by deleting `frame` (which should be a copy made for this): the CPU driver
    // clears every entry made from a capability that goes.
    Result<u64> map_scratch(u32 table, u32 first, caps::CPtr frame, u64 offset, u32 pages, u64 rights);
    // A fresh Frame of `bytes` (a power of two of pages) retyped from the RAM, in a new slot.
    Result<caps::CPtr> alloc_frame(u64 bytes);
    // Maps `bytes` (at most 2 MiB) of the frame at `frame` from `offset` on, read/write, at
    // addresses no mapping used; returns the first. CapacityExceeded beyond kMaxLeaves
    // tables, NoMemory without RAM for another table.
    Result<u64> map(caps::CPtr frame, u64 offset, u64 bytes);
    caps::CPtr fresh_slot() { return caps::CPtr::at(next_slot_++); }

  private:
    Result<caps::CPtr> table(int level, caps::CPtr in, u64 index);

    u64 base_ = 0;        // the heap's first address
    u32 pages_ = 0;       // pages mapped so far in the newest leaf
    caps::CPtr leaves_[kMaxLeaves];
    u32 leaf_count_ = 0;
    caps::CPtr above_;    // the table the leaves are entries of, and the first leaf's index there
    u64 above_index_ = 0;
    caps::CPtr scratch_[kMaxScratch];
    u32 scratch_count_ = 0;
    caps::CPtr ram_;
    u64 ram_used_ = 0, ram_size_ = 0;
    u32 next_slot_ = 0;
    bool ready_ = false;
};

} // namespace mosaic::user
