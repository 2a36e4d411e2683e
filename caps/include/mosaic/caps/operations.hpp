// The capability operations, each split into a decode step that checks everything and may
// fail with a precise Error, and an invoke step that applies it and cannot fail (STYLE.md 5).
#pragma once

#include <mosaic/caps/cap_table.hpp>

namespace mosaic::caps {

// Copy and mint: a new capability derived from `src`, placed in the empty slot `dest`.
struct DeriveOp {
    SlotId src;
    SlotId dest;
    Capability cap;
};
// Copy: the same rights and badge. A monitor-only capability (Kernel) is never copied or
// minted (PermissionDenied): it stays in the slot where the CPU driver installed it.
Result<DeriveOp> decode_copy(const CapTable& t, u16 root, CPtr src, CPtr dest);
// Mint: rights within the source's (PermissionDenied otherwise); a badge only on an
// unbadged endpoint (InvalidArgument otherwise; 0 keeps the source's badge).
Result<DeriveOp> decode_mint(const CapTable& t, u16 root, CPtr src, CPtr dest, u64 rights, u64 badge);
void invoke_derive(CapTable& t, const DeriveOp& op);

// Retype: `count` objects of `type`, `size` bytes each, carved from the source (RAM, or a
// device frame into device frames) starting `offset` bytes in, into consecutive empty slots
// from `dest` on. Objects are naturally aligned, fit in the source, overlap no live object
// other than the source's own ancestors, and inherit the source's rights (Write required).
struct RetypeOp {
    SlotId src;
    SlotId dest;
    u32 count;
    CapType type;
    u64 base;
    u64 size;
};
Result<RetypeOp> decode_retype(const CapTable& t, u16 root, CPtr src, CPtr dest, CapType type,
                               u64 size, u64 count, u64 offset);
void invoke_retype(CapTable& t, const RetypeOp& op);

// Delete one capability (its descendants pass to its parent) and revoke (delete every
// descendant, keeping the capability): only the lookup can fail.
Result<SlotId> decode_delete(const CapTable& t, u16 root, CPtr slot);
void invoke_delete(CapTable& t, SlotId s);
Result<SlotId> decode_revoke(const CapTable& t, u16 root, CPtr slot);
void invoke_revoke(CapTable& t, SlotId s);

// Queries.
Result<Capability> identify(const CapTable& t, u16 root, CPtr slot);
// Whether anything was derived from the capability (copies, mints, retyped objects).
Result<bool> has_descendants(const CapTable& t, u16 root, CPtr slot);

} // namespace mosaic::caps
