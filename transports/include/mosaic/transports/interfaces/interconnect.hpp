// The interconnect interface: what the boot cores of two nodes say to each other over the
// URPC channel between them in the interconnect region. Each node greets every other node,
// measures the round trip to it (the ping interface, on the same channel), shares the round
// trips it measured as SKB latency facts, and says when it has nothing more to say. Core
// numbers are the board's (skb/FACTS.md). Each message fits one frame.
#pragma once

#include <mosaic/transports/interface.hpp>

namespace mosaic::ifaces::interconnect {
using NodeName = transports::FixedString<16>; // the board profile's node name, zero-padded
} // namespace mosaic::ifaces::interconnect

// clang-format off
#define MOSAIC_INTERCONNECT_INTERFACE(IFACE, MESSAGE, RPC, EVENT, F)                         \
    IFACE(interconnect, 0x0005)                                                             \
    MESSAGE(hello_message, 1, F(u32, node) F(u32, isa) F(u32, cores) F(u32, boot_core)      \
                              F(u64, boot_hw_id) F(NodeName, name))                         \
    MESSAGE(latency_message, 2, F(u32, from_core) F(u32, to_core) F(u64, ns))               \
    /* the sender's pings are done and it sent `facts` latency messages before this one */  \
    MESSAGE(done_message, 3, F(u32, node) F(u32, facts))                                    \
    EVENT(hello, hello_message)                                                             \
    EVENT(latency, latency_message)                                                         \
    EVENT(done, done_message)
// clang-format on

namespace mosaic::ifaces::interconnect {
using namespace mosaic;
MOSAIC_DEFINE_INTERFACE(MOSAIC_INTERCONNECT_INTERFACE)
} // namespace mosaic::ifaces::interconnect
