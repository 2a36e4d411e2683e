// The checks behind every user mapping: the CPU driver writes a page-table entry only after
// decode_map() (a frame into a last-level-capable table) or decode_map_table() (a table into
// its parent level) accepted the request. The entry format itself belongs to arch/.
#pragma once

#include <mosaic/caps/cap_table.hpp>

namespace mosaic::caps {

// Map `bytes` of a frame, starting `offset` bytes into it, at entry `index` of a page table.
struct MapRequest {
    CPtr table;
    u64 index;
    CPtr frame;
    u64 offset;
    u64 rights; // kRead / kWrite / kExecute asked for
};

// A validated mapping: what the arch layer needs to write one entry.
struct Mapping {
    SlotId table = kNoSlot;
    SlotId target = kNoSlot;
    int level = 0;      // level of the table written
    u32 index = 0;      // entry in that table
    u64 table_base = 0; // physical address of the table written
    u64 phys = 0;       // physical address the entry points to
    u64 bytes = 0;      // bytes the entry maps (a page, or a large page at L2/L1)
    u8 rights = 0;
    bool device = false; // device memory: uncached attributes
    bool is_table = false;
};

// Refuses (in this order): a table slot that is not a page table (WrongType) or lacks Write
// (PermissionDenied); L0, which maps no memory directly (WrongType); an entry index beyond the
// table (OutOfRange); a target that is a kernel object such as a page table, CNode or
// dispatcher (PermissionDenied) or anything else that is not a frame (WrongType); rights
// that are empty or not only read/write/execute (InvalidArgument) or beyond the frame's
// (PermissionDenied); memory of another node (PermissionDenied); an offset or physical
// address not aligned to the entry size (Misaligned) or past the frame (OutOfRange).
// The frame and table are looked up in the caller's own capability space, so memory the
// caller holds no capability for cannot even be named.
Result<Mapping> decode_map(const CapTable& t, u16 root, const MapRequest& r);

// Installs the table `child` (level n + 1) at entry `index` of `table` (level n); both need
// Write. Refuses a child of the wrong level or not a page table (WrongType).
Result<Mapping> decode_map_table(const CapTable& t, u16 root, CPtr table, u64 index, CPtr child);

} // namespace mosaic::caps
