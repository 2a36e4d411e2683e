// x86 port I/O, MSRs, the register frame of vectors.S and the segment selectors, private
// to arch/x86_64.
#pragma once

#include "selectors.h"

#include <mosaic/types.hpp>

namespace mosaic::x86 {

inline void outb(u16 port, u8 v) { asm volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
inline u8 inb(u16 port) { u8 v; asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
inline void outw(u16 port, u16 v) { asm volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
inline u16 inw(u16 port) { u16 v; asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
inline void outl(u16 port, u32 v) { asm volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
inline u32 inl(u16 port) { u32 v; asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }
inline u64 rdmsr(u32 msr) { u32 lo, hi; asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr)); return u64(hi) << 32 | lo; }

struct TrapFrame {
    u64 r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    u64 vector, error;
    u64 rip, cs, rflags, rsp, ss; // pushed by the CPU
};
static_assert(sizeof(TrapFrame) == 22 * 8);

// The local APIC's registers (Intel SDM vol. 3 ch. 11), at the base the APIC-base MSR gives.
constexpr u32 kApicId = 0x20, kApicEoi = 0xb0, kApicSvr = 0xf0, kApicLvtTimer = 0x320, kApicTimerInit = 0x380,
              kApicTimerCurrent = 0x390, kApicTimerDivide = 0x3e0;
constexpr u32 kVectorTimer = 32, kVectorSpurious = 47, kVectorSyscall = 0x80; // int $0x80: vectors.S
u64 lapic_base();
// The ACPI MADT, checksum verified (ACPI 6.4, 5.2.12), or nullptr; entries start at offset 44.
const u8* find_madt();
// Device interrupts (irq.cpp): vectors 33-45 carry GSIs 0-12. Handles one such vector (masks
// its line, EOI, cpudriver::on_irq) and returns true; false for any other vector.
constexpr u32 kVectorIrqBase = 33, kVectorIrqCount = 13;
// The doorbell: a fixed inter-processor interrupt (smp.cpp), just acknowledged.
constexpr u32 kVectorDoorbell = 46;
bool irq_handle(u64 vector);

constexpr u16 kSelKernelCode = X86_SEL_KERNEL_CODE, kSelKernelData = X86_SEL_KERNEL_DATA,
              kSelUserData = X86_SEL_USER_DATA, kSelUserCode = X86_SEL_USER_CODE, kSelTss = X86_SEL_TSS;
// Loads this core's own GDT and TSS (the kernel stack for entries from user mode) and sets
// the control bits user mode needs; index is the core's position in BootInfo::core_ids.
void cpu_init(u32 index, u64 kernel_stack);

} // namespace mosaic::x86
