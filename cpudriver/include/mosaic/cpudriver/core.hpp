// Per-core state of the CPU driver. Every core has its own, in memory carved for it at
// boot, reached through the ISA's per-core register (tp, TPIDR_EL1, GS base); no core
// writes another core's CoreState except the boot mailbox field `online`, which only
// its own core writes and the boot core reads while starting it.
#pragma once

#include <mosaic/cpudriver/bootinfo.hpp>
#include <mosaic/cpudriver/core_offsets.h>

namespace mosaic::arch { struct UserFrame; }

namespace mosaic::cpudriver {

class Scheduler;

struct CoreState {
    u64 stack_top;             // the secondary entry's stack, and the kernel stack on every entry from user mode
    arch::UserFrame* user_frame; // where an entry from user mode saves the user's registers
    u64 scratch;               // one register's worth of room for the ISA's user entry
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
    Scheduler* sched;          // this core's dispatchers (cpudriver/sched.hpp), once user mode is up
    u64 user_pool;             // physical memory for this core's dispatchers: base and size
    u64 user_pool_size;
    const u8* first_program;   // set before start: the ELF of this core's first dispatcher
    u64 first_program_size;
    volatile u64 user_report;  // mailbox to the boot core: 0 until this core's first dispatcher ended,
                               // then 1 + its exit code (only this core writes it)
    volatile u32 irqs;         // device interrupts this core took (cpudriver::on_irq)
    volatile u32 last_irq;     //   and the number of the last one
};
static_assert(__builtin_offsetof(CoreState, stack_top) == MOSAIC_CORE_STACK_TOP);
static_assert(__builtin_offsetof(CoreState, user_frame) == MOSAIC_CORE_USER_FRAME);
static_assert(__builtin_offsetof(CoreState, scratch) == MOSAIC_CORE_SCRATCH);

// The memory each core gets at boot: its CoreState, ping-pong rings the boot core may
// give it, the pool for its own page tables, its stack (up to kCoreStackTop), and the
// memory of its dispatchers (up to the end). The boot core, whose state and stack are
// in the CPU driver's image, uses only the dispatcher part of its slot.
constexpr u64 kCoreMemory = 4096 * 1024;
constexpr u64 kCorePingRings = 4096;
constexpr u64 kCorePagePool = 8192, kCorePagePoolSize = 128 * 1024;
constexpr u64 kCoreStackTop = 256 * 1024;
constexpr u64 kCoreUserPool = kCoreStackTop, kCoreUserPoolSize = kCoreMemory - kCoreUserPool;
// The slot of core `index` (its position in BootInfo::core_ids), after the CPU driver's image.
u64 core_memory(u32 index);

// Entered by each secondary core's ISA code once its stack and per-core register are set.
[[noreturn]] void secondary_main(CoreState& self);

} // namespace mosaic::cpudriver
