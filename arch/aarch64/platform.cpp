// aarch64 boot: device addresses from the device tree, the console UART (semihosting until
// the tree names one: the QEMU boards enable it; a board without it has its PL011), power off
// through semihosting (PSCI SYSTEM_OFF as fallback), and the hand-over to the CPU driver.
#include "frame.hpp"

#include <mosaic/cpudriver/arch.hpp>
#include <mosaic/mmio.hpp>
#include <mosaic/uart.hpp>

namespace mosaic::aarch64 {
Platform g_platform;
}

extern "C" char aarch64_vectors[];

namespace mosaic::arch {

using aarch64::g_platform;

void console_write(const char* s, usize n) {
    for (usize i = 0; i < n; ++i) {
        if (s[i] == '\n') console_write("\r", 1);
        if (!g_platform.uart) { // the device tree named none (or was unusable): semihosting
            register u64 x0 asm("x0") = 0x03; // SYS_WRITEC (stepped over where nothing takes it)
            register u64 x1 asm("x1") = u64(uptr(&s[i]));
            asm volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
            continue;
        }
        uart::put(g_platform.uart_kind, g_platform.uart, u8(s[i]));
    }
}

ConsoleDevice console_device() { return {g_platform.uart ? g_platform.uart_kind : u32(kConsoleNone), g_platform.uart}; }
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
    // with the subcode as its status. Where no debugger or emulator takes the call, the
    // trap handler steps over it (trap.cpp) and the firmware's means follow.
    volatile u64 block[2] = {0x20026, pass ? 0u : 1u};
    register u64 x0 asm("x0") = 0x18;
    register u64 x1 asm("x1") = u64(uptr(block));
    asm volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
    // PSCI SYSTEM_OFF where the tree has /psci (the status is then lost; the console
    // verdict stands).
    if (g_platform.psci) {
        register u64 fn asm("x0") = 0x84000008;
        if (g_platform.psci_smc) asm volatile("smc #0" : "+r"(fn)::"memory");
        else asm volatile("hvc #0" : "+r"(fn)::"memory");
    }
    // A Raspberry Pi has no PSCI: its power manager's watchdog resets the SoC after a few
    // ticks with the reset status naming partition 63, which the Pi firmware takes as
    // "halt" (QEMU's model resets, and ends with -no-reboot). Registers: RSTC 0x1c,
    // RSTS 0x20, WDOG 0x24, each written with the password 0x5a in the top byte.
    if (g_platform.pm) {
        constexpr u32 kPassword = 0x5a000000, kRstc = 0x1c, kRsts = 0x20, kWdog = 0x24;
        u32 rsts = mmio_read32(g_platform.pm + kRsts) & ~0xfffu;
        mmio_write32(g_platform.pm + kRsts, kPassword | rsts | 0x555); // partition 63, bits 0,2,4,6,8,10
        mmio_write32(g_platform.pm + kWdog, kPassword | 10);
        mmio_write32(g_platform.pm + kRstc, kPassword | (mmio_read32(g_platform.pm + kRstc) & ~0x30u) | 0x20); // full reset
    }
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
    // The firmware's console first (/chosen stdout-path), if it is a UART uart.hpp drives.
    if (auto con = uart::console(dtb); con.ok()) p.uart = con->base, p.uart_kind = con->kind;
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
        if (auto m = dtb.prop(*n, "method"); m.ok()) p.psci = true, p.psci_smc = m->has_string("smc");
    // No GIC: a BCM2836/7's local controller and armctrl (a Raspberry Pi 2 or 3).
    if (auto n = dtb.find_compatible("brcm,bcm2836-l1-intc"); n.ok() && !p.gic_version)
        if (auto r = dtb.address(*n, 0); r.ok()) p.local_intc = r->base;
    if (auto n = dtb.find_compatible("brcm,bcm2836-armctrl-ic"); n.ok() && p.local_intc)
        if (auto r = dtb.address(*n, 0); r.ok()) p.armctrl = r->base;
    const char* const pms[] = {"brcm,bcm2835-pm", "brcm,bcm2835-pm-wdt"}; // the Pi's power manager
    for (const char* pm : pms)
        if (auto n = dtb.find_compatible(pm); n.ok() && !p.pm)
            if (auto r = dtb.address(*n, 0); r.ok()) p.pm = r->base;
    // The architected timer's interrupts: secure, non-secure, virtual, hypervisor PPIs.
    if (auto n = dtb.find_compatible("arm,armv8-timer"); n.ok())
        if (auto irqs = dtb.prop(*n, "interrupts"); irqs.ok() && irqs->len >= 36 && irqs->cell(6) == 1)
            p.timer_intid = 16 + irqs->cell(7);
}

} // namespace

extern "C" [[noreturn]] void aarch64_boot(const u8* dtb_blob, const u8* bundle, u64 entry_el) {
    // Trap vectors first: a semihosting call nothing takes must be stepped over (trap.cpp)
    // from the first message on.
    MOSAIC_SYSREG_WRITE(vbar_el1, u64(uptr(aarch64_vectors)));
    asm volatile("isb");
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
