// x86_64 exceptions, interrupts and user mode: the IDT, the local APIC timer calibrated
// against the PIT, the decoding of exception vectors into ISA-neutral TrapInfo, and the
// entries from and into user mode (user_entry.S).
#include "io.hpp"

#include <mosaic/cpudriver/arch.hpp>
#include <mosaic/mmio.hpp>

extern "C" const mosaic::u64 x86_vector_stubs[48];
extern "C" char x86_syscall_stub[];
extern "C" [[noreturn]] void x86_user_enter(mosaic::arch::UserFrame* f);

namespace mosaic::arch {

namespace {

struct [[gnu::packed]] IdtGate {
    u16 offset_low, selector;
    u8 ist, type_attr;
    u16 offset_mid;
    u32 offset_high, zero;
};
static_assert(sizeof(IdtGate) == 16);

// Written once by the boot core before any other core starts; read-only after that.
IdtGate g_idt[x86::kVectorSyscall + 1];
u64 g_tsc_hz = 0;
u32 g_lapic_per_10ms = 0;

bool is_boot_core() { return core_state()->hw_id == core_state()->boot->boot_core; }

// An interrupt gate (IF cleared on entry) to a stub; dpl 3 lets user mode use int n on it.
IdtGate gate(u64 stub, u8 dpl) {
    return IdtGate{u16(stub), x86::kSelKernelCode, 0, u8(0x8e | dpl << 5), u16(stub >> 16), u32(stub >> 32), 0};
}

u64 rdtsc() {
    u32 lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return u64(hi) << 32 | lo;
}

struct [[gnu::packed]] IdtPointer {
    u16 limit;
    u64 base;
};

u32 lapic_read(u32 reg) { return mmio_read32(x86::lapic_base() + reg); }
void lapic_write(u32 reg, u32 v) { mmio_write32(x86::lapic_base() + reg, v); }

// One window of 10 ms of PIT channel 2: the local APIC timer's decrements (divide by 16)
// and the TSC's ticks over it.
struct Window {
    u32 lapic;
    u64 tsc;
};
Window pit_window() {
    constexpr u16 kPitCount = 11932; // 1.193182 MHz * 10 ms
    x86::outb(0x61, u8((x86::inb(0x61) & ~0x02) | 0x01)); // gate channel 2 on, speaker off
    x86::outb(0x43, 0xb0);                                 // channel 2, lobyte/hibyte, mode 0
    x86::outb(0x42, u8(kPitCount));
    x86::outb(0x42, u8(kPitCount >> 8));
    lapic_write(x86::kApicTimerDivide, 0x3);
    lapic_write(x86::kApicLvtTimer, 1u << 16); // masked one-shot
    u8 gate = x86::inb(0x61) & ~0x01;
    x86::outb(0x61, gate);
    // Both counts start before the PIT does and stop after it was seen to end, so a pause
    // anywhere only lengthens the window (calibrate_lapic_per_10ms takes the shortest).
    lapic_write(x86::kApicTimerInit, 0xffffffffu);
    u64 tsc0 = rdtsc();
    x86::outb(0x61, gate | 1);          // restart the count
    while (!(x86::inb(0x61) & 0x20)) {} // OUT2 goes high at terminal count
    u32 elapsed = 0xffffffffu - lapic_read(x86::kApicTimerCurrent);
    u64 tsc = rdtsc() - tsc0;
    lapic_write(x86::kApicTimerInit, 0);
    return {elapsed, tsc};
}

// Calibrates the local APIC timer (decrements per 10 ms, returned) and the TSC (g_tsc_hz)
// against the PIT. A vCPU (or a core taken by firmware) that stops for a while during a
// window lengthens it: under emulation on a loaded host a single window once read the TSC
// at 7.9 GHz instead of 2.5, and every timer tick and timeout ran 3.2 times too slow. A
// window is never shortened (pit_window), so of five the shortest gives both figures.
u32 calibrate_lapic_per_10ms() {
    Window best = pit_window();
    for (u32 i = 1; i < 5; ++i) {
        Window w = pit_window();
        if (w.tsc < best.tsc) best = w;
    }
    g_tsc_hz = best.tsc * 100; // the TSC, measured over the same 10 ms
    return best.lapic;
}

cpudriver::TrapKind kind_of(u64 vector) {
    using K = cpudriver::TrapKind;
    switch (vector) {
    case 3: return K::Breakpoint;
    case 6: return K::IllegalInstruction;
    case 14: return K::PageFault;
    case 17: return K::Alignment;
    default: return K::Other;
    }
}

// Handles an interrupt vector; false if it was not one this driver expects.
bool handle_interrupt(u64 vector) {
    if (vector == x86::kVectorTimer) {
        cpudriver::on_tick();
        lapic_write(x86::kApicEoi, 0);
        return true;
    }
    if (vector == x86::kVectorSpurious) return true; // never acknowledged
    if (vector == x86::kVectorDoorbell) {            // it woke us; the monitor hears of it
        lapic_write(x86::kApicEoi, 0);
        cpudriver::on_doorbell();
        return true;
    }
    return x86::irq_handle(vector);                  // device interrupts (irq.cpp)
}

} // namespace

// Needs core_state() with index, hw_id, boot and stack_top set.
void traps_init() {
    cpudriver::CoreState* s = core_state();
    if (is_boot_core()) {
        for (u32 v = 0; v < 48; ++v) g_idt[v] = gate(x86_vector_stubs[v], v == 3 ? 3 : 0); // int3 from user mode is a #BP
        g_idt[x86::kVectorSyscall] = gate(u64(uptr(x86_syscall_stub)), 3);
    }
    IdtPointer p{sizeof g_idt - 1, u64(uptr(g_idt))};
    asm volatile("lidt %0" ::"m"(p));
    x86::cpu_init(s->index, s->stack_top);
}


// The boot core calibrates (its timer starts before any other core does); the other
// cores' local APIC timers run at the same bus clock and reuse its figures.
void timer_start(u32 hz) {
    if (is_boot_core()) {
        x86::outb(0x21, 0xff); // mask both legacy PICs: the local APIC delivers our interrupts
        x86::outb(0xa1, 0xff);
        g_lapic_per_10ms = calibrate_lapic_per_10ms();
    }
    lapic_write(x86::kApicSvr, 0x100 | x86::kVectorSpurious);
    u32 per_tick = g_lapic_per_10ms * 100 / hz;
    lapic_write(x86::kApicTimerDivide, 0x3);
    lapic_write(x86::kApicLvtTimer, x86::kVectorTimer | (1u << 17)); // periodic
    lapic_write(x86::kApicTimerInit, per_tick ? per_tick : 1);
}

void timer_stop() {
    lapic_write(x86::kApicTimerInit, 0); // a zero count stops the timer
    lapic_write(x86::kApicLvtTimer, x86::kVectorTimer | (1u << 16)); // and its entry masked
}

u64 counter() { return rdtsc(); }
u64 counter_hz() { return g_tsc_hz; }

void interrupts_enable() { asm volatile("sti" ::: "memory"); }
void interrupts_disable() { asm volatile("cli" ::: "memory"); }

// Instruction fetch is coherent with stores on x86.
void sync_icache(const void*, usize) {}

// Slot 1 of the PML4 (512 GiB): the kernel map uses slot 0.
u64 user_window_base() { return 0x80'0000'0000ull; }

[[noreturn]] void user_enter(UserFrame& f) {
    // Only the flags user code may change itself (CF PF AF ZF SF TF DF OF NT AC ID), then
    // interrupts on and I/O privilege 0 whatever the frame held.
    constexpr u64 kUserFlags = 0x4dd5 | 1u << 18 | 1u << 21;
    f.rflags = (f.rflags & kUserFlags) | 0x202;
    // iretq to a non-canonical rip would fault in the CPU driver, after swapgs: such a
    // dispatcher (one that jumped there and faulted) is reported as faulting instead.
    if (u64(i64(f.rip << 16) >> 16) != f.rip) cpudriver::on_user_fault({cpudriver::TrapKind::Other, 13, f.rip, 0, true});
    x86_user_enter(&f);
}

void wait_for_interrupt() { asm volatile("hlt" ::: "memory"); }
// sti holds interrupts off for one more instruction, so none is taken before hlt starts.
void wait_for_interrupt_masked() { asm volatile("sti; hlt; cli" ::: "memory"); }

} // namespace mosaic::arch

namespace {
mosaic::u64 fault_address(mosaic::u64 vector) {
    mosaic::u64 address = 0;
    if (vector == 14) asm volatile("mov %%cr2, %0" : "=r"(address));
    return address;
}
} // namespace

// Traps and interrupts of the CPU driver itself (from user mode: x86_user_trap).
extern "C" void x86_trap(mosaic::x86::TrapFrame* f) {
    using namespace mosaic;
    if (arch::handle_interrupt(f->vector)) return;
    cpudriver::on_trap({arch::kind_of(f->vector), f->vector, f->rip, fault_address(f->vector), false});
}

// Every entry from user mode (user_entry.S), on a fresh kernel stack with the user's
// registers in f. Vectors from 32 up are interrupts: the user's int n reaches only the
// DPL-3 gates (#BP and the system call), any other raises #GP.
extern "C" [[noreturn]] void x86_user_trap(mosaic::arch::UserFrame* f, mosaic::u64 vector) {
    using namespace mosaic;
    if (vector == x86::kVectorSyscall) cpudriver::on_user_syscall(); // rip is already past int $0x80
    if (vector >= 32) {
        arch::handle_interrupt(vector);
        cpudriver::on_user_interrupt();
    }
    cpudriver::on_user_fault({arch::kind_of(vector), vector, f->rip, fault_address(vector), true});
}
