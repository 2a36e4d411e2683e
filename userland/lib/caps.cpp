// See caps.hpp.
#include <mosaic/user/caps.hpp>
#include <mosaic/user/sys.hpp>

namespace mosaic::user {

Result<caps::Reply> cap_invoke(void*, const u64* words, usize n) {
    auto r = call(sys::Number::CapInvoke, u64(uptr(words)), n);
    if (r.error) return error_of(r);
    caps::Reply reply;
    if (n && words[0] == u64(caps::Op::Identify)) {
        reply.cap.type = caps::type_from_wire(r.value[0]);
        reply.cap.rights = u8(r.value[1]);
        reply.cap.base = r.value[2];
        reply.cap.size = r.value[3];
    }
    if (n && words[0] == u64(caps::Op::HasDescendants)) reply.flag = r.value[0] != 0;
    return reply;
}

namespace cap {

using namespace caps;

Error invoke(const u64* w, usize n) { return error_of(call(sys::Number::CapInvoke, u64(uptr(w)), n)); }

Error copy(CPtr from, CPtr to) {
    u64 w[3];
    return invoke(w, encode_copy(w, from, to));
}

Error mint(CPtr from, CPtr to, u64 rights) {
    u64 w[5];
    return invoke(w, encode_mint(w, from, to, rights, 0));
}

Error retype(CPtr from, CPtr to, CapType type, u64 size, u64 count, u64 offset) {
    u64 w[7];
    return invoke(w, encode_retype(w, from, to, type, size, count, offset));
}

Error slot_op(Op op, CPtr p) {
    u64 w[2];
    return invoke(w, encode_slot_op(w, op, p));
}

Error map(CPtr table, u64 index, CPtr frame, u64 rights, u64 offset) {
    u64 w[6];
    return invoke(w, encode_map(w, {table, index, frame, offset, rights}));
}

Error map_table(CPtr table, u64 index, CPtr child) {
    u64 w[4];
    return invoke(w, encode_map_table(w, table, index, child));
}

Result<Capability> identify(CPtr p) {
    u64 w[2];
    return TRY(cap_invoke(nullptr, w, encode_slot_op(w, Op::Identify, p))).cap;
}

Result<u32> io_read(CPtr ports, u64 offset, u32 width) {
    u64 w[4];
    auto r = call(sys::Number::CapInvoke, u64(uptr(w)), encode_io_read(w, ports, offset, width));
    if (r.error) return error_of(r);
    return u32(r.value[0]);
}

Error io_write(CPtr ports, u64 offset, u32 value, u32 width) {
    u64 w[5];
    return invoke(w, encode_io_write(w, ports, offset, value, width));
}

} // namespace cap

} // namespace mosaic::user
