// The receive side of the wire format: validates every frame and reassembles
// fragments into whole messages, rejecting malformed input while staying usable.
#pragma once

#include <mosaic/transports/wire.hpp>

namespace mosaic::transports {

class Reassembler {
  public:
    // Feeds one frame. Ok: `out` holds a complete message. WouldBlock: more fragments
    // are needed. Malformed: this frame (and any partial message it broke) was dropped;
    // the next frame is handled normally. The message sequence number must be exactly
    // one more than the previous message's; a gap or repeat is rejected and the receiver
    // follows the sender's numbering from there. After a malformed frame (whose number
    // cannot be trusted) the next message's number is accepted as the new baseline.
    Status accept(const Frame& f, Message& out) { return accept(f.bytes, out); }
    // The same for a frame read where it lies (kFrameBytes bytes, say a URPC slot that the
    // peer cannot reuse yet): its header is read once and checked, then only its payload
    // bytes are copied.
    // A whole one-frame message in order, while no longer one is being collected, takes
    // the inline fast path (the same checks and result as the general path).
    Status accept(const u8* frame, Message& out) {
        FrameHeader h = decode_header(frame);
        if (!active_ && is_whole_single_frame(h) && (h.seq == expected_seq_ || resync_)) {
            resync_ = false;
            take_header(h, out);
            copy_fragment(h, frame, out);
            expected_seq_ = h.seq + 1;
            return {};
        }
        return accept(h, frame, out);
    }

    // Messages rejected so far (for statistics and for batch receives).
    u64 rejected() const { return rejected_; }

  private:
    Status accept(const FrameHeader& h, const u8* frame, Message& out);
    Status reject();
    Status start(const FrameHeader& h, const u8* f, Message& out);
    Status extend(const FrameHeader& h, const u8* f, Message& out);
    // Copies a fragment's whole 40-byte payload area (a fixed-size copy the compiler inlines);
    // bytes past the message length are the frame's zero padding. Fragment 11 of a
    // maximum message ends exactly at kMaxPayload, so this never writes past the buffer.
    // A message's fields from its first (or only) frame's header.
    static void take_header(const FrameHeader& h, Message& m) {
        m.interface = h.interface;
        m.type = h.type;
        m.length = h.length;
        m.reply = (h.flags & kFlagReply) != 0;
        m.seq = h.seq;
        m.rpc_id = h.rpc_id;
    }
    static void copy_fragment(const FrameHeader& h, const u8* f, Message& m) {
        static_assert(kMaxFragments * kFramePayload <= sizeof(Message::payload));
        __builtin_memcpy(m.payload + h.fragment * kFramePayload, f + field::kPayload, kFramePayload);
    }

    u32 expected_seq_ = 0;
    bool active_ = false; // A multi-fragment message is being collected in partial_.
    bool resync_ = false; // The next first fragment sets the expected sequence number.
    u8 next_fragment_ = 0;
    u64 rejected_ = 0;
    Message partial_ = {};
};

} // namespace mosaic::transports
