// The Mosaic wire format, declared once: fixed-width little-endian fields at fixed
// offsets, no pointers and no size_t, encoded and decoded byte by byte, so that a
// frame is the same 56 bytes on x86-64, aarch64 and riscv64.
//
// One URPC slot is one 64-byte cache line:
//   offset  0  u16 interface id         offset  8  u32 message sequence number
//   offset  2  u16 message type         offset 12  u32 RPC id (0: not an RPC)
//   offset  4  u16 payload length       offset 16  40 bytes of inline payload
//   offset  6  u8  fragment index       offset 56  u64 slot sequence word (URPC only)
//   offset  7  u8  flags (first, last, reply)
// A message longer than 40 bytes travels as several frames (fragments) that all
// carry the same header except for the fragment index and the first/last flags.
#pragma once

#include <mosaic/error.hpp>
#include <mosaic/types.hpp>

namespace mosaic::transports {

inline constexpr u32 kSlotBytes = 64;
inline constexpr u32 kHeaderBytes = 16;
inline constexpr u32 kFrameBytes = 56; // header + inline payload; the slot word follows.
inline constexpr u32 kSlotSeqOffset = kFrameBytes;
inline constexpr u32 kFramePayload = kFrameBytes - kHeaderBytes;
inline constexpr u32 kMaxFragments = 12; // The fixed capacity of one message.
inline constexpr u32 kMaxPayload = kMaxFragments * kFramePayload;
inline constexpr u16 kMaxMessageType = 255; // Types run 1..255; 0 is never valid.

static_assert(kSlotSeqOffset + 8 == kSlotBytes);
static_assert(kFramePayload == 40 && kMaxPayload == 480);

// Byte offsets of the header fields inside a frame.
namespace field {
inline constexpr u32 kInterface = 0;
inline constexpr u32 kType = 2;
inline constexpr u32 kLength = 4;
inline constexpr u32 kFragment = 6;
inline constexpr u32 kFlags = 7;
inline constexpr u32 kSeq = 8;
inline constexpr u32 kRpcId = 12;
inline constexpr u32 kPayload = 16;
static_assert(kPayload == kHeaderBytes);
} // namespace field

// Header flag bits; every other bit must be zero on the wire.
inline constexpr u8 kFlagFirst = 1;
inline constexpr u8 kFlagLast = 2;
inline constexpr u8 kFlagReply = 4;
inline constexpr u8 kFlagMask = kFlagFirst | kFlagLast | kFlagReply;

// The decoded header of one frame.
struct FrameHeader {
    u16 interface;
    u16 type;
    u16 length;
    u8 fragment;
    u8 flags;
    u32 seq;
    u32 rpc_id;
};

// One encoded frame: exactly the first 56 bytes of a slot.
struct Frame {
    u8 bytes[kFrameBytes];
};
static_assert(sizeof(Frame) == kFrameBytes && alignof(Frame) == 1);

// A whole message as a sender describes it (the payload stays in the caller's memory).
struct Outgoing {
    u16 interface;
    u16 type;
    const u8* payload;
    u16 length;
    u32 rpc_id = 0;
    bool reply = false;
};

// A whole received message, validated and reassembled (host memory only, never on the wire).
struct Message {
    u16 interface;
    u16 type;
    u16 length;
    bool reply;
    u32 seq;
    u32 rpc_id;
    u8 payload[kMaxPayload];
};
// A frame's first 56 bytes line up with Message's first 56 (the receive fast path copies a
// one-frame message's whole frame into its Message: reassembler.hpp).
static_assert(offsetof(Message, interface) == field::kInterface && offsetof(Message, type) == field::kType &&
              offsetof(Message, length) == field::kLength && offsetof(Message, reply) == field::kFragment &&
              offsetof(Message, seq) == field::kSeq && offsetof(Message, rpc_id) == field::kRpcId &&
              offsetof(Message, payload) == field::kPayload && sizeof(bool) == 1);

// Number of frames a payload of this length needs (an empty message still takes one).
constexpr u32 fragment_count(u32 length) {
    return length == 0 ? 1 : (length + kFramePayload - 1) / kFramePayload;
}

// Payload bytes carried by fragment `index` of a message of `length` bytes.
constexpr u32 fragment_bytes(u32 length, u32 index) {
    return min<u32>(kFramePayload, length - index * kFramePayload);
}

// The header as two little-endian words in the field order above (offsets 0 and 8).
inline void encode_header(const FrameHeader& h, u8* frame) {
    static_assert(field::kType == 2 && field::kLength == 4 && field::kFragment == 6 &&
                  field::kFlags == 7 && field::kSeq == 8 && field::kRpcId == 12);
    store_le64(frame, u64(h.interface) | u64(h.type) << 16 | u64(h.length) << 32 |
                          u64(h.fragment) << 48 | u64(h.flags) << 56);
    store_le64(frame + 8, u64(h.seq) | u64(h.rpc_id) << 32);
}

// Reads each header byte once (a frame may lie in memory the peer can still write).
inline FrameHeader decode_header(const u8* frame) {
    return FrameHeader{
        .interface = load_le16(frame + field::kInterface),
        .type = load_le16(frame + field::kType),
        .length = load_le16(frame + field::kLength),
        .fragment = frame[field::kFragment],
        .flags = frame[field::kFlags],
        .seq = load_le32(frame + field::kSeq),
        .rpc_id = load_le32(frame + field::kRpcId),
    };
}

// Checks everything a single frame's header can show: type range, length bound,
// fragment index inside the message, first/last flags that match the index, no unknown
// flag bits. Malformed otherwise.
Status check_header(const FrameHeader& h);

// The type rule (1..255) on the 32-bit word that holds a message's interface (low half,
// any value) and its type (high half), as it lies in a frame and in an Outgoing: the type is
// 1..255 exactly when the word minus 1 << 16 is below 255 << 16, unsigned (one compare).
constexpr bool is_valid_type_word(u32 iface_type) {
    static_assert(kMaxMessageType == 255);
    return iface_type - (u32(1) << 16) < u32(kMaxMessageType) << 16;
}

// True for a header, given as its first little-endian word (offsets 0-7), of a whole
// message in one frame that check_header accepts (the receive fast path: the same rule,
// said for the one-frame case): fragment 0, flags first and last (reply allowed), length
// at most one frame, type 1..255.
// In two 32-bit compares with immediates. The low half holds the interface and the type
// (is_valid_type_word). The high half holds the length, the fragment and the flags: with
// the reply flag cleared it must be first|last, fragment 0 and a length of at most 40, that
// is at most 40 above (first|last) << 24, unsigned (a wrong flag or fragment puts it far
// above, or below and so far above after the wrap).
inline bool is_whole_single_frame(u64 w0) {
    static_assert(field::kType == 2 && field::kLength == 4 && field::kFragment == 6 && field::kFlags == 7);
    const u32 lo = u32(w0), hi = u32(w0 >> 32);
    constexpr u32 kFirstLast = u32(kFlagFirst | kFlagLast) << 24, kNotReply = ~(u32(kFlagReply) << 24);
    return is_valid_type_word(lo) && (hi & kNotReply) - kFirstLast <= kFramePayload;
}

// Decodes a frame header (each byte read once) and checks it (check_header).
Result<FrameHeader> decode_frame(const u8* frame); // kFrameBytes bytes
inline Result<FrameHeader> decode_frame(const Frame& f) { return decode_frame(f.bytes); }

// Checks what the wire cannot carry: OutOfRange if the payload exceeds kMaxPayload,
// InvalidArgument for type 0 or above kMaxMessageType.
inline Status check_outgoing(const Outgoing& m) {
    if (m.length > kMaxPayload) return Error::OutOfRange;
    if (m.type == 0 || m.type > kMaxMessageType) return Error::InvalidArgument;
    return {};
}

// Encodes fragment `index` of a checked message into the 56 bytes at `frame`.
void encode_fragment(const Outgoing& m, u32 seq, u32 index, u8* frame);

// Copies n < kFramePayload bytes (encode_single's short payloads) with a few fixed-size,
// overlapping copies and no call: a call in encode_single's cold branch would make the
// batch loop around it keep its state on the stack.
inline void copy_short(u8* dst, const u8* src, u32 n) {
    if (n >= 16) {
        __builtin_memcpy(dst, src, 16);
        if (n > 32) __builtin_memcpy(dst + 16, src + 16, 16);
        __builtin_memcpy(dst + n - 16, src + n - 16, 16);
    } else if (n >= 8) {
        __builtin_memcpy(dst, src, 8);
        __builtin_memcpy(dst + n - 8, src + n - 8, 8);
    } else if (n >= 4) {
        __builtin_memcpy(dst, src, 4);
        __builtin_memcpy(dst + n - 4, src + n - 4, 4);
    } else {
        for (u32 i = 0; i < n; ++i) dst[i] = src[i];
    }
}

// The interface and type of `m` as one 32-bit word (is_valid_type_word's), one load.
inline u32 type_word(const Outgoing& m) {
    static_assert(offsetof(Outgoing, interface) == 0 && offsetof(Outgoing, type) == 2 && kLittleEndian);
    return load_native<u32>(reinterpret_cast<const u8*>(&m));
}

// check_outgoing's rule and the one-frame bound in two compares.
inline bool is_single_frame(const Outgoing& m) {
    return m.length <= kFramePayload && is_valid_type_word(type_word(m));
}

// One-frame encoding, inline: the hot path of small messages. encode_single takes a checked
// message of at most kFramePayload bytes; encode_if_single checks as it goes (check_outgoing's
// rule and the length) and returns false, having written nothing, for a message that is
// invalid or longer than a frame. A full 40-byte payload is one fixed-size copy under a header
// word whose length is a constant.
template <bool kCheck> inline bool encode_one_frame(const Outgoing& m, u32 seq, u8* frame) {
    // The fields are read once, before the first store into the frame (byte stores may
    // alias `m`, which would otherwise be read again after them). The header's first word is
    // the interface and type as they lie in `m` (type_word), the length, fragment 0 and
    // the flags; the second the numbers (encode_header's layout).
    static_assert(kFlagReply == 1 << 2);
    const u32 iface_type = type_word(m);
    if (kCheck && !is_valid_type_word(iface_type)) return false;
    const u16 length = m.length;
    const u8* const payload = m.payload;
    const u64 w0 = u64(iface_type) | u64(m.reply) << 58; // and below the length and first|last
    const u64 w1 = u64(seq) | u64(m.rpc_id) << 32;
    constexpr u64 kFirstLast = u64(kFlagFirst | kFlagLast) << 56;
    u8* const dst = frame + field::kPayload;
    if (length == kFramePayload) [[likely]] {
        store_le64(frame, w0 | (u64(kFramePayload) << 32 | kFirstLast)); // one constant
        store_le64(frame + 8, w1);
        __builtin_memcpy(dst, payload, kFramePayload);
        return true;
    }
    if (kCheck && length > kFramePayload) return false;
    store_le64(frame, w0 | u64(length) << 32 | kFirstLast);
    store_le64(frame + 8, w1);
    __builtin_memset(dst, 0, kFramePayload);
    copy_short(dst, payload, length);
    return true;
}
inline void encode_single(const Outgoing& m, u32 seq, u8* frame) { encode_one_frame<false>(m, seq, frame); }
inline bool encode_if_single(const Outgoing& m, u32 seq, u8* frame) { return encode_one_frame<true>(m, seq, frame); }

// Encodes message `m` with sequence number `seq` into fragment_count(m.length) frames
// at `out` (the unused tail of the last frame is zeroed). OutOfRange if the payload
// exceeds kMaxPayload, InvalidArgument for type 0 or above kMaxMessageType.
Result<u32> encode_message(const Outgoing& m, u32 seq, Frame* out, u32 capacity);

} // namespace mosaic::transports
