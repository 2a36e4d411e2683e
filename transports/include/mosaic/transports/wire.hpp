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

// Number of frames a payload of this length needs (an empty message still takes one).
constexpr u32 fragment_count(u32 length) {
    return length == 0 ? 1 : (length + kFramePayload - 1) / kFramePayload;
}

// Payload bytes carried by fragment `index` of a message of `length` bytes.
constexpr u32 fragment_bytes(u32 length, u32 index) {
    return min<u32>(kFramePayload, length - index * kFramePayload);
}

void encode_header(const FrameHeader& h, u8* frame);
FrameHeader decode_header(const u8* frame);

// Decodes a frame header and checks everything a single frame can show: type range,
// length bound, fragment index inside the message, first/last flags that match the
// index, no unknown flag bits. Malformed otherwise.
Result<FrameHeader> decode_frame(const u8* frame); // kFrameBytes bytes, each header byte read once
inline Result<FrameHeader> decode_frame(const Frame& f) { return decode_frame(f.bytes); }

// Checks what the wire cannot carry: OutOfRange if the payload exceeds kMaxPayload,
// InvalidArgument for type 0 or above kMaxMessageType.
Status check_outgoing(const Outgoing& m);

// Encodes fragment `index` of a checked message into the 56 bytes at `frame`.
void encode_fragment(const Outgoing& m, u32 seq, u32 index, u8* frame);

// Encodes message `m` with sequence number `seq` into fragment_count(m.length) frames
// at `out` (the unused tail of the last frame is zeroed). OutOfRange if the payload
// exceeds kMaxPayload, InvalidArgument for type 0 or above kMaxMessageType.
Result<u32> encode_message(const Outgoing& m, u32 seq, Frame* out, u32 capacity);

} // namespace mosaic::transports
