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

struct PingStats {
    u32 round_trips = 0; // replies received and checked, the warm-up not counted
    u32 bad = 0;         // replies with the wrong sequence or payload, or other messages
    u64 counter_ticks = 0; // the ISA's counter from the first timed ping to the last reply
};

// Nanoseconds per round trip, from the ISA's counter ticks `round_trips` of them took (0
// when the counter's rate is unknown or nothing was timed).
u64 round_trip_ns(u64 counter_ticks, u32 round_trips);

// Sends one untimed warm-up ping (so that a peer halted between polls is awake), then
// `count` pings one at a time, until done or `give_up()` says stop.
PingStats ping_pong(transports::Channel& client, u32 count, bool (*give_up)(void*), void* ctx);

} // namespace mosaic::cpudriver
