// Per-core state of the CPU driver. Every core has its own, in memory carved for it at
// boot, reached through the ISA's per-core register (tp, TPIDR_EL1, GS base). The boot core
// fills a new core's CoreState before starting it (its start parameters) and never touches
// it again: from then on the two talk only by messages on the core's boot channel.
#pragma once

#include <mosaic/cpudriver/bootinfo.hpp>
#include <mosaic/cpudriver/core_offsets.h>

namespace mosaic::arch { struct UserFrame; }
namespace mosaic::transports { class Channel; }

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
    u64 boot_rings;            // set before start: the core's boot channel, two URPC rings in its own
                               //   memory (boot core -> this core, then this core -> boot core)
    u8 boot_route;             //   and the route the boot core's SKB gave for it (transports::Route)
    u64 boot_doorbell;         //   and the boot core's doorbell (arch::doorbell_id)
    transports::Channel* boot_link; // this core's end of its boot channel, bound by this core (null on the boot core)
    Scheduler* sched;          // this core's dispatchers (cpudriver/sched.hpp), once user mode is up
    u64 user_pool;             // physical memory for this core's dispatchers: base and size
    u64 user_pool_size;
    const u8* first_program;   // set before start: the ELF of this core's first dispatcher
    u64 first_program_size;
    volatile u32 irqs;         // device interrupts this core took (cpudriver::on_irq)
    volatile u32 last_irq;     //   and the number of the last one
};
static_assert(__builtin_offsetof(CoreState, stack_top) == MOSAIC_CORE_STACK_TOP);
static_assert(__builtin_offsetof(CoreState, user_frame) == MOSAIC_CORE_USER_FRAME);
static_assert(__builtin_offsetof(CoreState, scratch) == MOSAIC_CORE_SCRATCH);

// The memory each core gets at boot: its CoreState, its boot channel (rings and this
// core's Channel object), the pool for its own page tables, its stack (up to kCoreStackTop), and the
// memory of its dispatchers (up to the end). The boot core, whose state and stack are
// in the CPU driver's image, uses only the dispatcher part of its slot.
constexpr u64 kCoreMemory = 4096 * 1024;
constexpr u64 kCoreBootRings = 4096;
constexpr u64 kCorePagePool = 8192, kCorePagePoolSize = 128 * 1024;
constexpr u64 kCoreStackTop = 256 * 1024;
constexpr u64 kCoreUserPool = kCoreStackTop, kCoreUserPoolSize = kCoreMemory - kCoreUserPool;
// The slot of core `index` (its position in BootInfo::core_ids), after the CPU driver's image.
u64 core_memory(u32 index);

// Entered by each secondary core's ISA code once its stack and per-core register are set.
[[noreturn]] void secondary_main(CoreState& self);

} // namespace mosaic::cpudriver
