// aarch64 device interrupts: the GIC (v2: distributor and memory-mapped CPU interface, GICv2
// spec ch. 4; v3: distributor with affinity routing, one redistributor per core and the
// system-register CPU interface, GICv3 spec ch. 12) and the PL011 console's receive
// interrupt (PL011 TRM 3.3), with addresses and interrupt numbers from the device tree.
// Every interrupt is in group 1 (signalled as IRQ); the GIC version is the tree's.
// Without a GIC, the Raspberry Pi 2/3's controllers (BCM2836 "ARM local peripherals"
// QA7 rev 3.4 ch. 4; BCM2835 peripherals ch. 7): per-core timer and mailbox interrupts in
// the local controller, the GPU's interrupts (the UARTs') in the armctrl behind its line.
#include "frame.hpp"

#include <mosaic/cpudriver/arch.hpp>
#include <mosaic/mmio.hpp>
#include <mosaic/uart.hpp>

#define MOSAIC_SYSREG_WRITE_SYNC(name, v) asm volatile("msr " #name ", %0\n isb" ::"r"(u64(v)) : "memory")

namespace mosaic::arch {

namespace {
using aarch64::g_platform;

constexpr u32 kGicdCtlr = 0x000, kGicdTyper = 0x004, kGicdIgroupr = 0x080, kGicdIsenabler = 0x100,
              kGicdIcenabler = 0x180, kGicdIpriority = 0x400, kGicdItargets = 0x800, kGicdIcfgr = 0xc00;
constexpr u32 kGicdSgir = 0xf00, kGicdIrouter = 0x6000;
constexpr u32 kGicdCtlrRwp = 1u << 31, kGicdCtlrAre = 1u << 4, kGicdCtlrGrp1 = 1u << 1;
constexpr u32 kGiccCtlr = 0x000, kGiccPmr = 0x004, kGiccIar = 0x00c, kGiccEoir = 0x010;
// GICv3 redistributor: RD_base frame, then the SGI_base frame 64 KiB above it.
constexpr u32 kGicrTyper = 0x008, kGicrWaker = 0x014, kGicrSgi = 0x10000;
constexpr u32 kGicrWakerSleep = 1u << 1, kGicrWakerAsleep = 1u << 2;
constexpr u32 kDoorbellSgi = aarch64::kDoorbellIntid; // trap.cpp's handle_irq reports it
constexpr u32 kUartImsc = 0x38, kUartIcr = 0x44; // PL011
constexpr u32 kUartRxim = 1u << 4, kUartRtim = 1u << 6;
constexpr u8 kDevicePriority = 0xa0; // below the timer's 0x80, above the mask of 0xff

u32 g_lines = 0; // INTIDs the distributor implements (GICD_TYPER), set by the boot core

// BCM2836 local controller: GPU interrupt routing, per-core timer and mailbox interrupt
// control, per-core interrupt source, mailbox set and read-to-clear (core n, mailbox m).
constexpr u32 kLocGpuRouting = 0x0c, kLocTimerCtl = 0x40, kLocMailboxCtl = 0x50, kLocSource = 0x60;
constexpr u32 kLocMailboxSet = 0x80, kLocMailboxClear = 0xc0;
constexpr u32 kLocCntv = 1u << 3, kLocMailbox0 = 1u << 4, kLocGpu = 1u << 8;
// armctrl, by bank (0 basic, 1 and 2 the GPU's): pending, enable (set), disable (clear).
constexpr u32 kArmPending[3] = {0x00, 0x04, 0x08}, kArmEnable[3] = {0x18, 0x10, 0x14}, kArmDisable[3] = {0x24, 0x1c, 0x20};
u32 g_bcm_enabled[3] = {}; // what we enabled per bank (the pending registers show raw lines)

bool bcm() { return !g_platform.gic_version && g_platform.local_intc; }
u32 bcm_core() { return u32(core_state()->hw_id & 0xff); } // MPIDR Aff0: 0-3

Result<Dtb> device_tree() {
    const u8* blob = core_state()->boot->dtb;
    if (!blob) return Error::NotFound;
    return Dtb::parse(blob, 1u << 20);
}

bool v3() { return g_platform.gic_version == 3; }

// A shared peripheral interrupt this distributor has (the only kind handed to on_irq).
bool is_spi(u32 intid) {
    if (bcm()) return g_platform.armctrl && intid >= aarch64::kBcmFirstIntid && intid < aarch64::kBcmFirstIntid + aarch64::kBcmIntids;
    return intid >= 32 && intid < g_lines && intid < 1020;
}

void set_enabled(u32 intid, bool on) {
    if (!is_spi(intid)) return;
    if (bcm()) {
        u32 bank = (intid - aarch64::kBcmFirstIntid) / 32, bit = 1u << (intid % 32);
        if (on) __atomic_fetch_or(&g_bcm_enabled[bank], bit, __ATOMIC_RELAXED);
        else __atomic_fetch_and(&g_bcm_enabled[bank], ~bit, __ATOMIC_RELAXED);
        mmio_write32(g_platform.armctrl + (on ? kArmEnable[bank] : kArmDisable[bank]), bit);
        return;
    }
    mmio_write32(g_platform.gicd + (on ? kGicdIsenabler : kGicdIcenabler) + 4 * (intid / 32), 1u << (intid % 32));
}

void distributor_settle() {
    for (u32 i = 0; i < 1000000 && (mmio_read32(g_platform.gicd + kGicdCtlr) & kGicdCtlrRwp); ++i) {}
}

// This core's redistributor (GICv3): the frame whose GICR_TYPER affinity (bits 63:32,
// Aff3.Aff2.Aff1.Aff0) is this core's MPIDR affinity; frames are 128 KiB apart (256 KiB
// with virtual LPIs, TYPER.VLPIS), the last one says so (TYPER.Last). 0 if none matches.
u64 redistributor() {
    u64 mpidr = core_state()->hw_id;
    u32 aff = u32((mpidr & 0xffffff) | ((mpidr >> 8) & 0xff000000));
    u64 r = g_platform.gicr;
    for (u32 i = 0; r && i < 1024; ++i) {
        u64 typer = mmio_read32(r + kGicrTyper) | u64(mmio_read32(r + kGicrTyper + 4)) << 32;
        if (u32(typer >> 32) == aff) return r;
        if (typer & (1u << 4)) break;
        r += (typer & (1u << 1)) ? 0x40000 : 0x20000;
    }
    return 0;
}

} // namespace

Status irq_init(bool boot_core) {
    if (bcm()) { // every GPU interrupt off until routed; this core's mailbox 0 is its doorbell
        if (boot_core && g_platform.armctrl)
            for (u32 bank = 0; bank < 3; ++bank) mmio_write32(g_platform.armctrl + kArmDisable[bank], 0xffffffffu);
        mmio_write32(g_platform.local_intc + kLocMailboxClear + 16 * bcm_core(), 0xffffffffu);
        aarch64::gic_enable_private(kDoorbellSgi, kDevicePriority);
        return {};
    }
    if (!g_platform.gic_version) return Error::Unsupported; // no GIC the reader knows in the tree
    u64 d = g_platform.gicd;
    if (boot_core) {
        g_lines = 32 * ((mmio_read32(d + kGicdTyper) & 0x1f) + 1);
        // Every SPI off until routed (GICv3: and in group 1, as the GICv2 code leaves the
        // groups as they are); this core's SGIs and PPIs are its own.
        for (u32 n = 32; n < g_lines; n += 32) {
            mmio_write32(d + kGicdIcenabler + n / 8, 0xffffffffu);
            if (v3()) mmio_write32(d + kGicdIgroupr + n / 8, 0xffffffffu);
        }
        if (v3()) {
            mmio_write32(d + kGicdCtlr, kGicdCtlrAre); // affinity routing first, then the group
            distributor_settle();
            mmio_write32(d + kGicdCtlr, kGicdCtlrAre | kGicdCtlrGrp1);
            distributor_settle();
        } else {
            mmio_write32(d + kGicdCtlr, 1);
        }
    }
    if (v3()) { // this core's redistributor awake, or its interrupts would never arrive
        u64 r = redistributor();
        if (!r) return Error::NotFound;
        mmio_write32(r + kGicrWaker, mmio_read32(r + kGicrWaker) & ~kGicrWakerSleep);
        for (u32 i = 0; i < 1000000 && (mmio_read32(r + kGicrWaker) & kGicrWakerAsleep); ++i) {}
    }
    // The doorbell SGI, enabled and prioritised in this core's banked registers.
    aarch64::gic_enable_private(kDoorbellSgi, kDevicePriority);
    aarch64::gic_cpu_on();
    return {};
}

Result<u32> console_rx_irq_enable() {
    auto dtb = TRY(device_tree());
    auto uart = TRY(dtb.console_node(uart::kCompatibles)); // the one platform.cpp chose
    auto irqs = TRY(dtb.prop(uart, "interrupts"));
    u32 intid;
    if (bcm()) { // two cells, the armctrl's: bank and bit; the GPU's line routed to this core
        if (irqs.len < 8 || irqs.cell(0) > 2 || irqs.cell(1) > 31) return Error::Unsupported;
        intid = aarch64::kBcmFirstIntid + 32 * irqs.cell(0) + irqs.cell(1);
        if (!is_spi(intid)) return Error::OutOfRange;
        set_enabled(intid, false);
        mmio_write32(g_platform.local_intc + kLocGpuRouting, bcm_core()); // IRQ (not FIQ) to this core
    } else {
        // Three cells (both GIC bindings): type (0 SPI, 1 PPI), number, flags (1 edge rising,
        // 4 level high).
        if (irqs.len < 12 || irqs.cell(0) != 0) return Error::Unsupported;
        intid = 32 + irqs.cell(1);
        if (!is_spi(intid)) return Error::OutOfRange;
        bool edge = (irqs.cell(2) & 0xf) == 1;
        u64 d = g_platform.gicd;
        set_enabled(intid, false);
        u32 cfg = mmio_read32(d + kGicdIcfgr + 4 * (intid / 16));
        u32 bit = 2u << (2 * (intid % 16));
        mmio_write32(d + kGicdIcfgr + 4 * (intid / 16), edge ? cfg | bit : cfg & ~bit);
        mmio_write8(d + kGicdIpriority + intid, kDevicePriority);
        if (v3()) { // routed to this core by affinity (Aff3 at bits 39:32, as in MPIDR)
            u64 route = core_state()->hw_id & 0xff00ffffffull;
            mmio_write32(d + kGicdIrouter + 8 * intid, u32(route));
            mmio_write32(d + kGicdIrouter + 8 * intid + 4, u32(route >> 32));
        } else { // ITARGETSR0-7 read as this CPU interface's own bit
            mmio_write8(d + kGicdItargets + intid, mmio_read8(d + kGicdItargets));
        }
    }
    for (u8 b; console_read(b);) {} // stale bytes dropped
    if (g_platform.uart_kind == kConsolePl011) { // interrupts cleared, then receive and receive timeout on
        mmio_write32(g_platform.uart + kUartIcr, 0x7ff);
        mmio_write32(g_platform.uart + kUartImsc, mmio_read32(g_platform.uart + kUartImsc) | kUartRxim | kUartRtim);
    } else { // an 8250: IER (register 1), received data available
        uart::reg_write(g_platform.uart_kind, g_platform.uart, 1, uart::reg_read(g_platform.uart_kind, g_platform.uart, 1) | 1);
    }
    set_enabled(intid, true);
    return intid;
}

// GICv2: ITARGETSR0-7 read as this CPU interface's own bit (GICv2 4.3.12; some GICs leave
// the SGI bytes zero, so the first non-zero byte counts); GICD_SGIR sends the SGI to the
// interfaces in its target list (bits 23:16, filter 0: the list). GICv3: the core's
// affinity, and ICC_SGI1R_EL1 names it (Aff3, Aff2, Aff1, the range of 16 Aff0 values
// and the bit of Aff0 in it).
u64 doorbell_id() {
    if (bcm()) return 1u << bcm_core(); // (a mask, as on GICv2: never 0)
    if (v3()) return core_state()->hw_id;
    for (u32 i = 0; i < 32; ++i)
        if (u8 mask = mmio_read8(g_platform.gicd + kGicdItargets + i)) return mask;
    return 0; // a GIC with one CPU interface: nobody to ring us
}
void doorbell_ring(u64 id) {
    arch::full_barrier(); // the message the doorbell announces is visible first
    if (bcm()) {
        if (id && id < (1u << 4)) mmio_write32(g_platform.local_intc + kLocMailboxSet + 16 * __builtin_ctzll(id), 1);
        return;
    }
    if (v3()) {
        u64 aff0 = id & 0xff, aff1 = (id >> 8) & 0xff, aff2 = (id >> 16) & 0xff, aff3 = (id >> 32) & 0xff;
        u64 sgi = aff3 << 48 | (aff0 / 16) << 44 | aff2 << 32 | u64(kDoorbellSgi) << 24 | aff1 << 16 | 1u << (aff0 % 16);
        MOSAIC_SYSREG_WRITE_SYNC(S3_0_C12_C11_5, sgi); // ICC_SGI1R_EL1
        return;
    }
    mmio_write32(g_platform.gicd + kGicdSgir, (u32(id & 0xff) << 16) | kDoorbellSgi);
}

void irq_mask(u32 irq) { set_enabled(irq, false); }
void irq_unmask(u32 irq) { set_enabled(irq, true); }

bool console_read(u8& out) { return g_platform.uart && uart::get(g_platform.uart_kind, g_platform.uart, out); }

} // namespace mosaic::arch

namespace mosaic::aarch64 {

u32 gic_ack() {
    if (arch::bcm()) { // what this core's local controller says is pending, one at a time
        const u64 local = g_platform.local_intc;
        const u32 core = arch::bcm_core(), src = mmio_read32(local + arch::kLocSource + 4 * core);
        if (src & arch::kLocMailbox0) { // read-to-clear: the bits read are the bits cleared
            mmio_write32(local + arch::kLocMailboxClear + 16 * core, mmio_read32(local + arch::kLocMailboxClear + 16 * core));
            return kDoorbellIntid;
        }
        if (src & arch::kLocCntv) return g_platform.timer_intid;
        if ((src & arch::kLocGpu) && g_platform.armctrl)
            for (u32 bank = 0; bank < 3; ++bank)
                if (u32 p = mmio_read32(g_platform.armctrl + arch::kArmPending[bank]) & __atomic_load_n(&arch::g_bcm_enabled[bank], __ATOMIC_RELAXED))
                    return kBcmFirstIntid + 32 * bank + u32(__builtin_ctz(p));
        return 1023;
    }
    if (arch::v3()) return u32(MOSAIC_SYSREG_READ(S3_0_C12_C12_0)); // ICC_IAR1_EL1
    return g_platform.gicc ? mmio_read32(g_platform.gicc + arch::kGiccIar) : 1023;
}

void gic_eoi(u32 iar) {
    if (arch::v3()) {
        MOSAIC_SYSREG_WRITE_SYNC(S3_0_C12_C12_1, iar); // ICC_EOIR1_EL1
    } else if (g_platform.gicc) {
        mmio_write32(g_platform.gicc + arch::kGiccEoir, iar);
    }
}

// SGIs and PPIs live in the redistributor's SGI frame on GICv3, in the distributor's banked
// registers on GICv2; the layout of the registers is the same.
void gic_enable_private(u32 intid, u8 priority) {
    if (arch::bcm()) { // the virtual timer's IRQ or mailbox 0's, in this core's control registers
        const u64 at = g_platform.local_intc + 4 * arch::bcm_core();
        if (intid == g_platform.timer_intid) mmio_write32(at + arch::kLocTimerCtl, mmio_read32(at + arch::kLocTimerCtl) | arch::kLocCntv);
        if (intid == kDoorbellIntid) mmio_write32(at + arch::kLocMailboxCtl, mmio_read32(at + arch::kLocMailboxCtl) | 1);
        return;
    }
    u64 base = arch::v3() ? arch::redistributor() : g_platform.gicd;
    if (!base || intid >= 32) return;
    if (arch::v3()) { // group 1 (RAZ/WI where the secure side owns the groups)
        base += arch::kGicrSgi;
        mmio_write32(base + arch::kGicdIgroupr, 0xffffffffu);
    }
    mmio_write8(base + arch::kGicdIpriority + intid, priority);
    mmio_write32(base + arch::kGicdIsenabler, 1u << intid);
}

void gic_cpu_on() {
    if (arch::v3()) {
        MOSAIC_SYSREG_WRITE_SYNC(S3_0_C12_C12_5, MOSAIC_SYSREG_READ(S3_0_C12_C12_5) | 1); // ICC_SRE_EL1.SRE
        MOSAIC_SYSREG_WRITE_SYNC(S3_0_C4_C6_0, 0xff);                                    // ICC_PMR_EL1
        MOSAIC_SYSREG_WRITE_SYNC(S3_0_C12_C12_3, 0);                                     // ICC_BPR1_EL1
        MOSAIC_SYSREG_WRITE_SYNC(S3_0_C12_C12_7, 1);                                     // ICC_IGRPEN1_EL1
    } else if (g_platform.gicc) {
        mmio_write32(g_platform.gicc + arch::kGiccPmr, 0xff); // accept every priority
        mmio_write32(g_platform.gicc + arch::kGiccCtlr, 1);
    }
}

bool irq_handle(u32 iar) {
    u32 intid = iar & 0x3ff;
    if (!arch::is_spi(intid)) return false;
    arch::set_enabled(intid, false);
    gic_eoi(iar);
    cpudriver::on_irq(intid);
    return true;
}

} // namespace mosaic::aarch64
