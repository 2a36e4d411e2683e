// Finding the interconnect region (see interconnect.hpp).
#include "interconnect.hpp"

#include "pci.hpp"

namespace mosaic::cpudriver {

namespace {
constexpr u32 kIvshmemSharedBar = 2;
alignas(64) u8 g_talk[16 * 1024]; // the boot core's conversation state (node_talk_bytes())
} // namespace

Result<InterconnectResult> interconnect_talk(const BootInfo& bi, const BoardProfile& board, NodeSelf self,
                                             Result<transports::Route> (*route)(u32, u32), u64 timeout_ticks,
                                             u64 (*ticks)(), skb::LatencyFact* facts, u32* n, u32 cap) {
    Pci pci(bi.pci);
    PciFunction dev = TRY(pci.find(kIvshmemVendor, kIvshmemDevice));
    u64 size = 0;
    u64 base = TRY(pci.map_bar64(dev, kIvshmemSharedBar, size));
    if (size < board.interconnect || size < kNodeRingsBytes) return Error::OutOfRange;
    NodeTalk* t = node_talk_state(g_talk, sizeof g_talk);
    if (!t) return Error::NoMemory;
    NodeTalkArgs a{.board = &board, .self = self, .isa = bi.isa, .cores = bi.core_count, .boot_hw_id = bi.boot_core,
                   .route = route, .timeout_ticks = timeout_ticks, .ticks = ticks};
    InterconnectResult r = talk_to_nodes(*t, reinterpret_cast<u8*>(uptr(base)), a, facts, n, cap);
    r.base = base;
    r.size = size;
    return r;
}

} // namespace mosaic::cpudriver
