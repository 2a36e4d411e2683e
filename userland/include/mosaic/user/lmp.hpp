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

class LmpPort {
  public:
    // Binds ch to dispatcher `peer` of this core: frames go to it and come from it. With
    // peer 0, the peer is the first dispatcher that sends to this one (a server's client).
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

} // namespace mosaic::user
