// Validation and reassembly of received frames (see reassembler.hpp).
#include <mosaic/transports/reassembler.hpp>

namespace mosaic::transports {

// The general path: any frame, its header read once by the caller.
Status Reassembler::accept(const FrameHeader& h, const u8* f, Message& out) {
    if (!check_header(h).ok()) return reject();
    if (h.fragment == 0) {
        // A new message while another is incomplete: the old one is broken and dropped
        // (counted in rejected()), the new one is taken; a complete new message wins.
        if (active_) {
            active_ = false;
            ++rejected_;
            Status s = start(h, f, out);
            return s.ok() ? s : Status(Error::Malformed);
        }
        return start(h, f, out);
    }
    return extend(h, f, out);
}

Status Reassembler::reject() {
    active_ = false;
    resync_ = true; // The dropped frame may have used up a sequence number.
    ++rejected_;
    return Error::Malformed;
}

// Starts a message with its first fragment; a single-fragment message goes straight to `out`.
Status Reassembler::start(const FrameHeader& h, const u8* f, Message& out) {
    if (h.seq != expected_seq_ && !resync_) {
        expected_seq_ = h.seq + 1; // A gap or a repeat: drop it and follow the sender.
        active_ = false;
        ++rejected_;
        return Error::Malformed;
    }
    resync_ = false;
    bool single = (h.flags & kFlagLast) != 0;
    Message& m = single ? out : partial_;
    take_header(h, m);
    copy_fragment(h, f, m);
    expected_seq_ = h.seq + 1; // The number is used up even if a later fragment is bad.
    if (single) return {};
    active_ = true;
    next_fragment_ = 1;
    return Error::WouldBlock;
}

// Appends a later fragment, which must continue the message being collected.
Status Reassembler::extend(const FrameHeader& h, const u8* f, Message& out) {
    const Message& p = partial_;
    if (!active_ || h.fragment != next_fragment_ || h.seq != p.seq || h.interface != p.interface ||
        h.type != p.type || h.length != p.length || h.rpc_id != p.rpc_id ||
        ((h.flags & kFlagReply) != 0) != p.reply)
        return reject();
    copy_fragment(h, f, partial_);
    ++next_fragment_;
    if ((h.flags & kFlagLast) == 0) return Error::WouldBlock;
    active_ = false;
    out.interface = p.interface;
    out.type = p.type;
    out.length = p.length;
    out.reply = p.reply;
    out.seq = p.seq;
    out.rpc_id = p.rpc_id;
    __builtin_memcpy(out.payload, p.payload, p.length);
    return {};
}

} // namespace mosaic::transports
