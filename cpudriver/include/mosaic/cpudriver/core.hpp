// Per-core state of the CPU driver. Every core has its own, in memory carved for it at
// boot, reached through the ISA's per-core register (tp, TPIDR_EL1, GS base). The boot core
// fills a new core's CoreState and its copy of the boot facts before starting it (its start
// parameters, at the monitor's request) and never touches that memory again: from then on
// the two cores' monitors talk only by messages, and their CPU drivers not at all.
#pragma once

#include <mosaic/bootfacts.hpp>
#include <mosaic/bootinfo.hpp>
#include <mosaic/cpudriver/core_offsets.h>

namespace mosaic::arch { struct UserFrame; }

namespace mosaic::cpudriver {

class Scheduler;

struct CoreState {
    u64 stack_top;             // the secondary entry's stack, and the kernel stack on every entry from user mode
    arch::UserFrame* user_frame; // where an entry from user mode saves the user's registers
    u64 scratch;               // one register's worth of room for the ISA's user entry
    const BootInfo* boot;      // this core's own copy of the boot facts (read-only once it runs)
    u64 hw_id;                 // APIC id, MPIDR affinity or hart id
    u32 index;                 // position in BootInfo::core_ids
    volatile u64 ticks;
    volatile bool doorbell;       // the doorbell rang since the monitor last heard of it
    Scheduler* sched;          // this core's dispatchers (cpudriver/sched.hpp), once user mode is up
    u64 user_pool;             // physical memory for this core's dispatchers: base and size
    u64 user_pool_size;
    u64 channel;               // set before start: the frame of this core's channel to its boot
    u64 channel_size;          //   monitor (physical; the monitor's Frame capability names it)
    u64 boot_doorbell;         //   and the boot core's doorbell
    u64 started;               // the boot core: bit i when it started core index i
    u16 irq_error;             // how setting up its interrupt controller went (an Error)
};
static_assert(__builtin_offsetof(CoreState, stack_top) == MOSAIC_CORE_STACK_TOP);
static_assert(__builtin_offsetof(CoreState, user_frame) == MOSAIC_CORE_USER_FRAME);
static_assert(__builtin_offsetof(CoreState, scratch) == MOSAIC_CORE_SCRATCH);

// The memory each core gets at boot: its CoreState, its copy of BootInfo, the pool for its
// own page tables, its stack (up to kCoreStackTop), and the memory of its dispatchers (up
// to the end). The boot core, whose state, stack and tables are in the CPU driver's image,
// uses only the dispatcher part of its slot.
constexpr u64 kCoreMemory = 16384 * 1024;
constexpr u64 kCoreBootInfo = 4096;
constexpr u64 kCorePagePool = 8192, kCorePagePoolSize = 128 * 1024;
constexpr u64 kCoreStackTop = 256 * 1024;
constexpr u64 kCoreUserPool = kCoreStackTop, kCoreUserPoolSize = kCoreMemory - kCoreUserPool;
static_assert(sizeof(CoreState) <= kCoreBootInfo && kCoreBootInfo + sizeof(BootInfo) <= kCorePagePool,
              "a core's state and its boot facts fit before its page-table pool");
// The slot of core `index` (its position in BootInfo::core_ids): after the CPU driver's
// image, clear of the image bundle, in usable RAM; 0 when the cores do not fit.
u64 core_memory(const BootInfo& bi, u32 index);

// Entered by each secondary core's ISA code once its stack and per-core register are set.
[[noreturn]] void secondary_main(CoreState& self);

} // namespace mosaic::cpudriver
