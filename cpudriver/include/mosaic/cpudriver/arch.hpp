// The contract between the generic CPU driver and each ISA in arch/<isa>/: every
// function here is defined once per ISA, and nothing else of an ISA is visible to
// generic code. A missing definition is a link error of that ISA's build.
#pragma once

#include <mosaic/cpudriver/core.hpp>

namespace mosaic::arch {

// Points this core's per-core register at its CoreState; core_state() reads it back.
void set_core_state(cpudriver::CoreState* s);
cpudriver::CoreState* core_state();
// Starts core hw_id at the CPU driver's secondary entry, on the stack and state in s
// (INIT-SIPI-SIPI, PSCI CPU_ON, SBI HSM hart_start); fails if the firmware refuses.
Status start_core(u64 hw_id, cpudriver::CoreState* s);
// The first byte after the CPU driver's image in memory (where per-core memory is carved).
u64 image_end();
// Writes bytes to the early console (a polled UART).
void console_write(const char* s, usize n);
// Installs this core's exception/trap vectors.
void traps_init();
// Executes one breakpoint instruction; the trap is reported through cpudriver::on_trap.
void trigger_breakpoint();
// Starts the periodic timer interrupt at about hz; each tick calls cpudriver::on_tick.
void timer_start(u32 hz);
// Enables interrupts on this core.
void interrupts_enable();
// Waits for the next interrupt with the core halted (hlt, wfi): costs no host CPU.
void wait_for_interrupt();
// Orders all earlier memory accesses before all later ones, for other observers too.
void full_barrier();
// Reads/writes 32-bit PCI configuration registers without ECAM (all ones if there is none).
u32 pci_legacy_read32(u32 bus, u32 dev, u32 fn, u32 off);
void pci_legacy_write32(u32 bus, u32 dev, u32 fn, u32 off, u32 value);
// Ends the machine with a verdict the board runner reads (see boards/*.board "exit").
[[noreturn]] void power_off(bool pass);

} // namespace mosaic::arch

namespace mosaic::cpudriver {

// What a trap was, in ISA-neutral terms, filled by the ISA's trap entry.
enum class TrapKind : u8 { Breakpoint, IllegalInstruction, PageFault, Alignment, Syscall, Other };
struct TrapInfo {
    TrapKind kind;
    u64 cause;     // the ISA's raw cause (vector, ESR, scause)
    u64 pc;
    u64 address;   // faulting address where the ISA reports one
    bool from_user;
};
enum class TrapAction : u8 { Resume, Panic };

// Called by the ISA's trap entry for every synchronous exception.
TrapAction on_trap(const TrapInfo& info);
// Called by the ISA's timer interrupt handler.
void on_tick();
// Called by the ISA's boot code once BootInfo is filled: the generic boot sequence.
[[noreturn]] void main(BootInfo& bi);

} // namespace mosaic::cpudriver
