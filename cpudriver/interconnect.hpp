// The interconnect region between the nodes of a board: found over PCI (ivshmem),
// each node announces itself in its slot and waits to hear from every other node.
// Boot-time probe of the foundation; the monitors take this region over for channels.
#pragma once

#include <mosaic/board.hpp>
#include <mosaic/cpudriver/bootinfo.hpp>

namespace mosaic::cpudriver {

struct InterconnectResult {
    u64 base = 0, size = 0;
    u32 heard_mask = 0; // bit i: node i of the manifest announced itself
};

// Region layout: node i's 64-byte slot at offset 64 * i (little-endian fields):
//   +0 magic "MOSAICIC" (written last)  +8 isa  +12 cores  +16 name[16]  +32 boot core id
constexpr u64 kSlotSize = 64;
constexpr u64 kSlotMagic = 0x434943494153'4f4dull; // "MOSAICIC" as little-endian bytes

// Finds the region, announces node `self`, and waits (halting between polls) until all
// nodes are heard or `timeout_ticks` timer ticks pass. `ticks` reads the tick counter.
Result<InterconnectResult> interconnect_greet(const BootInfo& bi, const BoardProfile& board, u32 self,
                                              u64 timeout_ticks, u64 (*ticks)());

} // namespace mosaic::cpudriver
