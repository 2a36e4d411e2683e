// aarch64 boot: device addresses from the device tree, the PL011 console (semihosting until
// the tree names one: the QEMU boards enable it; a board without it has its PL011), power off
// through semihosting (PSCI SYSTEM_OFF as fallback), and the hand-over to the CPU driver.
#include "frame.hpp"

#include <mosaic/cpudriver/arch.hpp>
#include <mosaic/mmio.hpp>

namespace mosaic::aarch64 {
Platform g_platform;
}

namespace mosaic::arch {

using aarch64::g_platform;

void console_write(const char* s, usize n) {
    for (usize i = 0; i < n; ++i) {
        if (s[i] == '\n') console_write("\r", 1);
        if (!g_platform.uart) { // the device tree named none (or was unusable): semihosting
            register u64 x0 asm("x0") = 0x03; // SYS_WRITEC
            register u64 x1 asm("x1") = u64(uptr(&s[i]));
            asm volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
            continue;
        }
        while (mmio_read32(g_platform.uart + 0x18) & (1u << 5)) {} // FR.TXFF: transmit FIFO full
        mmio_write32(g_platform.uart, u8(s[i]));
    }
}

ConsoleDevice console_device() { return {g_platform.uart ? kConsolePl011 : kConsoleNone, g_platform.uart}; }
u32 io_port_read(u16, u32) { return ~0u; } // no I/O ports
void io_port_write(u16, u32, u32) {}

void full_barrier() { asm volatile("dsb sy" ::: "memory"); }

// DC CVAC by line to the point of coherency (Arm ARM D7.5.9); CTR_EL0.DminLine gives the line size.
void clean_dcache(const void* p, usize n) {
    u64 line = 4u << ((MOSAIC_SYSREG_READ(ctr_el0) >> 16) & 0xf);
    for (u64 a = u64(uptr(p)) & ~(line - 1); a < u64(uptr(p)) + n; a += line) asm volatile("dc cvac, %0" ::"r"(a) : "memory");
    asm volatile("dsb sy" ::: "memory");
}

[[noreturn]] void power_off(bool pass) {
    // Semihosting SYS_EXIT (0x18) with an ADP_Stopped_ApplicationExit block: QEMU exits
    // with the subcode as its status.
    volatile u64 block[2] = {0x20026, pass ? 0u : 1u};
    register u64 x0 asm("x0") = 0x18;
    register u64 x1 asm("x1") = u64(uptr(block));
    asm volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
    // No semihosting: PSCI SYSTEM_OFF (the status is then lost; the console verdict stands).
    register u64 fn asm("x0") = 0x84000008;
    if (g_platform.psci_smc) asm volatile("smc #0" : "+r"(fn)::"memory");
    else asm volatile("hvc #0" : "+r"(fn)::"memory");
    for (;;) asm volatile("wfi");
}

} // namespace mosaic::arch

namespace {

using namespace mosaic;

BootInfo g_boot;

// QEMU puts the device tree at the base of RAM when it boots an image without a kernel
// loader; real firmware passes it in x0.
constexpr u64 kDtbFallback = 0x40000000;

void platform_from_dtb(const Dtb& dtb) {
    auto& p = aarch64::g_platform;
    if (auto n = dtb.console_node("arm,pl011"); n.ok()) // the firmware's console first
        if (auto r = dtb.address(*n, 0); r.ok()) p.uart = r->base;
    // GICv2: distributor and CPU interface; GICv3: distributor and the (first) redistributor
    // region. irq_init checks what it finds there.
    const char* const v2s[] = {"arm,cortex-a15-gic", "arm,gic-400"};
    for (const char* v2 : v2s)
        if (auto n = dtb.find_compatible(v2); n.ok() && !p.gic_version) {
            auto d = dtb.address(*n, 0), c = dtb.address(*n, 1);
            if (d.ok() && c.ok()) p.gic_version = 2, p.gicd = d->base, p.gicc = c->base;
        }
    if (auto n = dtb.find_compatible("arm,gic-v3"); n.ok() && !p.gic_version) {
        auto d = dtb.address(*n, 0), r = dtb.address(*n, 1);
        if (d.ok() && r.ok()) p.gic_version = 3, p.gicd = d->base, p.gicr = r->base;
    }
    if (auto n = dtb.find_path("/psci"); n.ok())
        if (auto m = dtb.prop(*n, "method"); m.ok()) p.psci_smc = m->has_string("smc");
    // The architected timer's interrupts: secure, non-secure, virtual, hypervisor PPIs.
    if (auto n = dtb.find_compatible("arm,armv8-timer"); n.ok())
        if (auto irqs = dtb.prop(*n, "interrupts"); irqs.ok() && irqs->len >= 36 && irqs->cell(6) == 1)
            p.timer_intid = 16 + irqs->cell(7);
}

} // namespace

extern "C" [[noreturn]] void aarch64_boot(const u8* dtb_blob, const u8* bundle, u64 entry_el) {
    g_boot.isa = Isa::Aarch64;
    g_boot.boot_core = MOSAIC_SYSREG_READ(mpidr_el1) & 0xff00ffffffull; // affinity fields
    g_boot.bundle = bundle;
    if (!dtb_blob) dtb_blob = reinterpret_cast<const u8*>(kDtbFallback);
    cpudriver::boot_from_dtb(g_boot, dtb_blob, platform_from_dtb);
    // What the banner says the firmware gave: the level the boot started at, the GIC found.
    static const char* const kinds[2][4] = {{"dtb, EL1, no GIC", "", "dtb, EL1, GICv2", "dtb, EL1, GICv3"},
                                            {"dtb, EL2, no GIC", "", "dtb, EL2, GICv2", "dtb, EL2, GICv3"}};
    g_boot.firmware = kinds[entry_el == 2][aarch64::g_platform.gic_version & 3];
    g_boot.timer_hz = MOSAIC_SYSREG_READ(cntfrq_el0);
    cpudriver::main(g_boot);
}
