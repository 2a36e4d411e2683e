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

// Sends frames to dest, each as two halves.
Status send_frames(u64 dest, const transports::LmpMessage* msgs, u32 count) {
    for (u32 i = 0; i < count; ++i) {
        transports::LmpHalf first, second;
        transports::lmp_split(msgs[i], first, second);
        if (Error e = send_half(dest, first); e != Error::Ok) return e;
        if (Error e = send_half(dest, second); e != Error::Ok) return e;
    }
    return {};
}

transports::LmpHalf half_of(const Message& m) {
    transports::LmpHalf h;
    for (u32 i = 0; i < sys::kLmpWords; ++i) h.words[i] = m.word[i];
    return h;
}

static_assert(transports::kLmpHalfWords == sys::kLmpWords, "one half is one CPU-driver LMP message");

} // namespace

bool is_dispatcher_sender(u64 sender) { return sender != 0 && sender < sys::kIrqSender; }

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
    return send_frames(endpoint, msgs, count);
}

Status LmpPort::receive(void* ctx, u32, transports::LmpMessage* out) {
    auto* self = static_cast<LmpPort*>(ctx);
    while (!self->peer_ || !self->joiner_.take(self->peer_, *out)) {
        Message m = TRY(self->peer_ ? lmp_receive_from(self->peer_) : lmp_receive());
        if (!is_dispatcher_sender(m.sender)) { // only while unbound: an interrupt is no client
            ++self->dropped_;
            continue;
        }
        if (!self->peer_) self->peer_ = m.sender;
        if (Status s = self->joiner_.accept(m.sender, half_of(m)); !s.ok()) {
            ++self->dropped_;
            return Error::Malformed;
        }
    }
    return {};
}

Status LmpServer::send(void* ctx, u32, const transports::LmpMessage* msgs, u32 count) {
    return send_frames(static_cast<Client*>(ctx)->peer, msgs, count);
}

// A client's channel reads the frame next() put there, if any.
Status LmpServer::receive(void* ctx, u32, transports::LmpMessage* out) {
    auto* c = static_cast<Client*>(ctx);
    if (!c->have_frame) return Error::WouldBlock;
    *out = c->frame;
    c->have_frame = false;
    return {};
}

Result<LmpServer::Client*> LmpServer::client_of(u64 sender) {
    Client* pick = nullptr;
    for (Client& c : clients_) {
        if (c.last_used && c.peer == sender) {
            c.last_used = ++clock_;
            return &c;
        }
        if (!pick || c.last_used < pick->last_used) pick = &c; // free (0) or idle longest
    }
    *pick = Client{};
    pick->server = this;
    pick->peer = sender;
    pick->last_used = ++clock_;
    transports::Binding b;
    b.kind = transports::TransportKind::Lmp;
    b.lmp = {send, receive, pick};
    TRY_STATUS(pick->ch.bind(b));
    return pick;
}

Result<transports::Channel*> LmpServer::next(transports::Message& out, u64* sender) {
    for (;;) {
        Message m = TRY(lmp_receive());
        if (!is_dispatcher_sender(m.sender)) {
            ++skipped_;
            continue;
        }
        if (Status s = joiner_.accept(m.sender, half_of(m)); !s.ok()) ++dropped_;
        transports::LmpMessage frame;
        if (!joiner_.take(m.sender, frame)) continue; // a first half: its second comes next
        Client* c = TRY(client_of(m.sender));
        c->frame = frame;
        c->have_frame = true;
        Status s = c->ch.poll(out);
        c->have_frame = false;
        if (sender) *sender = c->peer;
        if (s.ok()) return &c->ch;
        if (s.error() != Error::WouldBlock) return s.error(); // more fragments to come otherwise
    }
}

void LmpServer::forget(u64 sender) {
    for (Client& c : clients_)
        if (c.last_used && c.peer == sender) c = Client{};
}

u32 LmpServer::clients() const {
    u32 n = 0;
    for (const Client& c : clients_) n += c.last_used != 0;
    return n;
}

} // namespace mosaic::user
