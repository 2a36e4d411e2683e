// LMP hooks for transports channels in user mode (see lmp.hpp).
#include <mosaic/user/lmp.hpp>
#include <mosaic/user/sys.hpp>

namespace mosaic::user {

namespace {

// Sends one half, yielding while the receiver's mailbox is full.
Error send_half(u64 dest, const transports::LmpHalf& h) {
    Error e;
    while ((e = lmp_send(dest, h.words)) == Error::WouldBlock) yield();
    return e;
}

static_assert(transports::kLmpHalfWords == sys::kLmpWords, "one half is one CPU-driver LMP message");

} // namespace

Status LmpPort::bind(transports::Channel& ch, u64 peer) {
    peer_ = peer;
    transports::Binding b;
    b.kind = transports::TransportKind::Lmp;
    b.lmp = {send, receive, this};
    return ch.bind(b); // the binding's endpoints stay unused: the hooks go by peer_
}

Status LmpPort::send(void* ctx, u32, const transports::LmpMessage* msgs, u32 count) {
    u64 endpoint = static_cast<LmpPort*>(ctx)->peer_;
    if (endpoint == 0) return Error::NotFound; // no one has called yet
    for (u32 i = 0; i < count; ++i) {
        transports::LmpHalf first, second;
        transports::lmp_split(msgs[i], first, second);
        if (Error e = send_half(endpoint, first); e != Error::Ok) return e;
        if (Error e = send_half(endpoint, second); e != Error::Ok) return e;
    }
    return {};
}

Status LmpPort::receive(void* ctx, u32, transports::LmpMessage* out) {
    auto* self = static_cast<LmpPort*>(ctx);
    while (!self->peer_ || !self->joiner_.take(self->peer_, *out)) {
        Message m = TRY(lmp_receive());
        if (!self->peer_) self->peer_ = m.sender;
        transports::LmpHalf h;
        for (u32 i = 0; i < sys::kLmpWords; ++i) h.words[i] = m.word[i];
        if (Status s = self->joiner_.accept(m.sender, h); !s.ok()) {
            ++self->dropped_;
            return Error::Malformed;
        }
    }
    return {};
}

} // namespace mosaic::user
