// URPC ping-pong boot tests over the transports' one channel interface and the ping
// interface's generated stubs: boot core to another core of the node, and node to node
// across the interconnect region. Boot-time tests of the foundation; the monitors own
// channel setup once they exist.
#pragma once

#include <mosaic/transports/channel.hpp>

namespace mosaic::cpudriver {

// How many round trips each test makes.
constexpr u32 kCorePingPongs = 1000;
constexpr u32 kNodePingPongs = 200;
// Slots in each one-way ring; a ring pair needs 2 * urpc_region_bytes(kPingSlots) bytes.
constexpr u32 kPingSlots = 16;

struct PingStats {
    u32 round_trips = 0; // replies received and checked
    u32 served = 0;      // requests answered for the peer
    u32 bad = 0;         // replies with the wrong sequence or payload
};

// Binds a channel to a pair of URPC rings (tx written here, rx read here).
Status bind_urpc(transports::Channel& ch, void* tx, void* rx);

// Runs one side: sends `count` pings on `client` (one outstanding at a time) and answers
// pings arriving on `server` until `serve` of them were answered, until both are done or
// `give_up()` says stop. Either channel may be null.
PingStats ping_pong(transports::Channel* client, u32 count, transports::Channel* server, u32 serve,
                    bool (*give_up)(void*), void* ctx);

} // namespace mosaic::cpudriver
