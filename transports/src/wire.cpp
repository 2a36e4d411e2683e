// Encoding and single-frame validation of the wire format declared in wire.hpp.
#include <mosaic/transports/wire.hpp>

namespace mosaic::transports {

void encode_header(const FrameHeader& h, u8* frame) {
    // Two little-endian words in the field order of wire.hpp (offsets 0 and 8).
    static_assert(field::kType == 2 && field::kLength == 4 && field::kFragment == 6 &&
                  field::kFlags == 7 && field::kSeq == 8 && field::kRpcId == 12);
    store_le64(frame, u64(h.interface) | u64(h.type) << 16 | u64(h.length) << 32 |
                          u64(h.fragment) << 48 | u64(h.flags) << 56);
    store_le64(frame + 8, u64(h.seq) | u64(h.rpc_id) << 32);
}

FrameHeader decode_header(const u8* frame) {
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

Result<FrameHeader> decode_frame(const u8* frame) {
    FrameHeader h = decode_header(frame);
    if (h.type == 0 || h.type > kMaxMessageType) return Error::Malformed;
    if (h.length > kMaxPayload || (h.flags & ~kFlagMask) != 0) return Error::Malformed;
    u32 count = fragment_count(h.length);
    if (h.fragment >= count) return Error::Malformed;
    bool first = h.fragment == 0, last = h.fragment + 1u == count;
    if (((h.flags & kFlagFirst) != 0) != first || ((h.flags & kFlagLast) != 0) != last)
        return Error::Malformed;
    return h;
}

Status check_outgoing(const Outgoing& m) {
    if (m.length > kMaxPayload) return Error::OutOfRange;
    if (m.type == 0 || m.type > kMaxMessageType) return Error::InvalidArgument;
    return {};
}

void encode_fragment(const Outgoing& m, u32 seq, u32 index, u8* frame) {
    u32 count = fragment_count(m.length);
    u8 flags = u8((index == 0 ? kFlagFirst : 0) | (index + 1 == count ? kFlagLast : 0) |
                  (m.reply ? kFlagReply : 0));
    encode_header({m.interface, m.type, m.length, u8(index), flags, seq, m.rpc_id}, frame);
    u32 n = m.length ? fragment_bytes(m.length, index) : 0;
    u8* dst = frame + field::kPayload;
    if (n) __builtin_memcpy(dst, m.payload + index * kFramePayload, n);
    __builtin_memset(dst + n, 0, kFramePayload - n);
}

Result<u32> encode_message(const Outgoing& m, u32 seq, Frame* out, u32 capacity) {
    TRY_STATUS(check_outgoing(m));
    u32 count = fragment_count(m.length);
    if (count > capacity) return Error::CapacityExceeded;
    for (u32 i = 0; i < count; ++i) encode_fragment(m, seq, i, out[i].bytes);
    return count;
}

} // namespace mosaic::transports
