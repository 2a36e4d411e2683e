// The SKB on the board: the boot core loads the board's facts and the rule files into
// the SKB engine and prints the digest of the standard answers, which the boot test
// compares with the answers the host computes from the same manifest. Then it adds the
// facts it discovered and measured at boot, which differ per run and are checked in the
// guest instead, and keeps all the facts as text for the SKB server in user mode.
#pragma once

#include "selftest.hpp"

#include <mosaic/board.hpp>
#include <mosaic/cpudriver/bootinfo.hpp>

namespace mosaic::cpudriver {

void test_skb(SelfTest& t, const BoardProfile& board);

// What the boot core found and measured, as the SKB's facts take it.
struct SkbDiscovery {
    u32 node = 0;                         // this node's index in the board
    u32 peer = ~0u;                       // the core (index in BootInfo) it played URPC ping-pong with
    u64 round_trip_ns = 0;                // ... and the round trip measured (0: not measured)
    u64 region_base = 0, region_size = 0; // the interconnect region found on PCI (size 0: none)
};

// Loads the discovered and measured facts on top of the board's, prints "SKB discovered
// ..." and checks the answers that depend on them.
void test_skb_discovered(SelfTest& t, const BootInfo& bi, const BoardProfile& board, const SkbDiscovery& found);

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
