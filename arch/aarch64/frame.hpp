// The register frame vectors.S saves; offsets must match that file.
#pragma once

#include <mosaic/types.hpp>

namespace mosaic::aarch64 {

struct TrapFrame {
    u64 x[31]; // x0..x30
    u64 elr;
    u64 spsr;
    u64 pad;
};
static_assert(sizeof(TrapFrame) == 272 && __builtin_offsetof(TrapFrame, elr) == 248);

#define MOSAIC_SYSREG_READ(name) ({ u64 _v; asm volatile("mrs %0, " #name : "=r"(_v)); _v; })
#define MOSAIC_SYSREG_WRITE(name, v) asm volatile("msr " #name ", %0" ::"r"(u64(v)))

// Device addresses found in the device tree at boot (0: none named).
struct Platform {
    u64 uart = 0;           // the console UART; 0: none named (semihosting)
    u32 uart_kind = 0;      // its ConsoleKind (bootfacts.hpp): a PL011 or an 8250-style UART
    u32 gic_version = 0;    // 2 or 3 ("arm,cortex-a15-gic", "arm,gic-400" or "arm,gic-v3")
    u64 gicd = 0;           // distributor
    u64 gicc = 0;           // GICv2 CPU interface (GICv3: system registers)
    u64 gicr = 0;           // GICv3 redistributors, one frame pair per core
    u32 timer_intid = 27;   // the virtual timer's PPI
    bool psci = false;      // a /psci node: CPU_ON and SYSTEM_OFF exist
    bool psci_smc = false;  // the PSCI conduit (/psci method): smc, else hvc
    // Without a GIC, the BCM2836/7 (Raspberry Pi 2/3) interrupt controllers: the per-core
    // local controller (timers, mailboxes, the GPU's line) and the GPU's armctrl.
    u64 local_intc = 0;     // "brcm,bcm2836-l1-intc"
    u64 armctrl = 0;        // "brcm,bcm2836-armctrl-ic"
    u64 pm = 0;             // "brcm,bcm2835-pm(-wdt)": the watchdog that halts or resets a Pi
};
extern Platform g_platform;

// Device interrupts (irq.cpp): handles an acknowledged SPI (IAR value): masks it, ends it
// at the CPU interface and calls cpudriver::on_irq; false for any other interrupt.
bool irq_handle(u32 iar);
// The GIC's CPU side for this core, version-neutral (irq.cpp): acknowledge (the IAR, 1023
// when spurious), end, and enable one of this core's private interrupts (an SGI or PPI)
// with a priority, then let the CPU interface signal every priority.
u32 gic_ack();
void gic_eoi(u32 iar);
void gic_enable_private(u32 intid, u8 priority);
void gic_cpu_on();
// The software-generated interrupt that is this core's doorbell (arch::doorbell_ring).
inline constexpr u32 kDoorbellIntid = 1;
// On a BCM2836 (no GIC) irq.cpp numbers the interrupts as a GIC would: the doorbell is
// mailbox 0, the virtual timer keeps Platform::timer_intid's default, and the armctrl's
// banks (0 basic, 1 and 2 the GPU's) follow from 32: INTID 32 + 32 * bank + bit.
inline constexpr u32 kBcmFirstIntid = 32, kBcmIntids = 3 * 32;

} // namespace mosaic::aarch64
