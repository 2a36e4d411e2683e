// Dispatchers and their scheduler: each core's user-mode execution contexts, time-sliced
// round robin by the timer, with yield, block (waiting for an LMP message, with or without
// a deadline) and exit. The system calls are one handler each (syscall.cpp), dispatched
// from the MOSAIC_SYSCALLS table; capabilities and the page-table entries made from them
// belong to the core's CapSpace (capspace.hpp). One Scheduler per core, in its own memory.
#pragma once

#include "capspace.hpp"

#include <mosaic/cpudriver/dispatch.hpp>

namespace mosaic::cpudriver {

struct Dispatcher {
    arch::UserFrame frame;     // the user registers while it is not running
    Dispatcher* next = nullptr; // run-queue link
    AddressSpace space;
    PagePool tables;           // where its page tables come from (all of them in its capability space)
    Mailbox mailbox;
    DispatcherState state = DispatcherState::Runnable;
    u32 id = 0;                // this core's name for it: the LMP destination (the monitor is sys::kMonitorId)
    char name[24] = {};
    u64 entry = 0;             // its program's entry point
    u64 deadline = 0;          // blocked in lmp_receive until this tick (0: no deadline)
    // How it ended: by exit(code), by a fault (the trap is kept), or stopped by its monitor.
    bool exited = false, faulted = false, stopped = false;
    u64 exit_code = 0;
    TrapInfo fault{};
    u32 preemptions = 0;       // times the timer took the core away from it
    bool irq_attached = false; // through an Irq capability (irq_attach): the line's messages come here
    bool irq_pending = false;  // its line fired while its mailbox was full: the next receive gets it
    u32 irq_line = 0;
    u16 cnode = 0;             // the root CNode of its capability space in the core's CapTable
    u64 recv_slot = 0;         // where a capability sent to it goes (a CPtr; 0: nowhere)
};
static_assert(sizeof(Dispatcher) <= kPageSize, "a dispatcher fits in one page of its core's pool");

// What the monitor's start data is copied from: kernel memory (its boot facts and the
// manifest, in up to two pieces).
struct StartData {
    const u8* kernel[2] = {};
    usize kernel_len[2] = {};
    u64 total() const { return kernel_len[0] + kernel_len[1]; }
};

class Scheduler {
  public:
    static constexpr u32 kMaxDispatchers = 48;
    static constexpr u64 kSliceTicks = 1; // timer ticks a dispatcher runs before the next one's turn

    // A scheduler on this core, its dispatchers' memory from [pool, pool + size), their
    // address spaces sharing the kernel's map under kernel_root.
    Scheduler(u16 core) : caps_(core) {}
    Status init(u64 pool, u64 size, u64 kernel_root);
    // Loads the monitor (an ELF of this ISA) into the first dispatcher's address space and
    // makes it runnable, entered at its entry point with arg in the first argument register.
    // ram_bytes (a multiple of a page) of the core's memory go to it as a RAM capability;
    // its start data (at most sys::kMaxStartData bytes) is copied from `data` (loader.cpp).
    // Every other program is loaded by the monitor, which ends with dispatch().
    Result<Dispatcher*> spawn(const char* name, const u8* elf, usize len, u64 arg, u64 ram_bytes,
                              const StartData& data);
    // The last step of loading a program the monitor built from capabilities: a dispatcher
    // whose capability space is CNode `cnode` and whose address space is the root table at
    // `root` (checked by the caller: check_new_root), entered at `entry` with `arg`; the
    // kernel's root entries go into the table. (loader.cpp)
    Result<Dispatcher*> dispatch(const char* name, u16 cnode, u64 root, u64 entry, u64 arg);
    // Runs dispatchers for good; with nothing to run, halts until the next interrupt.
    [[noreturn]] void run();

    Dispatcher* find(u64 id);
    CapSpace& caps() { return caps_; }
    u64 pool_remaining() const { return pool_.remaining(); }
    // Ends a dispatcher from the CPU driver's side (the monitor stopped it).
    void stop(Dispatcher* d);
    // Entries from user mode (see arch.hpp).
    [[noreturn]] void syscall();
    [[noreturn]] void fault(const TrapInfo& info);
    [[noreturn]] void interrupted();
    // A device interrupt for the dispatcher attached to its line: true if one took it.
    bool deliver_irq(u32 irq);

  private:
#define X(name, value) sys::Return on_##name(Dispatcher* d, const sys::Args& a);
    MOSAIC_SYSCALLS(X)
#undef X
    using Handler = sys::Return (Scheduler::*)(Dispatcher*, const sys::Args&);
    static const Handler kHandlers[sys::kSyscallCount];

    Dispatcher* start(Dispatcher* d, u32 pos, const char* name, u64 entry, u64 arg);
    [[noreturn]] void resume(Dispatcher* d);
    [[noreturn]] void schedule();
    void end(Dispatcher* d);
    // Messages from the CPU driver to the monitor: dispatchers that ended, the doorbell.
    bool kernel_message(LmpMessage& out);
    void wake_monitor();
    void wake_expired();
    bool has_deadline() const;
    // Delivers m to a dispatcher blocked in lmp_receive, in its return registers.
    void deliver(Dispatcher* to, const LmpMessage& m);
    Result<usize> copy_from_user(Dispatcher* d, u64 va, void* to, usize n);
    sys::Return kernel_op(Dispatcher* d, sys::KernelOp op, const sys::Args& a);

    PagePool pool_;
    u64 kernel_root_ = 0;
    Dispatcher* all_[kMaxDispatchers] = {};
    u32 count_ = 0;
    RoundRobin<Dispatcher> policy_{kSliceTicks};
    Dispatcher* loaded_ = nullptr; // whose address space this core translates with
    static constexpr u32 kMaxEnded = 64;
    LmpMessage ended_[kMaxEnded]; // ended messages the monitor has not taken yet
    u32 ended_first_ = 0, ended_count_ = 0;
    bool timer_stopped_ = false; // nothing to run and no deadline: the core sleeps without ticks
    u32 kernel_cnode_ = 0;       // 1 + the CNode of the capabilities the CPU driver holds itself (live roots)
    u32 next_id_ = 1;            // dispatcher ids are never reused (the monitor is 1)
    Dispatcher* monitor_ = nullptr; // whom the CPU driver's own messages go to (asked on every schedule)
    CapSpace caps_;
};

// Where a dispatcher's own page tables (made from its RAM capabilities) map memory: the
// root-table slot after the user window.
u64 user_heap_base();

// This core's scheduler, set up on first use from the core's dispatcher pool.
Result<Scheduler*> core_scheduler(CoreState& core, u64 kernel_root);

// The rate of every core's timer.
constexpr u32 kTimerHz = 100;

} // namespace mosaic::cpudriver
