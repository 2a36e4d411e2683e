// Per-core state of the CPU driver. Every core has its own, in memory carved for it at
// boot, reached through the ISA's per-core register (tp, TPIDR_EL1, GS base); no core
// writes another core's CoreState except the boot mailbox field `online`, which only
// its own core writes and the boot core reads while starting it.
#pragma once

#include <mosaic/cpudriver/bootinfo.hpp>

namespace mosaic::cpudriver {

struct CoreState {
    u64 stack_top;             // offset 0: the ISA's secondary entry loads its stack from here
    const BootInfo* boot;      // the boot facts (read-only after the boot core's start)
    u64 hw_id;                 // APIC id, MPIDR affinity or hart id
    u32 index;                 // position in BootInfo::core_ids
    volatile u64 ticks;
    volatile u32 breakpoints;
    volatile bool expect_breakpoint;
    volatile bool expect_fault;   // a probe access is expected to fault
    volatile u32 faults;
    volatile u64 fault_address;
    volatile u32 online;       // boot mailbox: 1 once this core runs its CPU driver
    u64 ping_rings;            // if set before start: two URPC rings (boot->this, this->boot)
    u32 ping_count;            //   and how many pings this core answers on them
    volatile u32 ping_served;  // written by this core when done
    volatile u32 irqs;         // device interrupts this core took (cpudriver::on_irq)
    volatile u32 last_irq;     //   and the number of the last one
};

// The memory each core gets at boot: its CoreState, ping-pong rings the boot core may
// give it, the pool for its own page tables, and its stack (up to the end).
constexpr u64 kCoreMemory = 256 * 1024;
constexpr u64 kCorePingRings = 4096;
constexpr u64 kCorePagePool = 8192, kCorePagePoolSize = 128 * 1024;

// Entered by each secondary core's ISA code once its stack and per-core register are set.
[[noreturn]] void secondary_main(CoreState& self);

} // namespace mosaic::cpudriver
