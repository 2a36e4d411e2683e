// The one message-channel interface of Mosaic. Callers never name a transport: the
// kind (decided at setup, later by the SKB) selects a backend at bind time, and every
// call dispatches on that tag with a switch (no virtual functions on the hot path).
#pragma once

#include <mosaic/error.hpp>
#include <mosaic/transports/lmp.hpp>
#include <mosaic/transports/reassembler.hpp>
#include <mosaic/transports/urpc.hpp>
#include <mosaic/transports/wire.hpp>

namespace mosaic::transports {

enum class TransportKind : u8 {
    None,     // Not bound.
    Loopback, // Frames sent come back to the same channel (one URPC ring, tests).
    Lmp,      // Same core, through the CPU driver.
    Urpc,     // Shared-memory rings: between cores of a node or across the interconnect.
};

// Notification hooks the arch/monitor layer supplies: notify rings the peer's doorbell
// after a send; wait blocks this side until it is notified (or for a while: waking early
// is harmless), and must not lose a notification that arrived after the channel's last
// poll and before it blocked (a CPU driver waits with interrupts masked). Both optional.
// Over URPC the doorbell rings only when the reader said it sleeps (the ring's control
// line), once per sleep, so a busy channel sends no interrupts; LMP rings it after every
// send.
struct Hooks {
    void (*notify)(void* ctx) = nullptr;
    void (*wait)(void* ctx) = nullptr;
    void* ctx = nullptr;
};

// Everything bind() needs; only the part of the chosen kind is read.
struct Binding {
    TransportKind kind = TransportKind::None;
    // Urpc: two one-way rings (tx written here, rx read here); Loopback: tx only.
    void* tx_base = nullptr;
    u32 tx_slots = 0;
    void* rx_base = nullptr;
    u32 rx_slots = 0;
    // Prefetch the next slot (reader) / claim it early (writer). Off by default: on the
    // 2-core x86 host it cost round-trip latency and throughput (bench-transports).
    bool prefetch = false;
    // Lmp: the CPU driver's hooks and the endpoints to send to and receive from.
    LmpHooks lmp = {};
    u32 lmp_tx_endpoint = 0;
    u32 lmp_rx_endpoint = 0;
    Hooks hooks = {};
};

class Channel {
  public:
    // constexpr, so that a CPU driver may keep channels in globals (constant-initialized:
    // boards run no global constructors).
    constexpr Channel() : kind_(TransportKind::None), tx_seq_(0), backend_{} {}

    // Binds the channel to a transport; InvalidArgument/Misaligned for a bad binding.
    Status bind(const Binding& b);
    TransportKind kind() const { return kind_; }

    // Sends one message (fragmented if longer than one frame), all or nothing:
    // WouldBlock when the transport has no room now, OutOfRange when too long.
    Status send(const Outgoing& m);

    // Sends messages in order until one would block; returns how many were sent
    // (WouldBlock if none). The peer is notified once for the whole batch. Over URPC the
    // batch is written into consecutive slots and published with one release (urpc.hpp),
    // so the reader sees it at once, when the call returns; the error that stopped an
    // empty batch is returned (WouldBlock, OutOfRange, CapacityExceeded, InvalidArgument).
    Result<u32> send_batch(const Outgoing* msgs, u32 count);

    // Non-blocking receive: Ok with a whole message in `out`, WouldBlock if none is
    // complete yet, Malformed if a frame was rejected (the channel stays usable).
    Status poll(Message& out);

    // Receives up to `max` messages, acknowledging the slots once per batch; returns how
    // many (WouldBlock if none; `max` 0 takes nothing). Rejected frames are skipped and
    // counted in rejected().
    // Over URPC the published frames are read in their slots, in ring order.
    Result<u32> receive_batch(Message* out, u32 max);

    // Polls `spins` times, then (if a wait hook exists) says it sleeps, polls once more and
    // sleeps until notified, and repeats; WouldBlock without a wait hook.
    Status wait(Message& out, u32 spins);

    // For a receiver that sleeps on several channels at once (a monitor's event loop):
    // says in the ring's control line whether this side sleeps until notified, as wait()
    // does for one channel. After announce_sleep(true), the caller fences, polls every
    // channel once more, and only then sleeps; a no-op on transports without a doorbell.
    void announce_sleep(bool on);
    // How often this side said it sleeps on a URPC channel (0 on other transports): the
    // most doorbells its writer may ring.
    u64 sleeps_announced() const { return on_urpc() ? backend_.urpc.rx.sleeps_announced() : 0; }

    u64 rejected() const { return reassembler_.rejected(); }

  private:
    // The one-frame URPC path, inlined into send (and send_batch over LMP); the rest out of line.
    [[gnu::always_inline]] inline Status send_quiet(const Outgoing& m);
    [[gnu::noinline]] Status send_general(const Outgoing& m);
    Status send_urpc_batch(const Outgoing* msgs, u32 count, u32& sent);
    Status send_urpc_singles(const Outgoing* msgs, u32 count, u32& sent);
    u32 encode_at(UrpcWriter& w, const Outgoing& m, u32 seq, u32 at);
    u32 receive_urpc_batch(Message* out, u32 max, bool& empty);
    Status send_frames(const Frame* f, u32 n);
    Status poll_frame(Frame& f);
    [[gnu::noinline]] Status poll_urpc(Message& out);  // poll's URPC path beyond its common case
    [[gnu::noinline]] Status poll_frames(Message& out);             // the other transports
    void ack(bool lazy);
    void notify();
    bool on_urpc() const { return kind_ == TransportKind::Urpc || kind_ == TransportKind::Loopback; }

    struct UrpcPair {
        UrpcWriter tx;
        UrpcReader rx;
    };
    union Backend {
        UrpcPair urpc; // Urpc and Loopback.
        LmpEndpoint lmp;
    };

    TransportKind kind_;
    u32 tx_seq_;
    Backend backend_;
    Hooks hooks_;
    Reassembler reassembler_;
};

} // namespace mosaic::transports
