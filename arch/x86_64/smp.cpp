// x86_64 per-core register (GS base MSR) and starting application processors with
// INIT-SIPI-SIPI through the local APIC (Intel SDM vol. 3 8.4.4.1).
#include "io.hpp"

#include <mosaic/cpudriver/arch.hpp>
#include <mosaic/mmio.hpp>

extern "C" char x86_trampoline[], x86_trampoline_end[], x86_tramp_cr3[], x86_tramp_state[], x86_tramp_entry[];
extern "C" char __image_end[];

namespace mosaic::arch {

namespace {
constexpr u64 kTrampoline = 0x8000;
constexpr u32 kApicIcrLow = 0x300, kApicIcrHigh = 0x310;
constexpr u32 kGsBase = 0xc0000101;

void wrmsr(u32 msr, u64 v) { asm volatile("wrmsr" ::"c"(msr), "a"(u32(v)), "d"(u32(v >> 32))); }

// Sends an inter-processor interrupt and waits until the APIC has delivered it.
void send_ipi(u64 apic_id, u32 low) {
    u64 base = x86::lapic_base();
    mmio_write32(base + kApicIcrHigh, u32(apic_id) << 24);
    mmio_write32(base + kApicIcrLow, low);
    while (mmio_read32(base + kApicIcrLow) & (1u << 12)) {} // delivery status: pending
}

// Waits at least n timer ticks of this core (the boot core's timer runs while cores start).
// Called from a system call (the monitor's StartCore), where interrupts are masked: each
// wait lets the next one in and masks them again.
void wait_ticks(u64 n) {
    u64 t0 = core_state()->ticks;
    while (core_state()->ticks - t0 < n) wait_for_interrupt_masked();
}

// Writes a trampoline field at its copy in low memory.
void put_field(const char* field, u64 v) {
    auto* at = reinterpret_cast<volatile u64*>(uptr(kTrampoline + u64(field - x86_trampoline)));
    *at = v;
}
} // namespace

void set_core_state(cpudriver::CoreState* s) { wrmsr(kGsBase, u64(uptr(s))); }

cpudriver::CoreState* core_state() { return reinterpret_cast<cpudriver::CoreState*>(uptr(x86::rdmsr(kGsBase))); }

Status start_core(u64 hw_id, cpudriver::CoreState* s) {
    if (hw_id > 0xff) return Error::Unsupported; // x2APIC ids need the x2APIC ICR
    usize size = usize(x86_trampoline_end - x86_trampoline);
    auto* dst = reinterpret_cast<volatile u8*>(uptr(kTrampoline));
    for (usize i = 0; i < size; ++i) dst[i] = u8(x86_trampoline[i]);
    u64 cr3;
    asm volatile("mov %%cr3, %0" : "=r"(cr3));
    put_field(x86_tramp_cr3, cr3);
    put_field(x86_tramp_state, u64(uptr(s)));
    put_field(x86_tramp_entry, u64(uptr(&cpudriver_secondary_entry)));
    full_barrier();
    send_ipi(hw_id, 0x4500);                       // INIT, assert, level
    wait_ticks(2);                                 // >= 10 ms at 100 Hz (one tick may be partial)
    // STARTUP twice with the trampoline's page (the universal start-up sequence); a core
    // that is already running ignores the second one.
    for (int i = 0; i < 2; ++i) {
        send_ipi(hw_id, 0x4600 | u32(kTrampoline >> 12));
        wait_ticks(1);
    }
    return {};
}

// Fixed delivery, physical destination, assert: the doorbell vector on the core with that APIC id.
u64 doorbell_id() { return core_state()->hw_id; }
void doorbell_ring(u64 id) {
    if (id <= 0xff) send_ipi(id, 0x4000 | x86::kVectorDoorbell);
}

u64 image_end() { return u64(uptr(__image_end)); }

} // namespace mosaic::arch
