// Encoding and single-frame validation of the wire format declared in wire.hpp.
#include <mosaic/transports/wire.hpp>

namespace mosaic::transports {

Status check_header(const FrameHeader& h) {
    if (h.type == 0 || h.type > kMaxMessageType) return Error::Malformed;
    if (h.length > kMaxPayload || (h.flags & ~kFlagMask) != 0) return Error::Malformed;
    u32 count = fragment_count(h.length);
    if (h.fragment >= count) return Error::Malformed;
    bool first = h.fragment == 0, last = h.fragment + 1u == count;
    if (((h.flags & kFlagFirst) != 0) != first || ((h.flags & kFlagLast) != 0) != last)
        return Error::Malformed;
    return {};
}

Result<FrameHeader> decode_frame(const u8* frame) {
    FrameHeader h = decode_header(frame);
    TRY_STATUS(check_header(h));
    return h;
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
