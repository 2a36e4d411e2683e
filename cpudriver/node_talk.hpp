// The boot cores' conversation over the interconnect region, apart from finding the region:
// every node binds a URPC channel to every other node on the route the SKB gives, greets
// it, measures the round trip to it, and shares the round trips it measured (as SKB latency
// facts) with every node, so that every node's SKB ends up with the same measured facts.
// Hardware-neutral and host-tested (tests/unit/cpudriver/test_node_talk.cpp).
#pragma once

#include "pingpong.hpp"

#include <mosaic/board.hpp>
#include <mosaic/skb/facts.hpp>
#include <mosaic/transports/route.hpp>

namespace mosaic::cpudriver {

// Region layout: one 4 KiB page per ordered (writer, reader) pair of nodes, holding the
// one-way URPC ring from the writer to the reader, at offset
// (writer * BoardProfile::kMaxNodes + reader) * kNodeRingStride. A zeroed region is a set of
// empty rings (the runner zeroes it for every boot).
constexpr u64 kNodeRingStride = 0x1000;
constexpr u32 kNodeRingSlots = 32;
constexpr u64 kNodeRingsBytes = u64(BoardProfile::kMaxNodes) * BoardProfile::kMaxNodes * kNodeRingStride;

// What this node says and hears, and what the conversation measured.
struct InterconnectResult {
    u64 base = 0, size = 0;
    u32 bound_mask = 0;  // bit i: a channel to node i is bound
    u32 heard_mask = 0;  // bit i: node i greeted us (and is the node the manifest says)
    u32 done_mask = 0;   // bit i: node i finished: its pings are done and its facts sent
    u32 round_trips[BoardProfile::kMaxNodes] = {}; // our pings node i answered right
    u32 served[BoardProfile::kMaxNodes] = {};      // its pings we answered (its warm-up ping included)
    u32 bad = 0;         // wrong replies, refused or malformed messages, inconsistent facts
    u64 ns[BoardProfile::kMaxNodes] = {};          // measured round trip to node i (0: none)
    u32 boot_core[BoardProfile::kMaxNodes] = {};   // the board's number of node i's boot core
};

// How this node is known: its index, and the board's number of its boot core.
struct NodeSelf {
    u32 node = 0;
    u32 boot_core = 0;
};

// Who this node is and how it decides and tells time.
struct NodeTalkArgs {
    const BoardProfile* board = nullptr;
    NodeSelf self;
    Isa isa = Isa::X86_64;
    u32 cores = 0;       // cores this node found
    u64 boot_hw_id = 0;  // what the hardware calls this core
    Result<transports::Route> (*route)(u32 from, u32 to) = nullptr; // the SKB's route between board cores
    u64 timeout_ticks = 0;
    u64 (*ticks)() = nullptr;
};

struct NodeTalk; // the conversation's state: large, so the caller keeps it (node_talk.cpp)
NodeTalk* node_talk_state(void* memory, usize bytes); // placement in memory of node_talk_bytes()
usize node_talk_bytes();

// Talks to every other node over the rings at `region` (kNodeRingsBytes of it) until every
// node we can hear from is done or the timeout passes. The round trips this node measured
// before (facts[0..*n), to cores of its own node) go to the other nodes too; the node-to-node
// round trips it measures and those the other nodes send are appended (up to cap).
InterconnectResult talk_to_nodes(NodeTalk& t, u8* region, const NodeTalkArgs& a, skb::LatencyFact* facts, u32* n,
                                 u32 cap);

} // namespace mosaic::cpudriver
