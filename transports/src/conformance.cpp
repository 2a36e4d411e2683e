// The fixed conformance message set and its digest (see conformance.hpp).
#include <mosaic/transports/conformance.hpp>
#include <mosaic/transports/interfaces/intermon.hpp>
#include <mosaic/transports/interfaces/ping.hpp>
#include <mosaic/transports/wire.hpp>

namespace mosaic::transports {
namespace {

// Hashes a message as the URPC slots it would occupy from ring position `pos`.
u64 hash_message(u64 h, const Outgoing& m, u32 seq, u64& pos) {
    Frame frames[kMaxFragments];
    Result<u32> n = encode_message(m, seq, frames, kMaxFragments);
    if (!n.ok()) return h ^ u64(n.error()); // Never taken for the fixed set below.
    for (u32 i = 0; i < *n; ++i) {
        u8 slot_word[8];
        store_le64(slot_word, ++pos);
        h = fnv1a64(frames[i].bytes, kFrameBytes, h);
        h = fnv1a64(slot_word, 8, h);
    }
    return h;
}

// Hashes an interface message as its stub encodes it.
template <typename M> u64 hash_stub(u64 h, const M& msg, u32 seq, u64& pos) {
    u8 buf[wire_size_of<M>() + 1];
    encode_fields(msg, buf);
    return hash_message(h, {M::kInterface, M::kType, buf, wire_size_of<M>(), 0, false}, seq, pos);
}

} // namespace

u64 fnv1a64(const u8* p, u32 n, u64 h) {
    for (u32 i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

u64 conformance_digest() {
    u8 bytes[kMaxPayload];
    for (u32 i = 0; i < kMaxPayload; ++i) bytes[i] = u8(i * 7 + 3);
    u64 h = kFnv1a64Offset, pos = 0;
    // Raw messages: empty, one byte, one full frame, one byte over, the maximum; edge ids.
    h = hash_message(h, {0x0000, 1, bytes, 0}, 0, pos);
    h = hash_message(h, {0xFFFF, kMaxMessageType, bytes, 1, 0xFFFFFFFFu, true}, 1, pos);
    h = hash_message(h, {0x1234, 0x80, bytes, kFramePayload, 0x01020304u}, 0x7FFFFFFFu, pos);
    h = hash_message(h, {0x8001, 2, bytes, kFramePayload + 1}, 0x80000000u, pos);
    h = hash_message(h, {0x00FF, 3, bytes, kMaxPayload, 1, true}, 0xFFFFFFFFu, pos);
    // Interface messages: u8, u16, u32, u64, i64 and fixed-string fields at edge values.
    namespace ping = ifaces::ping;
    h = hash_stub(h, ping::ping_request{0xFFFFFFFFFFFFFFFFull, 0x0123456789ABCDEFull}, 5, pos);
    h = hash_stub(h, ping::pong_reply{0, 0x8000000000000000ull}, 6, pos);
    h = hash_stub(h, ping::note_message{0xA5, 0xBEEF, 0xDEADBEEFu, -2}, 7, pos);
    // What monitors say to each other, across ISAs on a heterogeneous board.
    namespace im = ifaces::intermon;
    h = hash_stub(h, im::core_up_message{0xFFFFFFFEu, 7, 2, 0x8000000000000001ull, 0x7FFF, 0x80}, 10, pos);
    im::NodeName node = {};
    for (u32 i = 0; i < 16; ++i) node.bytes[i] = u8(0xF0 + i);
    h = hash_stub(h, im::node_hello_message{7, 0x80000000u, 64, 0xFFFFFFFFu, 0x81000000FFull, node}, 11, pos);
    h = hash_stub(h, im::member_message{63, 7, 1, 0xFFFFFFFFFFFFFFFFull, 2}, 12, pos);
    h = hash_stub(h, im::latency_message{1, 0xFFFFFFFFu, 0x00000001FFFFFFFFull}, 13, pos);
    h = hash_stub(h, im::view_message{2, 6, 0xCBF29CE484222325ull}, 14, pos);
    im::ProgramName prog = {};
    for (u32 i = 0; i < 5; ++i) prog.bytes[i] = u8("hello"[i]);
    prog.bytes[15] = 0xFF; // a fixed string's last byte at its edge value
    h = hash_stub(h, im::spawn_message{4, prog, 0xFFFFFFFFFFFFFFFFull, 0x00010000u, 0x123456789ull, {}}, 15, pos);
    h = hash_stub(h, im::spawn_result_message{0, 0x8000000000000000ull, 5, 0xFFFF, 3, 1, 1, 2, 0x10000000ull, 77}, 16,
                  pos);
    return h;
}

} // namespace mosaic::transports
