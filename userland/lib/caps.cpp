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

} // namespace mosaic::user
