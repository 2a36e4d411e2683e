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
    // The same for a frame read where it lies (kFrameBytes bytes, say a URPC slot, which a
    // peer could still write): the frame is copied out once, and only that private copy is
    // checked and used, so a peer changing the slot meanwhile changes nothing checked. The
    // copy goes straight into `out`: a frame's first 56 bytes are laid out as Message's
    // (header fields at the same offsets, little-endian on every ISA, the flags byte where
    // Message has `reply` and a padding byte), so a whole one-frame message in order, while
    // no longer one is being collected, is done once its header word passes the same rule
    // as check_header's (is_whole_single_frame) and `reply` is set from the flags.
    Status accept(const u8* frame, Message& out) {
        Run run(*this);
        return run.accept(frame, out);
    }

    // The same for a run of frames (a batch receive): the expected number stays in a
    // register from one frame to the next instead of being stored and re-read around every
    // copy into a Message (byte copies may alias anything), and is written back when the
    // run ends; the uncommon cases change the Reassembler's other state directly. While a
    // Run lives, its Reassembler is used only through it.
    class Run {
      public:
        explicit Run(Reassembler& r) : r_(r), want_(pack(r.expected_seq_, !r.active_ && !r.resync_)) {}
        ~Run() { r_.expected_seq_ = u32(want_); }
        Run(const Run&) = delete;
        Run& operator=(const Run&) = delete;

        Status accept(const u8* frame, Message& out) {
            u64 w0, w1;
            copy_frame(frame, out, w0, w1);
            // The common case: a whole one-frame message with the expected number, while
            // nothing is being collected and the numbering is not being re-learnt (one
            // compare: want_ has bit 32 set otherwise, which a 32-bit number never matches).
            if (is_whole_single_frame(w0) && (w1 & 0xffff'ffffu) == want_) [[likely]] {
                ++want_; // from 2^32 - 1 this carries into bit 32: the next frame goes slow, which re-packs
                out.reply = (w0 >> 56 & kFlagReply) != 0;
                return {};
            }
            Slow r = slow(r_, u32(want_), out);
            want_ = pack(r.expected, r.plain);
            return r.status;
        }

      private:
        // Everything else: the Reassembler handles the frame (the copy in `out`, never the
        // slot again). Out of line, given the run's expected number by value and returning
        // the new one, so that the common case keeps it in a register.
        struct Slow {
            Status status;
            u32 expected;
            bool plain;
        };
        [[gnu::noinline]] static Slow slow(Reassembler& r, u32 expected, Message& out) {
            r.expected_seq_ = expected;
            Frame copy;
            __builtin_memcpy(copy.bytes, &out, kFrameBytes);
            Status s = r.accept(decode_header(copy.bytes), copy.bytes, out);
            return {s, r.expected_seq_, !r.active_ && !r.resync_};
        }

        // The expected number in the low 32 bits, and bit 32 set unless plain: neither
        // collecting a message (active_) nor re-learning the numbering (resync_).
        static u64 pack(u32 expected, bool plain) { return u64(expected) | u64(!plain) << 32; }

        Reassembler& r_;
        u64 want_; // The Reassembler's expected_seq_ (low half) while the run lives, and the flag.
    };

    // accept's common case alone, for a receiver that takes one message (Channel::poll):
    // true with the message in `out` for a whole one-frame message with the expected
    // number while nothing is being collected and the numbering is not being re-learnt;
    // otherwise false, having changed nothing but `out` (the caller then hands the frame to
    // accept, which reads it afresh).
    bool accept_single(const u8* frame, Message& out) {
        u64 w0, w1;
        copy_frame(frame, out, w0, w1);
        if (is_whole_single_frame(w0) && u32(w1) == expected_seq_ && !active_ && !resync_) [[likely]] {
            ++expected_seq_;
            out.reply = (w0 >> 56 & kFlagReply) != 0;
            return true;
        }
        return false;
    }

    // Messages rejected so far (for statistics and for batch receives).
    u64 rejected() const { return rejected_; }

  private:
    // Copies a frame (kFrameBytes bytes, say a URPC slot a peer could still write) into
    // `out` and gives its header's two words as they were copied: read once, into registers,
    // so that only those values are checked and stored; the payload is copied once, after.
    static void copy_frame(const u8* frame, Message& out, u64& w0, u64& w1) {
        static_assert(kLittleEndian, "a frame lies in a Message as it is only on little-endian ISAs (as urpc.hpp's)");
        w0 = load_native<u64>(frame);
        w1 = load_native<u64>(frame + 8);
        u8* o = reinterpret_cast<u8*>(&out);
        store_native(o, w0);
        store_native(o + 8, w1);
        __builtin_memcpy(o + kHeaderBytes, frame + kHeaderBytes, kFramePayload);
    }
    Status accept(const FrameHeader& h, const u8* frame, Message& out);
    Status reject();
    Status start(const FrameHeader& h, const u8* f, Message& out);
    Status extend(const FrameHeader& h, const u8* f, Message& out);
    // A message's fields from its first (or only) frame's header.
    static void take_header(const FrameHeader& h, Message& m) {
        m.interface = h.interface;
        m.type = h.type;
        m.length = h.length;
        m.reply = (h.flags & kFlagReply) != 0;
        m.seq = h.seq;
        m.rpc_id = h.rpc_id;
    }
    // Copies a fragment's whole 40-byte payload area (a fixed-size copy the compiler inlines);
    // bytes past the message length are the frame's zero padding. Fragment 11 of a
    // maximum message ends exactly at kMaxPayload, so this never writes past the buffer.
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
