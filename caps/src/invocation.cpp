// Decoding message words into an Invocation, and executing it: decode, then invoke.
#include <mosaic/caps/invocation.hpp>

namespace mosaic::caps {

static usize op_words(u64 code) {
    switch (code) {
#define X(name, c, words)                                                                    \
    case c:                                                                                  \
        return words;
        MOSAIC_CAP_OPS(X)
#undef X
    }
    return 0;
}

static Result<CPtr> word_cptr(u64 w) {
    CPtr p{w};
    if (!p.well_formed()) return Error::InvalidSlot;
    return p;
}

Result<Invocation> decode_invocation(const u64* w, usize n) {
    if (n == 0) return Error::Truncated;
    usize want = op_words(w[0]);
    if (want == 0) return Error::InvalidArgument;
    if (n < want) return Error::Truncated;
    if (n > want) return Error::Malformed;
    Invocation inv;
    inv.op = Op(w[0]);
    inv.a = TRY(word_cptr(w[1]));
    switch (inv.op) {
    case Op::Copy: inv.b = TRY(word_cptr(w[2])); break;
    case Op::Mint:
        inv.b = TRY(word_cptr(w[2]));
        inv.rights = w[3];
        inv.badge = w[4];
        break;
    case Op::Retype:
        inv.b = TRY(word_cptr(w[2]));
        inv.type = type_from_wire(w[3]);
        if (inv.type == CapType::Null) return Error::WrongType;
        inv.size = w[4];
        inv.count = w[5];
        inv.offset = w[6];
        break;
    case Op::Map:
        inv.index = w[2];
        inv.b = TRY(word_cptr(w[3]));
        inv.offset = w[4];
        inv.rights = w[5];
        break;
    case Op::MapTable:
        inv.index = w[2];
        inv.b = TRY(word_cptr(w[3]));
        break;
    case Op::IoRead:
    case Op::IoWrite: {
        const bool write = inv.op == Op::IoWrite;
        inv.offset = w[2];
        inv.value = write ? w[3] : 0;
        inv.width = w[write ? 4 : 3];
        if (inv.width != 1 && inv.width != 2 && inv.width != 4) return Error::InvalidArgument;
        if (inv.value >> (8 * inv.width)) return Error::InvalidArgument;
        if (inv.offset % inv.width) return Error::Misaligned;
        break;
    }
    default: break;
    }
    return inv;
}

Result<Reply> execute(CapTable& t, u16 root, const Invocation& inv) {
    Reply r;
    switch (inv.op) {
    case Op::Copy: invoke_derive(t, TRY(decode_copy(t, root, inv.a, inv.b))); break;
    case Op::Mint: invoke_derive(t, TRY(decode_mint(t, root, inv.a, inv.b, inv.rights, inv.badge))); break;
    case Op::Retype: {
        RetypeOp op = TRY(decode_retype(t, root, inv.a, inv.b, inv.type, inv.size, inv.count, inv.offset));
        invoke_retype(t, op);
        r.retyped = op.type, r.retyped_base = op.base, r.retyped_bytes = op.size * op.count;
        break;
    }
    case Op::Delete: invoke_delete(t, TRY(decode_delete(t, root, inv.a))); break;
    case Op::Revoke: invoke_revoke(t, TRY(decode_revoke(t, root, inv.a))); break;
    case Op::Identify: r.cap = TRY(identify(t, root, inv.a)); break;
    case Op::HasDescendants: r.flag = TRY(has_descendants(t, root, inv.a)); break;
    case Op::Map: r.mapping = TRY(decode_map(t, root, {inv.a, inv.index, inv.b, inv.offset, inv.rights})); break;
    case Op::MapTable: r.mapping = TRY(decode_map_table(t, root, inv.a, inv.index, inv.b)); break;
    case Op::IoRead:
    case Op::IoWrite: {
        const Capability& c = t.at(TRY(t.lookup(root, inv.a, Want::Cap)));
        if (c.type != CapType::IoPort) return Error::WrongType;
        if (!(c.rights & (inv.op == Op::IoRead ? kRead : kWrite))) return Error::PermissionDenied;
        if (inv.offset >= c.size || c.size - inv.offset < inv.width) return Error::OutOfRange;
        r.io_port = c.base + inv.offset;
        r.io_width = u32(inv.width);
        r.io_value = u32(inv.value);
        break;
    }
    default: return Error::InvalidArgument;
    }
    return r;
}

Result<Reply> execute(CapTable& t, u16 root, const u64* words, usize n) {
    Invocation inv = TRY(decode_invocation(words, n));
    return execute(t, root, inv);
}

usize encode_copy(u64* w, CPtr src, CPtr dest) {
    w[0] = u64(Op::Copy), w[1] = src.raw, w[2] = dest.raw;
    return 3;
}

usize encode_mint(u64* w, CPtr src, CPtr dest, u64 rights, u64 badge) {
    w[0] = u64(Op::Mint), w[1] = src.raw, w[2] = dest.raw, w[3] = rights, w[4] = badge;
    return 5;
}

usize encode_retype(u64* w, CPtr src, CPtr dest, CapType type, u64 size, u64 count, u64 offset) {
    w[0] = u64(Op::Retype), w[1] = src.raw, w[2] = dest.raw, w[3] = wire_id(type);
    w[4] = size, w[5] = count, w[6] = offset;
    return 7;
}

usize encode_slot_op(u64* w, Op op, CPtr slot) {
    w[0] = u64(op), w[1] = slot.raw;
    return 2;
}

usize encode_map(u64* w, const MapRequest& r) {
    w[0] = u64(Op::Map), w[1] = r.table.raw, w[2] = r.index, w[3] = r.frame.raw, w[4] = r.offset;
    w[5] = r.rights;
    return 6;
}

usize encode_map_table(u64* w, CPtr table, u64 index, CPtr child) {
    w[0] = u64(Op::MapTable), w[1] = table.raw, w[2] = index, w[3] = child.raw;
    return 4;
}

usize encode_io_read(u64* w, CPtr ports, u64 offset, u32 width) {
    w[0] = u64(Op::IoRead), w[1] = ports.raw, w[2] = offset, w[3] = width;
    return 4;
}

usize encode_io_write(u64* w, CPtr ports, u64 offset, u32 value, u32 width) {
    w[0] = u64(Op::IoWrite), w[1] = ports.raw, w[2] = offset, w[3] = value, w[4] = width;
    return 5;
}

} // namespace mosaic::caps
