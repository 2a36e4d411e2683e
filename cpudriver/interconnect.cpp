// The interconnect greeting (see interconnect.hpp).
#include "interconnect.hpp"

#include "pci.hpp"

#include <mosaic/cpudriver/arch.hpp>
#include <mosaic/mmio.hpp>

namespace mosaic::cpudriver {

namespace {
constexpr u16 kIvshmemVendor = 0x1af4, kIvshmemDevice = 0x1110;
constexpr u32 kIvshmemSharedBar = 2;

void write_slot(u64 slot, const BootInfo& bi, const NodeProfile& node) {
    mmio_write32(slot + 8, u32(bi.isa));
    mmio_write32(slot + 12, bi.core_count);
    for (u32 i = 0; i < 16; i += 4) mmio_write32(slot + 16 + i, load_le32(reinterpret_cast<const u8*>(node.name) + i));
    mmio_write64(slot + 32, bi.boot_core);
    arch::full_barrier(); // the fields are visible before the magic that publishes them
    mmio_write64(slot, kSlotMagic);
    arch::full_barrier();
}

u32 heard(u64 base, const BoardProfile& board) {
    u32 mask = 0;
    for (u32 i = 0; i < board.node_count; ++i) {
        u64 slot = base + kSlotSize * i;
        if (mmio_read64(slot) != kSlotMagic) continue;
        arch::full_barrier(); // read the magic before the fields it publishes
        if (mmio_read32(slot + 8) == u32(board.nodes[i].isa)) mask |= 1u << i;
    }
    return mask;
}
} // namespace

Result<InterconnectResult> interconnect_greet(const BootInfo& bi, const BoardProfile& board, u32 self,
                                              u64 timeout_ticks, u64 (*ticks)()) {
    Pci pci(bi.pci);
    PciFunction dev = TRY(pci.find(kIvshmemVendor, kIvshmemDevice));
    InterconnectResult r;
    r.base = TRY(pci.map_bar64(dev, kIvshmemSharedBar, r.size));
    if (r.size < board.interconnect || board.node_count * kSlotSize > r.size) return Error::OutOfRange;
    write_slot(r.base + kSlotSize * self, bi, board.nodes[self]);
    u32 all = (1u << board.node_count) - 1;
    u64 start = ticks();
    while ((r.heard_mask = heard(r.base, board)) != all && ticks() - start < timeout_ticks) arch::wait_for_interrupt();
    return r;
}

} // namespace mosaic::cpudriver
