// Copy, mint, retype, delete, revoke and the queries, as decode and invoke steps.
#include <mosaic/caps/operations.hpp>

namespace mosaic::caps {

Result<DeriveOp> decode_copy(const CapTable& t, u16 root, CPtr src, CPtr dest) {
    SlotId s = TRY(t.lookup(root, src, Want::Cap));
    if (has_flag(t.at(s).type, kMonitorOnly)) return Error::PermissionDenied;
    SlotId d = TRY(t.lookup(root, dest, Want::Empty));
    return DeriveOp{s, d, t.at(s)};
}

Result<DeriveOp> decode_mint(const CapTable& t, u16 root, CPtr src, CPtr dest, u64 rights, u64 badge) {
    DeriveOp op = TRY(decode_copy(t, root, src, dest));
    if (rights > kAllRights || !rights_within(u8(rights), op.cap.rights)) return Error::PermissionDenied;
    if (badge) {
        if (op.cap.type != CapType::Endpoint || op.cap.badge) return Error::InvalidArgument;
        op.cap.badge = badge;
    }
    op.cap.rights = u8(rights);
    return op;
}

void invoke_derive(CapTable& t, const DeriveOp& op) {
    Capability c = op.cap;
    c.remote_copies = 0;
    t.insert(op.dest, c, op.src, false);
}

// The size rule: fixed-size objects have their size; the others are a power of two of at
// least one page.
static Status check_object_size(CapType type, u64 size) {
    u64 fixed = info(type).fixed_size;
    if (fixed ? size != fixed : (!is_pow2(size) || size < kPageSize)) return Error::InvalidArgument;
    return {};
}

// The destination: `count` consecutive empty slots in the CNode of `dest`.
static Status check_destination(const CapTable& t, SlotId first, u64 count) {
    if (first % kCNodeSlots + count > kCNodeSlots) return Error::OutOfRange;
    for (u64 i = 0; i < count; ++i)
        if (t.occupied(SlotId(first + i))) return Error::SlotOccupied;
    return {};
}

Result<RetypeOp> decode_retype(const CapTable& t, u16 root, CPtr src, CPtr dest, CapType type,
                               u64 size, u64 count, u64 offset) {
    SlotId s = TRY(t.lookup(root, src, Want::Cap));
    const Capability& from = t.at(s);
    if (u32(type) >= kTypeCount || !can_retype(from.type, type)) return Error::WrongType;
    if (!(from.rights & kWrite)) return Error::PermissionDenied;
    if (count == 0 || count > kCNodeSlots) return Error::InvalidArgument;
    TRY_STATUS(check_object_size(type, size));
    if (size > ~u64(0) / count) return Error::Overflow;
    u64 bytes = size * count;
    if (offset > ~u64(0) - bytes) return Error::Overflow;
    if (offset + bytes > from.size) return Error::OutOfRange;
    u64 base = from.base + offset;
    if (base & (size - 1)) return Error::Misaligned;
    if (t.overlaps_object(s, base, bytes)) return Error::HasDescendants;
    SlotId d = TRY(t.lookup(root, dest, Want::Empty));
    TRY_STATUS(check_destination(t, d, count));
    if (type == CapType::CNode && t.free_cnodes() < count) return Error::CapacityExceeded;
    return RetypeOp{s, d, u32(count), type, base, size};
}

void invoke_retype(CapTable& t, const RetypeOp& op) {
    const Capability& from = t.at(op.src);
    for (u32 i = 0; i < op.count; ++i) {
        Capability c;
        c.type = op.type;
        c.rights = from.rights;
        c.node = from.node;
        c.owner = from.owner;
        c.base = op.base + u64(i) * op.size;
        c.size = op.size;
        if (op.type == CapType::CNode) c.object = t.take_cnode();
        t.insert(SlotId(op.dest + i), c, op.src, true);
    }
}

Result<SlotId> decode_delete(const CapTable& t, u16 root, CPtr slot) { return t.lookup(root, slot, Want::Cap); }
void invoke_delete(CapTable& t, SlotId s) { t.remove(s); }
Result<SlotId> decode_revoke(const CapTable& t, u16 root, CPtr slot) { return t.lookup(root, slot, Want::Cap); }
void invoke_revoke(CapTable& t, SlotId s) { t.revoke(s); }

Result<Capability> identify(const CapTable& t, u16 root, CPtr slot) {
    SlotId s = TRY(t.lookup(root, slot, Want::Cap));
    return t.at(s);
}

Result<bool> has_descendants(const CapTable& t, u16 root, CPtr slot) {
    SlotId s = TRY(t.lookup(root, slot, Want::Cap));
    return t.has_descendants(s);
}

} // namespace mosaic::caps
