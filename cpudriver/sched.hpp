// Dispatchers and their scheduler: each core's user-mode execution contexts, time-sliced
// round robin by the timer, with yield, block (waiting for an LMP message) and exit, and
// the system calls they make. One Scheduler per core, in that core's own memory.
#pragma once

#include "vm.hpp"

#include <mosaic/caps/invocation.hpp>
#include <mosaic/cpudriver/dispatch.hpp>

namespace mosaic::cpudriver {

struct Dispatcher {
    arch::UserFrame frame;     // the user registers while it is not running
    Dispatcher* next = nullptr; // run-queue link
    AddressSpace space;
    PagePool tables;           // where its page tables come from (all of them in its capability space)
    Mailbox mailbox;
    DispatcherState state = DispatcherState::Runnable;
    u32 id = 0;                // this core's name for it: the LMP destination
    char name[24] = {};
    u64 entry = 0;             // its program's entry point
    // How it ended: by exit(code), or by a fault (the trap is kept).
    bool exited = false, faulted = false;
    u64 exit_code = 0;
    TrapInfo fault{};
    // What the tests and benchmarks look at.
    u32 preemptions = 0;       // times the timer took the core away from it
    u64 syscalls = 0;
    u64 irq_kind = 0;          // sys::kIrqConsoleRx once attached
    u32 irq_line = 0;          //   the controller's line for it
    u32 irqs_delivered = 0;
    u16 cnode = 0;             // the root CNode of its capability space in the core's CapTable
    u64 recv_slot = 0;         // where a capability sent to it goes (a CPtr; 0: nowhere)
};
static_assert(sizeof(Dispatcher) <= kPageSize, "a dispatcher fits in one page of its core's pool");

// A page-table entry written for a user capability invocation (Map, MapTable): it stays
// only while the capability it was made from does (delete and revoke clear it).
struct MappingRecord {
    caps::SlotId slot = caps::kNoSlot; // the frame or table capability mapped
    caps::CapType type = caps::CapType::Null;
    u64 base = 0;                      // ... and what it named, to notice a reused slot
    u64* entry = nullptr;              // the entry written
};

class Scheduler {
  public:
    static constexpr u32 kMaxDispatchers = 32;
    static constexpr u64 kSliceTicks = 1; // timer ticks a dispatcher runs before the next one's turn

    // A scheduler on this core, its dispatchers' memory from [pool, pool + size), their
    // address spaces sharing the kernel's map under kernel_root.
    Scheduler(u16 core) : caps_(0, core) {}
    Status init(u64 pool, u64 size, u64 kernel_root);
    // Loads a user program (an ELF of this ISA) into a new dispatcher's address space and
    // makes it runnable, entered at its entry point with arg in the first argument register.
    // ram_bytes (a multiple of a page) of the core's memory go to it as a RAM capability;
    // data[0..data_len) (at most sys::kMaxStartData bytes) is copied to its start data.
    Result<Dispatcher*> spawn(const char* name, const u8* elf, usize len, u64 arg, u64 ram_bytes = 0,
                              const u8* data = nullptr, usize data_len = 0);
    // Runs dispatchers until the core powers off; with nothing to run, calls the idle hook
    // (if any) and halts until the next interrupt.
    [[noreturn]] void run();
    void set_idle_hook(void (*hook)(Scheduler&)) { idle_hook_ = hook; }

    Dispatcher* find(u64 id);
    Dispatcher* current() { return policy_.current(); }
    u32 count() const { return count_; }
    Dispatcher* at(u32 i) { return i < count_ ? all_[i] : nullptr; }
    u32 live() const;
    u64 pool_left() const { return pool_.remaining(); }

    // Ends a dispatcher from the CPU driver's side (a test that gave up on it).
    void stop(Dispatcher* d) { end(d); }
    // Entries from user mode (see arch.hpp).
    [[noreturn]] void syscall();
    [[noreturn]] void fault(const TrapInfo& info);
    [[noreturn]] void interrupted();
    // A device interrupt for the dispatcher attached to its line: true if one took it.
    bool deliver_irq(u32 irq);

  private:
    [[noreturn]] void resume(Dispatcher* d);
    [[noreturn]] void schedule();
    void end(Dispatcher* d);
    Result<usize> copy_from_user(Dispatcher* d, u64 va, void* to, usize n);
    sys::Return call(Dispatcher* d, const sys::Args& a);
    sys::Return cap_invoke(Dispatcher* d, u64 words, u64 n);
    Status cap_transfer(Dispatcher* from, u64 cptr, Dispatcher* to); // copies a capability sent with LMP
    Status cap_check_map(Dispatcher* d, const caps::Invocation& inv);
    Status cap_apply(Dispatcher* d, const caps::Invocation& inv, const caps::Reply& r);
    void sweep_mappings(); // clears entries whose capability is gone

    PagePool pool_;
    u64 kernel_root_ = 0;
    Dispatcher* all_[kMaxDispatchers] = {};
    u32 count_ = 0;
    RoundRobin<Dispatcher> policy_{kSliceTicks};
    Dispatcher* loaded_ = nullptr; // whose address space this core translates with
    void (*idle_hook_)(Scheduler&) = nullptr;
    static constexpr u32 kMaxMappings = 256;
    MappingRecord mappings_[kMaxMappings];
    caps::CapTable caps_{0, 0}; // this core's capabilities (the node is 0: one table per node's core)
};

// Where a dispatcher's own page tables (made from its RAM capabilities) map memory: the
// root-table slot after the user window.
u64 user_heap_base();

// This core's scheduler, set up on first use from the core's dispatcher pool.
Result<Scheduler*> core_scheduler(CoreState& core, u64 kernel_root);

// Ticks of this core's timer since it started.
u64 core_ticks();

} // namespace mosaic::cpudriver
