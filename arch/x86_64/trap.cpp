// x86_64 exceptions and the timer: the IDT, the local APIC timer calibrated against the
// PIT, and the decoding of exception vectors into ISA-neutral TrapInfo.
#include "io.hpp"

#include <mosaic/cpudriver/arch.hpp>
#include <mosaic/mmio.hpp>

extern "C" const mosaic::u64 x86_vector_stubs[48];
extern "C" char x86_probe_read_insn[], x86_probe_write_insn[], x86_probe_fixup[];

namespace mosaic::arch {

namespace {

struct [[gnu::packed]] IdtGate {
    u16 offset_low, selector;
    u8 ist, type_attr;
    u16 offset_mid;
    u32 offset_high, zero;
};
static_assert(sizeof(IdtGate) == 16);

IdtGate g_idt[48];
u64 g_tsc_hz = 0;

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

// Counts local APIC timer decrements (divide by 16) during 10 ms of PIT channel 2, and
// measures the TSC's frequency over the same interval.
u32 calibrate_lapic_per_10ms() {
    constexpr u16 kPitCount = 11932; // 1.193182 MHz * 10 ms
    x86::outb(0x61, u8((x86::inb(0x61) & ~0x02) | 0x01)); // gate channel 2 on, speaker off
    x86::outb(0x43, 0xb0);                                 // channel 2, lobyte/hibyte, mode 0
    x86::outb(0x42, u8(kPitCount));
    x86::outb(0x42, u8(kPitCount >> 8));
    lapic_write(x86::kApicTimerDivide, 0x3);
    lapic_write(x86::kApicLvtTimer, 1u << 16); // masked one-shot
    u8 gate = x86::inb(0x61) & ~0x01;
    x86::outb(0x61, gate);
    x86::outb(0x61, gate | 1); // restart the count
    lapic_write(x86::kApicTimerInit, 0xffffffffu);
    u64 tsc0 = rdtsc();
    while (!(x86::inb(0x61) & 0x20)) {} // OUT2 goes high at terminal count
    u32 elapsed = 0xffffffffu - lapic_read(x86::kApicTimerCurrent);
    g_tsc_hz = (rdtsc() - tsc0) * 100; // the TSC, measured over the same 10 ms
    lapic_write(x86::kApicTimerInit, 0);
    return elapsed;
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

} // namespace

void traps_init() {
    for (u32 v = 0; v < 48; ++v) {
        u64 a = x86_vector_stubs[v];
        g_idt[v] = IdtGate{u16(a), 0x08, 0, 0x8e, u16(a >> 16), u32(a >> 32), 0};
    }
    IdtPointer p{sizeof g_idt - 1, u64(uptr(g_idt))};
    asm volatile("lidt %0" ::"m"(p));
}

void trigger_breakpoint() { asm volatile("int3"); }

void timer_start(u32 hz) {
    x86::outb(0x21, 0xff); // mask both legacy PICs: the local APIC delivers our interrupts
    x86::outb(0xa1, 0xff);
    lapic_write(x86::kApicSvr, 0x100 | x86::kVectorSpurious);
    u32 per_tick = calibrate_lapic_per_10ms() * 100 / hz;
    lapic_write(x86::kApicTimerDivide, 0x3);
    lapic_write(x86::kApicLvtTimer, x86::kVectorTimer | (1u << 17)); // periodic
    lapic_write(x86::kApicTimerInit, per_tick ? per_tick : 1);
}

u64 counter() { return rdtsc(); }
u64 counter_hz() { return g_tsc_hz; }

void interrupts_enable() { asm volatile("sti" ::: "memory"); }

void wait_for_interrupt() { asm volatile("hlt" ::: "memory"); }

} // namespace mosaic::arch

extern "C" void x86_trap(mosaic::x86::TrapFrame* f) {
    using namespace mosaic;
    if (f->vector == x86::kVectorTimer) {
        cpudriver::on_tick();
        arch::lapic_write(x86::kApicEoi, 0);
        return;
    }
    if (f->vector == x86::kVectorSpurious || x86::irq_handle(f->vector)) return;
    u64 address = 0;
    if (f->vector == 14) asm volatile("mov %%cr2, %0" : "=r"(address));
    cpudriver::TrapInfo info{arch::kind_of(f->vector), f->vector, f->rip, address, (f->cs & 3) == 3};
    // int3 is a trap: rip already points past it, so resuming needs no adjustment.
    auto action = cpudriver::on_trap(info);
    if (action == cpudriver::TrapAction::Fixup &&
        (f->rip == u64(uptr(x86_probe_read_insn)) || f->rip == u64(uptr(x86_probe_write_insn)))) {
        f->rip = u64(uptr(x86_probe_fixup));
        return;
    }
    if (action == cpudriver::TrapAction::Resume) return;
    arch::power_off(false);
}
