// The SKB on the board: the boot core loads the board's facts and the rule files into
// the SKB engine and prints the digest of the standard answers, which the boot test
// compares with the answers the host computes from the same manifest. Then it adds the
// facts it discovered and measured at boot, which differ per run and are checked in the
// guest instead, and keeps all the facts as text for the SKB server in user mode.
#pragma once

#include "selftest.hpp"

#include <mosaic/board.hpp>
#include <mosaic/cpudriver/bootinfo.hpp>
#include <mosaic/skb/facts.hpp>
#include <mosaic/transports/route.hpp>

namespace mosaic::cpudriver {

void test_skb(SelfTest& t, const BoardProfile& board);

// What the boot core found and measured, as the SKB's facts take it. Cores are the board's
// numbers (skb/FACTS.md).
struct SkbDiscovery {
    static constexpr u32 kMaxLatencies = 64;
    u32 node = 0;      // this node's index in the board
    u32 boot_core = 0; // this core
    u32 mc_root = 0;   // the root of the board's multicast tree: node 0's boot core
    skb::LatencyFact latencies[kMaxLatencies]; // round trips measured on the board, by this core first
    u32 latency_count = 0;
    u64 region_base = 0, region_size = 0; // the interconnect region found on PCI (size 0: none)
};

// The route between two of the board's cores, as the SKB answers transport/3 (loaded by
// test_skb); NotFound before the SKB is up or when it has no answer.
Result<transports::Route> skb_route(u32 from, u32 to);

// Loads the discovered and measured facts on top of the board's, prints "SKB discovered
// ..." and checks the answers that depend on them; prints every measured fact ("SKB fact
// latency(...).") and the multicast tree over every core of the board from its root ("SKB
// multicast root ..."), which the runner compares with the host's answer for the same facts.
void test_skb_discovered(SelfTest& t, const BootInfo& bi, const BoardProfile& board, const SkbDiscovery& found);
void test_skb_multicast(SelfTest& t, const BoardProfile& board, const SkbDiscovery& found);

// For the SKB server: every fact the boot core loaded, as SKB text, and its standard
// answers (their digest and lines), or an empty text if the SKB failed at boot.
struct SkbBootFacts {
    const char* text;
    usize len;
    u64 digest;
    u32 lines;
};
SkbBootFacts skb_boot_facts();

} // namespace mosaic::cpudriver
