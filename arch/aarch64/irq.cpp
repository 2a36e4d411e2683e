// aarch64 device interrupts: the GICv2 distributor (boot core) and CPU interface (every
// core), and the PL011 console's receive interrupt (GICv2 spec ch. 4; PL011 TRM 3.3),
// with addresses and interrupt numbers from the device tree.
#include "frame.hpp"

#include <mosaic/cpudriver/arch.hpp>
#include <mosaic/mmio.hpp>

namespace mosaic::arch {

namespace {
using aarch64::g_platform;

constexpr u32 kGicdCtlr = 0x000, kGicdTyper = 0x004, kGicdIsenabler = 0x100, kGicdIcenabler = 0x180,
              kGicdIpriority = 0x400, kGicdItargets = 0x800, kGicdIcfgr = 0xc00;
constexpr u32 kGicdSgir = 0xf00;
constexpr u32 kGiccCtlr = 0x000, kGiccPmr = 0x004, kGiccEoir = 0x010;
constexpr u32 kDoorbellSgi = aarch64::kDoorbellIntid; // trap.cpp's handle_irq reports it
constexpr u32 kUartFr = 0x18, kUartImsc = 0x38, kUartIcr = 0x44;
constexpr u32 kUartRxfe = 1u << 4, kUartRxim = 1u << 4, kUartRtim = 1u << 6;
constexpr u8 kDevicePriority = 0xa0; // below the timer's 0x80, above the mask of 0xff

u32 g_lines = 0; // INTIDs the distributor implements (GICD_TYPER), set by the boot core

Result<Dtb> device_tree() {
    const u8* blob = core_state()->boot->dtb;
    if (!blob) return Error::NotFound;
    return Dtb::parse(blob, 1u << 20);
}

// A shared peripheral interrupt this distributor has (the only kind handed to on_irq).
bool is_spi(u32 intid) { return intid >= 32 && intid < g_lines && intid < 1020; }

void set_enabled(u32 intid, bool on) {
    if (!is_spi(intid)) return;
    mmio_write32(g_platform.gicd + (on ? kGicdIsenabler : kGicdIcenabler) + 4 * (intid / 32), 1u << (intid % 32));
}

} // namespace

Status irq_init(bool boot_core) {
    auto dtb = TRY(device_tree());
    auto gic = dtb.find_compatible("arm,cortex-a15-gic"); // GICv2 (a GICv3 is "arm,gic-v3": not handled)
    if (!gic.ok()) return Error::Unsupported;
    auto dist = TRY(dtb.reg(*gic, 0));
    auto cpu = TRY(dtb.reg(*gic, 1));
    if (dist.base != g_platform.gicd || cpu.base != g_platform.gicc) return Error::Malformed;
    if (boot_core) {
        g_lines = 32 * ((mmio_read32(g_platform.gicd + kGicdTyper) & 0x1f) + 1);
        // Every SPI off until routed; this core's SGIs and PPIs (the timer) are left as they are.
        for (u32 n = 32; n < g_lines; n += 32) mmio_write32(g_platform.gicd + kGicdIcenabler + n / 8, 0xffffffffu);
        mmio_write32(g_platform.gicd + kGicdCtlr, 1);
    }
    // The doorbell SGI, enabled and prioritised in this CPU interface's banked registers.
    mmio_write8(g_platform.gicd + kGicdIpriority + kDoorbellSgi, kDevicePriority);
    mmio_write32(g_platform.gicd + kGicdIsenabler, 1u << kDoorbellSgi);
    mmio_write32(g_platform.gicc + kGiccPmr, 0xff); // accept every priority
    mmio_write32(g_platform.gicc + kGiccCtlr, 1);
    return {};
}

Result<u32> console_rx_irq_enable() {
    auto dtb = TRY(device_tree());
    auto uart = TRY(dtb.find_compatible("arm,pl011"));
    auto gic = TRY(dtb.find_compatible("arm,cortex-a15-gic"));
    auto cells = TRY(dtb.prop(gic, "#interrupt-cells"));
    auto irqs = TRY(dtb.prop(uart, "interrupts"));
    // Three cells: type (0 SPI, 1 PPI), number, flags (1 edge rising, 4 level high).
    if (cells.cell(0) != 3 || irqs.len < 12 || irqs.cell(0) != 0) return Error::Unsupported;
    u32 intid = 32 + irqs.cell(1);
    if (!is_spi(intid)) return Error::OutOfRange;
    bool edge = (irqs.cell(2) & 0xf) == 1;
    u64 d = g_platform.gicd;
    set_enabled(intid, false);
    u32 cfg = mmio_read32(d + kGicdIcfgr + 4 * (intid / 16));
    u32 bit = 2u << (2 * (intid % 16));
    mmio_write32(d + kGicdIcfgr + 4 * (intid / 16), edge ? cfg | bit : cfg & ~bit);
    mmio_write8(d + kGicdIpriority + intid, kDevicePriority);
    // ITARGETSR0-7 read as this CPU interface's own bit: route the SPI to this core.
    mmio_write8(d + kGicdItargets + intid, mmio_read8(d + kGicdItargets));
    // The PL011: stale bytes dropped and interrupts cleared, then receive and receive timeout on.
    for (u8 b; console_read(b);) {}
    mmio_write32(g_platform.uart + kUartIcr, 0x7ff);
    mmio_write32(g_platform.uart + kUartImsc, mmio_read32(g_platform.uart + kUartImsc) | kUartRxim | kUartRtim);
    set_enabled(intid, true);
    return intid;
}

// ITARGETSR0-7 read as this CPU interface's own bit (GICv2 4.3.12; some GICs leave the
// SGI bytes zero, so the first non-zero byte counts); GICD_SGIR sends the SGI to the
// interfaces in its target list (bits 23:16, filter 0: the list).
u64 doorbell_id() {
    for (u32 i = 0; i < 32; ++i)
        if (u8 mask = mmio_read8(g_platform.gicd + kGicdItargets + i)) return mask;
    return 0; // a GIC with one CPU interface: nobody to ring us
}
void doorbell_ring(u64 id) {
    arch::full_barrier(); // the message the doorbell announces is visible first
    mmio_write32(g_platform.gicd + kGicdSgir, (u32(id & 0xff) << 16) | kDoorbellSgi);
}

void irq_mask(u32 irq) { set_enabled(irq, false); }
void irq_unmask(u32 irq) { set_enabled(irq, true); }

bool console_read(u8& out) {
    if (mmio_read32(g_platform.uart + kUartFr) & kUartRxfe) return false;
    out = u8(mmio_read32(g_platform.uart)); // DR: the byte, error flags above it
    return true;
}

} // namespace mosaic::arch

bool mosaic::aarch64::irq_handle(u32 iar) {
    u32 intid = iar & 0x3ff;
    if (!arch::is_spi(intid)) return false;
    arch::set_enabled(intid, false);
    mmio_write32(g_platform.gicc + arch::kGiccEoir, iar);
    cpudriver::on_irq(intid);
    return true;
}
