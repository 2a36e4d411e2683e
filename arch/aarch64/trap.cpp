// aarch64 exceptions and the timer: VBAR_EL1, ESR decoding into ISA-neutral TrapInfo,
// the EL1 virtual timer and its interrupt through the GIC (ARM ARM D1.10, D13.8; irq.cpp).
#include "frame.hpp"

#include <mosaic/cpudriver/arch.hpp>
#include <mosaic/mmio.hpp>

extern "C" char aarch64_vectors[];
extern "C" [[noreturn]] void aarch64_user_enter(mosaic::arch::UserFrame* f);

namespace mosaic::arch {

namespace {
using aarch64::g_platform;
u64 g_timer_interval = 0;

void timer_rearm() {
    MOSAIC_SYSREG_WRITE(cntv_tval_el0, g_timer_interval);
    MOSAIC_SYSREG_WRITE(cntv_ctl_el0, 1); // enabled, not masked
}

cpudriver::TrapKind kind_of(u64 esr) {
    using K = cpudriver::TrapKind;
    switch (esr >> 26) {
    case 0x00: return K::IllegalInstruction; // unknown reason: an undefined instruction
    case 0x15: return K::Syscall;            // SVC from AArch64
    case 0x3c: return K::Breakpoint;         // BRK
    case 0x22:
    case 0x26: return K::Alignment;          // PC or SP alignment
    case 0x20:
    case 0x21:
    case 0x24:
    case 0x25: return (esr & 0x3f) == 0x21 ? K::Alignment : K::PageFault; // aborts; DFSC 0x21 = alignment
    default: return K::Other;
    }
}

void handle_irq() {
    u32 iar = aarch64::gic_ack();
    u32 intid = iar & 0x3ff;
    if (intid == 1023) return; // spurious
    if (intid == g_platform.timer_intid) {
        timer_rearm();
        cpudriver::on_tick();
    } else if (intid == aarch64::kDoorbellIntid) {
        cpudriver::on_doorbell();
    } else if (aarch64::irq_handle(iar)) {
        return; // a device interrupt: masked, ended and reported by irq.cpp
    }
    aarch64::gic_eoi(iar);
}
} // namespace

void traps_init() {
    MOSAIC_SYSREG_WRITE(vbar_el1, u64(uptr(aarch64_vectors)));
    // CNTKCTL_EL1.EL0VCTEN: user mode may read the virtual counter (CNTVCT_EL0), and
    // nothing else of the timer.
    MOSAIC_SYSREG_WRITE(cntkctl_el1, 1u << 1);
    // The user's read-only thread register: nothing of the firmware's shows through.
    MOSAIC_SYSREG_WRITE(tpidrro_el0, 0);
    asm volatile("isb");
}

// Level-0 slot 1 (512 GiB): the kernel map uses slot 0 (RAM, devices, PCI ECAM).
u64 user_window_base() { return 0x80'0000'0000ull; }

[[noreturn]] void user_enter(UserFrame& f) { aarch64_user_enter(&f); }

// Cleans the data cache to the point of unification by line (CTR_EL0.DminLine), then
// invalidates this core's instruction cache whole, which also covers the user's alias of
// the same frames (Arm ARM D7.5.9, B2.4.4).
void sync_icache(const void* p, usize n) {
    u64 line = 4u << ((MOSAIC_SYSREG_READ(ctr_el0) >> 16) & 0xf);
    for (u64 a = u64(uptr(p)) & ~(line - 1); a < u64(uptr(p)) + n; a += line) asm volatile("dc cvau, %0" ::"r"(a) : "memory");
    asm volatile("dsb ish; ic iallu; dsb ish; isb" ::: "memory");
}


void timer_start(u32 hz) {
    // Written once, by the boot core before it starts any other core (they only read it).
    if (core_state()->hw_id == core_state()->boot->boot_core) g_timer_interval = MOSAIC_SYSREG_READ(cntfrq_el0) / hz;
    // The timer's PPI: its priority and enable bits are banked per core, so every core
    // sets its own; the distributor is one for all cores and enabled by the first.
    aarch64::gic_enable_private(g_platform.timer_intid, 0x80);
    aarch64::gic_cpu_on();
    timer_rearm();
}

void timer_stop() { MOSAIC_SYSREG_WRITE(cntv_ctl_el0, 0); } // disabled: no more interrupts

u64 counter() {
    asm volatile("isb" ::: "memory");
    return MOSAIC_SYSREG_READ(cntvct_el0);
}
u64 counter_hz() { return MOSAIC_SYSREG_READ(cntfrq_el0); }

void interrupts_enable() { asm volatile("msr daifclr, #2" ::: "memory"); }
void interrupts_disable() { asm volatile("msr daifset, #2" ::: "memory"); }

void wait_for_interrupt() { asm volatile("wfi"); }
// WFI wakes on a pending interrupt even while PSTATE.I masks it; then it is taken.
void wait_for_interrupt_masked() { asm volatile("wfi; msr daifclr, #2; isb; msr daifset, #2" ::: "memory"); }

} // namespace mosaic::arch

// Vector index: 0-3 current EL with SP0, 4-7 current EL with SPx, 8-11 lower EL AArch64,
// 12-15 lower EL AArch32; within each group sync, IRQ, FIQ, SError. Entries 0-7 (traps in
// the CPU driver) arrive here; 8-15 at aarch64_user_trap.
extern "C" void aarch64_trap(mosaic::aarch64::TrapFrame* f, mosaic::u64 index) {
    using namespace mosaic;
    if (index % 4 == 1) {
        arch::handle_irq();
        return;
    }
    u64 esr = MOSAIC_SYSREG_READ(esr_el1);
    // A semihosting call (HLT #0xf000) that no debugger or emulator took is an undefined
    // instruction (ARM ARM C6.2.98): going on after it is what the callers expect.
    if (index % 4 == 0 && (esr >> 26) == 0 && (f->elr & 3) == 0 && *reinterpret_cast<const u32*>(uptr(f->elr)) == 0xd45e0000) {
        f->elr += 4;
        return;
    }
    cpudriver::on_trap({index % 4 == 0 ? arch::kind_of(esr) : cpudriver::TrapKind::Other, esr, f->elr,
                        MOSAIC_SYSREG_READ(far_el1), false});
}

// Every entry from user mode (user_entry.S), on a fresh kernel stack, with the user's
// registers in f.
extern "C" [[noreturn]] void aarch64_user_trap(mosaic::arch::UserFrame* f, mosaic::u64 index) {
    using namespace mosaic;
    if (index == 9) { // IRQ from AArch64 EL0
        arch::handle_irq();
        cpudriver::on_user_interrupt();
    }
    if (index == 8) { // synchronous, from AArch64 EL0
        u64 esr = MOSAIC_SYSREG_READ(esr_el1);
        auto kind = arch::kind_of(esr);
        if (kind == cpudriver::TrapKind::Syscall) cpudriver::on_user_syscall(); // ELR is past the svc
        cpudriver::on_user_fault({kind, esr, f->pc, MOSAIC_SYSREG_READ(far_el1), true});
    }
    // FIQ, SError, or anything from AArch32 (which no dispatcher runs): the vector offset
    // is the cause.
    cpudriver::on_user_fault({cpudriver::TrapKind::Other, index * 0x80, f->pc, 0, true});
}
