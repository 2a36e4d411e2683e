// riscv64 traps and the timer: stvec, the cause decoding into ISA-neutral TrapInfo,
// and the supervisor timer through SBI set_timer.
#include "csr.hpp"
#include "frame.hpp"

#include <mosaic/cpudriver/arch.hpp>

extern "C" void riscv_trap_entry();
extern "C" [[noreturn]] void riscv_user_enter(mosaic::arch::UserFrame* f);

namespace mosaic::arch {

namespace {
u64 g_timer_interval = 0;

void timer_rearm() { riscv::sbi_call(riscv::kSbiTime, 0, riscv::read_time() + g_timer_interval); }

cpudriver::TrapKind kind_of(u64 cause) {
    using K = cpudriver::TrapKind;
    switch (cause) {
    case 2: return K::IllegalInstruction;
    case 3: return K::Breakpoint;
    case 4:
    case 6: return K::Alignment;
    case 8: return K::Syscall;
    case 12:
    case 13:
    case 15: return K::PageFault;
    default: return K::Other;
    }
}
} // namespace

void traps_init() {
    MOSAIC_CSR_WRITE(sscratch, 0); // in the CPU driver (see user_entry.S)
    MOSAIC_CSR_WRITE(stvec, u64(&riscv_trap_entry));
    MOSAIC_CSR_WRITE(scounteren, 2); // user mode may read the time counter (rdtime)
}

// Handles an interrupt; false if it was not one this driver expects.
bool handle_interrupt(u64 cause) {
    if ((cause & ~riscv::kCauseInterrupt) == riscv::kIrqSupervisorTimer) {
        timer_rearm();
        cpudriver::on_tick();
        return true;
    }
    riscv::irq_handle(cause & ~riscv::kCauseInterrupt); // external (PLIC) and anything else
    return true;
}

// Root slot 64 of Sv39 (64 GiB): the kernel map uses slots 0-3 (and RAM above 4 GiB).
u64 user_window_base() { return 0x10'0000'0000ull; }

[[noreturn]] void user_enter(UserFrame& f) { riscv_user_enter(&f); }

// Zifencei: this hart's instruction fetch sees its own earlier stores.
void sync_icache(const void*, usize) { asm volatile("fence.i" ::: "memory"); }


void timer_start(u32 hz) {
    // Written once, by the boot core before it starts any other core (they only read it).
    if (core_state()->hw_id == core_state()->boot->boot_core) g_timer_interval = riscv::g_platform.timebase / hz;
    MOSAIC_CSR_SET(sie, riscv::kSieStie);
    timer_rearm();
}

void timer_stop() {
    asm volatile("csrc sie, %0" ::"r"(riscv::kSieStie));
    riscv::sbi_call(riscv::kSbiTime, 0, ~0ull); // and no pending compare
}

u64 counter() { return riscv::read_time(); }
u64 counter_hz() { return riscv::g_platform.timebase; }

void interrupts_enable() { MOSAIC_CSR_SET(sstatus, riscv::kSstatusSie); }
void interrupts_disable() { asm volatile("csrc sstatus, %0" ::"r"(riscv::kSstatusSie) : "memory"); }

void wait_for_interrupt() { asm volatile("wfi"); }
// WFI wakes when (sip & sie) != 0 whatever sstatus.SIE says; then the interrupt is taken.
void wait_for_interrupt_masked() { asm volatile("wfi; csrsi sstatus, 2; csrci sstatus, 2" ::: "memory"); }

} // namespace mosaic::arch

namespace mosaic::riscv {

// The RISC-V semihosting call: ebreak between two marker instructions (uncompressed).
constexpr u32 kSemiBefore = 0x01f01013, kEbreak = 0x00100073, kSemiAfter = 0x40705013; // slli/srai x0

void semihosting_exit(bool pass) {
    if (MOSAIC_CSR_READ(stvec) != u64(uptr(riscv_trap_entry))) return;
    volatile u64 block[2] = {0x20026, pass ? 0u : 1u}; // ADP_Stopped_ApplicationExit, status
    register u64 a0 asm("a0") = 0x18;                    // SYS_EXIT
    register u64 a1 asm("a1") = u64(uptr(block));
    asm volatile(".option push\n.option norvc\nslli x0, x0, 0x1f\nebreak\nsrai x0, x0, 7\n.option pop"
                 : "+r"(a0)
                 : "r"(a1)
                 : "memory");
}

// A semihosting call that nothing took: the breakpoint of the marker sequence.
bool untaken_semihosting(u64 cause, u64 pc) {
    if (cause != 3 || (pc & 3)) return false;
    const u32* p = reinterpret_cast<const u32*>(uptr(pc));
    return p[0] == kEbreak && p[-1] == kSemiBefore && p[1] == kSemiAfter;
}

} // namespace mosaic::riscv

extern "C" void riscv_trap(mosaic::riscv::TrapFrame* f) {
    using namespace mosaic;
    u64 cause = MOSAIC_CSR_READ(scause);
    if (cause & riscv::kCauseInterrupt) {
        arch::handle_interrupt(cause);
        return;
    }
    if (riscv::untaken_semihosting(cause, f->sepc)) { // no emulator took it: go on after it
        f->sepc += 4;
        return;
    }
    cpudriver::TrapInfo info{arch::kind_of(cause), cause, f->sepc, MOSAIC_CSR_READ(stval), !(f->sstatus & riscv::kSstatusSpp)};
    cpudriver::on_trap(info);
}

// Every trap from user mode (user_entry.S), on a fresh kernel stack.
extern "C" [[noreturn]] void riscv_user_trap(mosaic::arch::UserFrame* f) {
    using namespace mosaic;
    u64 cause = MOSAIC_CSR_READ(scause);
    if (cause & riscv::kCauseInterrupt) {
        arch::handle_interrupt(cause);
        cpudriver::on_user_interrupt();
    }
    if (cause == 8) { // ecall from U-mode
        f->pc += 4;
        cpudriver::on_user_syscall();
    }
    cpudriver::on_user_fault({arch::kind_of(cause), cause, f->pc, MOSAIC_CSR_READ(stval), true});
}
