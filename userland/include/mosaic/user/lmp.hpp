// Channels between dispatchers of one core in user mode: a transports::Channel bound to
// LMP through this port's hooks (transports/lmp_halves.hpp says how a frame travels as
// two LMP messages). send waits for room: a full mailbox (WouldBlock) makes the sender
// yield and try again, so it returns once every half went out or the receiver is gone.
// receive blocks in the CPU driver until a message comes (the core runs others meanwhile):
// in user mode Channel::poll() returns a message or an error, never WouldBlock.
#pragma once

#include <mosaic/transports/channel.hpp>
#include <mosaic/transports/lmp_halves.hpp>

namespace mosaic::user {

// Whether an LMP sender is a dispatcher (not the CPU driver, a doorbell or an interrupt).
bool is_dispatcher_sender(u64 sender);

class LmpPort {
  public:
    // Binds ch to dispatcher `peer` of this core: frames go to it and come from it (with
    // lmp_receive_from, so messages of other senders stay for whoever waits for them).
    // With peer 0, the peer is the first dispatcher that sends to this one (a server's
    // only client); messages that are not from a dispatcher are skipped then.
    Status bind(transports::Channel& ch, u64 peer);
    u64 peer() const { return peer_; }
    // Messages dropped on receive (out of step or no room): see LmpJoiner::accept.
    u64 dropped() const { return dropped_; }

  private:
    static Status send(void* ctx, u32 endpoint, const transports::LmpMessage* msgs, u32 count);
    static Status receive(void* ctx, u32 endpoint, transports::LmpMessage* out);

    transports::LmpJoiner joiner_;
    u64 peer_ = 0;
    u64 dropped_ = 0;
};

// The server side of LMP channels with any number of dispatchers of this core: every
// sender gets a channel of its own (its frames paired and reassembled apart from the
// others'), made when its first message comes. A server loops on next() and answers on
// the channel it returns (the interface's generated serve() does both).
//
// Bounds: kMaxClients channels at once; a new sender when all are taken reuses the one
// idle longest (a client that went away; one that still talks loses a half-received
// message). At most LmpJoiner::kSenders senders may have half a frame pending at once
// (the CPU driver delivers a frame's two halves back to back unless mailboxes fill).
class LmpServer {
  public:
    static constexpr u32 kMaxClients = 16;

    // Blocks until a whole message comes from any dispatcher; returns the channel of the
    // sender it came from (stable until that client is forgotten) and its id in *sender.
    // Malformed for a frame that was rejected (the server goes on with next()).
    Result<transports::Channel*> next(transports::Message& out, u64* sender);
    // Forgets a client (its channel goes back to the pool).
    void forget(u64 sender);
    u32 clients() const;
    // Halves dropped (out of step or no room) and messages skipped (not from a dispatcher).
    u64 dropped() const { return dropped_; }
    u64 skipped() const { return skipped_; }

  private:
    struct Client {
        transports::Channel ch;
        LmpServer* server = nullptr;
        u64 peer = 0;
        u64 last_used = 0; // 0: free
        transports::LmpMessage frame{};
        bool have_frame = false;
    };
    static Status send(void* ctx, u32 endpoint, const transports::LmpMessage* msgs, u32 count);
    static Status receive(void* ctx, u32 endpoint, transports::LmpMessage* out);
    Result<Client*> client_of(u64 sender);

    Client clients_[kMaxClients];
    transports::LmpJoiner joiner_;
    u64 clock_ = 0;
    u64 dropped_ = 0, skipped_ = 0;
};

} // namespace mosaic::user
