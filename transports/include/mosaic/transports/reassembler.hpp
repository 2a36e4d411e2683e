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
    Status accept(const u8* frame, Message& out);

    // Messages rejected so far (for statistics and for batch receives).
    u64 rejected() const { return rejected_; }

  private:
    Status reject();
    Status start(const FrameHeader& h, const u8* f, Message& out);
    Status extend(const FrameHeader& h, const u8* f, Message& out);
    static void copy_fragment(const FrameHeader& h, const u8* f, Message& m);

    u32 expected_seq_ = 0;
    bool active_ = false; // A multi-fragment message is being collected in partial_.
    bool resync_ = false; // The next first fragment sets the expected sequence number.
    u8 next_fragment_ = 0;
    u64 rejected_ = 0;
    Message partial_ = {};
};

} // namespace mosaic::transports
