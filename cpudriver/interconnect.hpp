// The interconnect region between the nodes of a board, found over PCI (ivshmem), and the
// boot cores' first conversation over it (node_talk.hpp). The monitors take the region over
// later.
#pragma once

#include "node_talk.hpp"

#include <mosaic/board.hpp>
#include <mosaic/cpudriver/bootinfo.hpp>

namespace mosaic::cpudriver {

// The PCI function that maps the region: QEMU's ivshmem-plain (Red Hat's vendor id).
constexpr u16 kIvshmemVendor = 0x1af4, kIvshmemDevice = 0x1110;

// Finds the region on PCI and talks to every other node over it (talk_to_nodes, with the
// SKB's `route`, `ticks` the tick counter); *n counts the facts in facts[0..cap).
Result<InterconnectResult> interconnect_talk(const BootInfo& bi, const BoardProfile& board, NodeSelf self,
                                             Result<transports::Route> (*route)(u32, u32), u64 timeout_ticks,
                                             u64 (*ticks)(), skb::LatencyFact* facts, u32* n, u32 cap);

} // namespace mosaic::cpudriver
