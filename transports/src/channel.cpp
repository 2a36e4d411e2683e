// Channel: binding, fragmentation on send and dispatch to the bound backend.
#include <mosaic/transports/channel.hpp>

namespace mosaic::transports {

Status Channel::bind(const Binding& b) {
    switch (b.kind) {
    case TransportKind::Loopback:
        backend_.urpc = UrpcPair{};
        TRY_STATUS(backend_.urpc.tx.init(b.tx_base, b.tx_slots, b.prefetch));
        TRY_STATUS(backend_.urpc.rx.init(b.tx_base, b.tx_slots, b.prefetch));
        break;
    case TransportKind::Urpc:
        if (b.tx_base == b.rx_base) return Error::InvalidArgument;
        backend_.urpc = UrpcPair{};
        TRY_STATUS(backend_.urpc.tx.init(b.tx_base, b.tx_slots, b.prefetch));
        TRY_STATUS(backend_.urpc.rx.init(b.rx_base, b.rx_slots, b.prefetch));
        break;
    case TransportKind::Lmp:
        backend_.lmp = LmpEndpoint{};
        TRY_STATUS(backend_.lmp.init(b.lmp, b.lmp_tx_endpoint, b.lmp_rx_endpoint));
        break;
    default:
        return Error::InvalidArgument;
    }
    kind_ = b.kind;
    hooks_ = b.hooks;
    tx_seq_ = 0;
    reassembler_ = Reassembler{};
    return {};
}

Status Channel::send_frames(const Frame* f, u32 n) {
    switch (kind_) {
    case TransportKind::Loopback:
    case TransportKind::Urpc:
        return backend_.urpc.tx.send_frames(f, n);
    case TransportKind::Lmp:
        return backend_.lmp.send_frames(f, n);
    default:
        return Error::InvalidArgument;
    }
}

Status Channel::poll_frame(Frame& f) {
    switch (kind_) {
    case TransportKind::Loopback:
    case TransportKind::Urpc:
        return backend_.urpc.rx.poll_frame(f);
    case TransportKind::Lmp:
        return backend_.lmp.poll_frame(f);
    default:
        return Error::InvalidArgument;
    }
}

void Channel::ack(bool lazy) {
    if (!on_urpc()) return;
    if (lazy) backend_.urpc.rx.ack_lazy();
    else backend_.urpc.rx.ack();
}

void Channel::notify() {
    if (!hooks_.notify) return;
    if (on_urpc()) {
        __atomic_thread_fence(__ATOMIC_SEQ_CST); // our publish before the reader's flag
        if (!backend_.urpc.tx.should_ring()) return;
    }
    hooks_.notify(hooks_.ctx);
}

// A valid one-frame message over shared memory is encoded in its slot (the round trip's
// path, small enough to be inlined into send); anything else is checked and framed by
// send_general (which refuses what check_outgoing refuses).
Status Channel::send_quiet(const Outgoing& m) {
    if (on_urpc() && is_single_frame(m)) [[likely]] { // else send_general checks and frames it
        UrpcWriter& w = backend_.urpc.tx;
        if (!w.has_room()) return Error::WouldBlock;
        const UrpcWriter::Claim c = w.claim();
        const u32 seq = tx_seq_;
        tx_seq_ = seq + 1; // before the frame's byte stores, which may alias the channel
        encode_single(m, seq, c.slot->frame);
        w.publish(c);
        return {};
    }
    return send_general(m);
}

Status Channel::send_general(const Outgoing& m) {
    Frame frames[kMaxFragments];
    u32 n = TRY(encode_message(m, tx_seq_, frames, kMaxFragments));
    TRY_STATUS(send_frames(frames, n));
    ++tx_seq_;
    return {};
}

Status Channel::send(const Outgoing& m) {
    TRY_STATUS(send_quiet(m));
    if (hooks_.notify) notify();
    return {};
}

Result<u32> Channel::send_batch(const Outgoing* msgs, u32 count) {
    u32 sent = 0;
    Status s;
    if (on_urpc()) {
        s = send_urpc_batch(msgs, count, sent);
    } else {
        while (sent < count && (s = send_quiet(msgs[sent])).ok()) ++sent;
    }
    if (sent > 0) notify();
    if (sent == 0 && count > 0) return s.error();
    return sent;
}

// Over shared memory a batch is encoded straight into consecutive slots, whole messages
// only, and published with one release (UrpcWriter::publish_marked); `sent` counts the
// messages published. The first message is encoded last: its slot is the one a waiting
// reader polls, so the writer takes that line from the reader once, for its frame and its
// sequence word together, instead of once for the frame and again for the word after the
// rest of the batch. The reader's count is re-read only when the cached one says the ring
// is too full.
Status Channel::send_urpc_batch(const Outgoing* msgs, u32 count, u32& sent) {
    if (count == 0) return {};
    TRY_STATUS(check_outgoing(msgs[0]));
    if (msgs[0].length <= kFramePayload) return send_urpc_singles(msgs, count, sent);
    UrpcWriter& w = backend_.urpc.tx;
    u32 room = w.space(count), frames = 0;
    Status s;
    for (; sent < count; ++sent) {
        const Outgoing& m = msgs[sent];
        if (!(s = check_outgoing(m)).ok()) break;
        u32 n = fragment_count(m.length);
        if (n > w.capacity()) {
            s = Error::CapacityExceeded;
            break;
        }
        if (frames + n > room && frames + n > (room = w.space(frames + n))) {
            s = Error::WouldBlock;
            break;
        }
        frames += n;
    }
    if (sent == 0) return s;
    u32 first = fragment_count(msgs[0].length);
    for (u32 i = 1, at = first; i < sent; ++i) at += encode_at(w, msgs[i], tx_seq_ + i, at);
    encode_at(w, msgs[0], tx_seq_, 0);
    tx_seq_ += sent;
    w.publish_marked(frames);
    return s;
}

// The common case, a run of messages of one frame each (msgs[0] checked and one frame):
// checked and encoded in one pass, a slot per message, up to the first message that is
// invalid or longer, which ends the run. What follows a longer message goes out as a
// batch of its own (published with its own release) in the same call.
Status Channel::send_urpc_singles(const Outgoing* msgs, u32 count, u32& sent) {
    UrpcWriter& w = backend_.urpc.tx;
    u32 k = min(count, w.space(count));
    if (k == 0) return Error::WouldBlock;
    const u32 seq = tx_seq_;
    const Outgoing* next = msgs; // fill_batch asks for messages 1, 2, ... in order, then 0
    u32 n = w.fill_batch(k, [&](u32 i, u8* frame) {
        return encode_if_single(i ? *++next : msgs[0], seq + i, frame);
    });
    tx_seq_ += n;
    sent = n;
    if (n == count) return {};
    if (n == k) return Error::WouldBlock; // the ring is full
    if (Status s = check_outgoing(msgs[n]); !s.ok()) return s;
    u32 more = 0; // msgs[n] is longer than a frame: the rest as a batch of its own
    Status s = send_urpc_batch(msgs + n, count - n, more);
    sent += more;
    return s;
}

// Encodes one checked message into the writer's slots from frame `at` of the batch on, each
// slot's word stored right after its frame except the batch's first (publish_marked's);
// returns the frames it took.
u32 Channel::encode_at(UrpcWriter& w, const Outgoing& m, u32 seq, u32 at) {
    if (m.length <= kFramePayload) {
        encode_single(m, seq, w.frame_at(at));
        if (at) w.mark(at);
        return 1;
    }
    u32 n = fragment_count(m.length);
    for (u32 i = 0; i < n; ++i) {
        encode_fragment(m, seq, i, w.frame_at(at + i));
        if (at + i) w.mark(at + i);
    }
    return n;
}

// Both take frames until a message completes, a frame is rejected, or none is left. Over
// shared memory each frame is read in its slot (its payload copied once, into `out`).
Status Channel::poll_urpc(Message& out) {
    UrpcReader& r = backend_.urpc.rx;
    for (;;) {
        const u8* frame = r.peek();
        if (!frame) {
            r.ack();
            return Error::WouldBlock;
        }
        Status s = reassembler_.accept(frame, out);
        r.consume();
        if (s.ok() || s.error() != Error::WouldBlock) {
            r.ack_lazy();
            return s;
        }
    }
}

Status Channel::poll_frames(Message& out) {
    for (;;) {
        Frame f;
        TRY_STATUS(poll_frame(f));
        Status s = reassembler_.accept(f, out);
        if (s.ok() || s.error() != Error::WouldBlock) return s;
    }
}

// Over URPC the common case (a whole one-frame message in the next slot) is taken here;
// anything else, that frame included, goes through poll_urpc. Slots go back in batches
// while messages keep coming, and all of them as soon as the ring is empty, so a blocked
// writer always sees every free slot.
Status Channel::poll(Message& out) {
    if (!on_urpc()) return poll_frames(out);
    UrpcReader& r = backend_.urpc.rx;
    const u8* frame = r.peek();
    if (frame && reassembler_.accept_single(frame, out)) [[likely]] {
        r.consume();
        r.ack_lazy();
        return {};
    }
    return poll_urpc(out);
}

Result<u32> Channel::receive_batch(Message* out, u32 max) {
    u32 got = 0;
    bool empty = false;
    if (on_urpc()) {
        got = receive_urpc_batch(out, max, empty);
    } else {
        while (got < max) {
            Status s = poll_frames(out[got]);
            if (s.ok()) ++got;
            else if (s.error() != Error::Malformed) {
                empty = true;
                break;
            }
        }
    }
    // One acknowledgement per batch: all slots once the ring is empty (a blocked writer
    // must see every free slot), in quarter-ring steps while it still holds messages.
    ack(!empty);
    if (got == 0) return Error::WouldBlock;
    return got;
}

// Over shared memory: the published frames are taken in ring order (an acquire load of each
// slot's word, UrpcReader::take_each) and validated (the reassembler copies each frame out
// of its slot first and checks the copy) until `max` messages are whole. A frame completes
// at most one message, so a first round of `max` frames never overshoots and needs no check
// per frame (the common case: one-frame messages). If frames remain and messages of several
// frames left fewer than `max` whole, the rest is taken frame by frame, stopping after the
// frame that completes the max-th message. `empty` says the ring ran dry.
u32 Channel::receive_urpc_batch(Message* out, u32 max, bool& empty) {
    Reassembler::Run run(reassembler_);
    UrpcReader& r = backend_.urpc.rx;
    Message* o = out;
    Message* const end = out + max;
    auto accept = [&](const u8* frame) {
        if (run.accept(frame, *o).ok()) ++o;
    };
    u32 took = r.take_each(max, [&](const u8* frame) {
        accept(frame);
        return true;
    });
    if (took == max && o < end)
        r.take_each(~0u, [&](const u8* frame) {
            accept(frame);
            return o < end;
        });
    u32 got = u32(o - out);
    empty = got < max; // fewer than `max` whole only when the ring ran dry
    return got;
}

Status Channel::wait(Message& out, u32 spins) {
    for (;;) {
        for (u32 i = 0; i < spins; ++i) {
            Status s = poll(out);
            if (s.ok() || s.error() != Error::WouldBlock) return s;
            cpu_relax();
        }
        if (!hooks_.wait) return Error::WouldBlock;
        bool urpc = on_urpc();
        if (urpc) {
            backend_.urpc.rx.set_waiting(true);
            __atomic_thread_fence(__ATOMIC_SEQ_CST); // our flag before the writer's next publish
        }
        Status s = poll(out); // what was published before the writer could see the flag
        if (s.ok() || s.error() != Error::WouldBlock) {
            if (urpc) backend_.urpc.rx.set_waiting(false);
            return s;
        }
        hooks_.wait(hooks_.ctx);
        if (urpc) backend_.urpc.rx.set_waiting(false);
    }
}

void Channel::announce_sleep(bool on) {
    if (!on_urpc()) return;
    backend_.urpc.rx.set_waiting(on);
    if (on) __atomic_thread_fence(__ATOMIC_SEQ_CST); // our flag before the writer's next publish
}

} // namespace mosaic::transports
