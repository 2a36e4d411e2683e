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

// Device addresses found in the device tree at boot (QEMU virt's until then).
struct Platform {
    u64 uart = 0;           // PL011; 0: none named (semihosting)
    u64 gicd = 0x08000000;  // GICv2 distributor
    u64 gicc = 0x08010000;  // GICv2 CPU interface
    u32 timer_intid = 27;   // the virtual timer's PPI
};
extern Platform g_platform;

// Device interrupts (irq.cpp): handles an acknowledged SPI (GICC_IAR value): masks it, ends
// it at the CPU interface and calls cpudriver::on_irq; false for any other interrupt.
bool irq_handle(u32 iar);
// The software-generated interrupt that is this core's doorbell (arch::doorbell_ring).
inline constexpr u32 kDoorbellIntid = 1;

} // namespace mosaic::aarch64
