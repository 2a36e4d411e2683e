// LMP: the same-core transport between dispatchers, carried by the CPU driver.
// A frame travels as seven 64-bit words (the registers of the send system call);
// the CPU driver supplies the hooks that perform the call.
#pragma once

#include <mosaic/error.hpp>
#include <mosaic/transports/wire.hpp>

namespace mosaic::transports {

inline constexpr u32 kLmpWords = kFrameBytes / 8;
static_assert(kLmpWords * 8 == kFrameBytes);

// One LMP message: a frame as little-endian words, ready for registers.
struct LmpMessage {
    u64 words[kLmpWords];
};

// What the CPU driver (or a host test) supplies. send delivers `count` messages to
// `endpoint` all or nothing (WouldBlock if the endpoint buffer is full); receive takes
// the next message for `endpoint` or returns WouldBlock.
struct LmpHooks {
    Status (*send)(void* ctx, u32 endpoint, const LmpMessage* msgs, u32 count);
    Status (*receive)(void* ctx, u32 endpoint, LmpMessage* out);
    void* ctx;
};

inline LmpMessage lmp_from_frame(const Frame& f) {
    LmpMessage m;
    for (u32 i = 0; i < kLmpWords; ++i) m.words[i] = load_le64(f.bytes + 8 * i);
    return m;
}

inline Frame frame_from_lmp(const LmpMessage& m) {
    Frame f;
    for (u32 i = 0; i < kLmpWords; ++i) store_le64(f.bytes + 8 * i, m.words[i]);
    return f;
}

// The LMP backend: sends to one endpoint, receives from another.
class LmpEndpoint {
  public:
    Status init(const LmpHooks& hooks, u32 tx_endpoint, u32 rx_endpoint) {
        if (hooks.send == nullptr || hooks.receive == nullptr) return Error::InvalidArgument;
        hooks_ = hooks;
        tx_ = tx_endpoint;
        rx_ = rx_endpoint;
        return {};
    }

    Status send_frames(const Frame* f, u32 n) {
        LmpMessage msgs[kMaxFragments];
        if (n > kMaxFragments) return Error::CapacityExceeded;
        for (u32 i = 0; i < n; ++i) msgs[i] = lmp_from_frame(f[i]);
        return hooks_.send(hooks_.ctx, tx_, msgs, n);
    }

    Status poll_frame(Frame& out) {
        LmpMessage m;
        TRY_STATUS(hooks_.receive(hooks_.ctx, rx_, &m));
        out = frame_from_lmp(m);
        return {};
    }

  private:
    LmpHooks hooks_;
    u32 tx_;
    u32 rx_;
};

} // namespace mosaic::transports
