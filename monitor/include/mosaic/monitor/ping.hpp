// Timed round trips over a channel with the ping interface (interfaces/ping.hpp): the boot
// monitor measures them to each core monitor of its node and to every other node's boot
// monitor. The caller reads the counter (Env::counter) and passes its value in, so this
// holds no clock of its own.
#pragma once

#include <mosaic/transports/channel.hpp>

namespace mosaic::monitor {

// Sends ping number `seq`; WouldBlock when the ring is full.
Status send_ping(transports::Channel& ch, u32 seq);
// The payload a pong carries for a ping's payload (transformed, so that a reflected
// request is never taken for a reply).
u64 pong_payload(u64 ping_payload);
// True if m is the right reply to ping number `seq`.
bool is_pong(const transports::Message& m, u32 seq);

// Nanoseconds per round trip from `ticks` of a counter running at `hz` over `round_trips`
// of them: 0 when nothing was timed or the rate is unknown, else at least 1 and at most an
// SKB integer (skb::Value::kMaxInt), so that it is always a valid latency fact.
u64 round_trip_ns(u64 ticks, u32 round_trips, u64 hz);

// One side's pings on a channel: an untimed warm-up ping (so that a peer asleep between
// polls is awake), then `count` timed ones, one outstanding at a time. Inactive (count 0)
// until start().
struct PingClient {
    u32 count = 0;
    u32 sent = 0, answered = 0; // pings sent, and replies that answered them (right or wrong)
    u32 round_trips = 0;        // timed pings answered right
    u32 bad = 0;                // wrong replies and replies to nothing
    u64 c0 = 0;                 // the counter at the first timed ping
    u64 ticks = 0;              //   and from then to the last reply, once done

    void start(u32 n);
    bool active() const { return count != 0; }
    bool done() const { return active() && answered == count + 1; }
    // Sends the next ping if the last one was answered (and any are left); true if it sent.
    bool step(transports::Channel& ch, u64 counter_now);
    // Takes a reply of the ping interface; false if it was not the right one.
    bool on_reply(const transports::Message& m, u64 counter_now);
    u64 ns(u64 hz) const { return round_trip_ns(ticks, round_trips, hz); }
};

} // namespace mosaic::monitor
