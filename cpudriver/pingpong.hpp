// Round trips over the transports' channel interface with the ping interface's stubs: the
// boot core measures them to every other core of its node on the cores' boot channels, and
// node to node across the interconnect region (interconnect.cpp).
#pragma once

#include <mosaic/transports/channel.hpp>

namespace mosaic::cpudriver {

// How many timed round trips each measurement makes.
constexpr u32 kCorePingPongs = 500;
constexpr u32 kNodePingPongs = 200;

// Sends ping number `seq`; WouldBlock when the ring is full.
Status send_ping(transports::Channel& ch, u32 seq);
// True if m is the right reply to ping number `seq`.
bool is_pong(const transports::Message& m, u32 seq);
// Answers m if it is a ping request (the reply goes back on ch); Malformed if it is not.
Status answer_ping(transports::Channel& ch, const transports::Message& m);
// True if m belongs to the ping interface (request or reply).
bool is_ping_interface(const transports::Message& m);

// Nanoseconds per round trip, from the ISA's counter ticks `round_trips` of them took (0
// when the counter's rate is unknown or nothing was timed).
u64 round_trip_ns(u64 counter_ticks, u32 round_trips);

// One side's pings on a channel: an untimed warm-up ping (so that a peer halted between
// polls is awake), then `count` timed ones, one outstanding at a time.
struct PingClient {
    u32 count = 0;
    u32 sent = 0, answered = 0; // pings sent, and replies that answered them (right or wrong)
    u32 round_trips = 0;        // timed pings answered right
    u32 bad = 0;                // replies with the wrong sequence or payload, replies to nothing, other messages
    u64 c0 = 0;                 // the ISA's counter at the first timed ping
    u64 counter_ticks = 0;      //   and from then to the last reply, once done

    bool done() const { return answered == count + 1; }
    // Sends the next ping if the last one was answered (and any are left).
    void step(transports::Channel& ch);
    // Takes a reply of the ping interface.
    void on_reply(const transports::Message& m);
    u64 ns() const { return round_trip_ns(counter_ticks, round_trips); }
};

// Runs a PingClient on `client` until it is done or `give_up()` says stop; messages that are
// not ping replies count as bad. counter_ticks is set also when it gave up.
PingClient ping_pong(transports::Channel& client, u32 count, bool (*give_up)(void*), void* ctx);

} // namespace mosaic::cpudriver
