// The hardware-neutral parts of dispatching, tested on the host: the round-robin
// policy, the LMP mailbox, system-call decoding, and the checks of a user program's
// image against the user window. cpudriver/sched.cpp puts them together on a core.
#pragma once

#include <mosaic/intrusive_queue.hpp>
#include <mosaic/syscall.hpp>
#include <mosaic/user_image.hpp> // the user window and the checks of a program's image

namespace mosaic::cpudriver {

enum class DispatcherState : u8 { Runnable, Blocked, Dead };

// The scheduling policy of one core: round robin with time slices of slice_ticks timer
// ticks, yield, block and wake, and the directed hand-off of LMP. T has `T* next`,
// `DispatcherState state` and `u32 preemptions`. Only state changes go through here; what
// runs is whatever pick() returns.
template <typename T> class RoundRobin {
  public:
    explicit RoundRobin(u64 slice_ticks = 1) : slice_(slice_ticks) {}
    T* current() const { return current_; }
    bool has_waiting() const { return !ready_.empty(); }
    // A new or woken dispatcher: runnable, at the back of the queue.
    void make_runnable(T* d) {
        d->state = DispatcherState::Runnable;
        if (d != current_) ready_.push(d);
    }
    // Who runs now: the current one while it is runnable, else the longest waiting one
    // (with a fresh slice from now); nullptr if nobody can run.
    T* pick(u64 now) {
        if (current_ && current_->state == DispatcherState::Runnable) return current_;
        current_ = ready_.pop();
        slice_start_ = now;
        return current_;
    }
    // A timer tick: the current one goes to the back of the queue if its slice is over
    // and someone else waits. Returns whether it was preempted.
    bool tick(u64 now) {
        if (!current_ || current_->state != DispatcherState::Runnable) return false;
        if (now - slice_start_ < slice_ || ready_.empty()) return false;
        ++current_->preemptions;
        ready_.push(current_);
        current_ = nullptr;
        return true;
    }
    // The current one gives up the rest of its slice if someone else waits.
    void yield() {
        if (!current_ || ready_.empty()) return;
        ready_.push(current_);
        current_ = nullptr;
    }
    // The current one waits for an event; it leaves the core until woken (make_runnable).
    void block() {
        if (!current_) return;
        current_->state = DispatcherState::Blocked;
        current_ = nullptr;
    }
    // The current one hands the core to d, a blocked dispatcher it just woke: d runs next
    // with a fresh slice, the current one waits at the back of the queue.
    void hand_off(T* d, u64 now) {
        d->state = DispatcherState::Runnable;
        ready_.remove(d);
        if (current_ && current_ != d) ready_.push(current_);
        current_ = d;
        slice_start_ = now;
    }
    // d ends wherever it is.
    void end(T* d) {
        d->state = DispatcherState::Dead;
        ready_.remove(d);
        if (current_ == d) current_ = nullptr;
    }

  private:
    IntrusiveQueue<T> ready_;
    T* current_ = nullptr;
    u64 slice_ = 1, slice_start_ = 0;
};

// One LMP message as it waits for its receiver: who sent it and its payload.
struct LmpMessage {
    u64 sender = 0; // the badge of the endpoint it came through, or a sys::k*Sender
    u64 word[sys::kLmpWords] = {};
};

// The messages waiting for one dispatcher, oldest first; a full mailbox refuses more.
class Mailbox {
  public:
    static constexpr u32 kSlots = 4;
    bool empty() const { return count_ == 0; }
    bool full() const { return count_ == kSlots; }
    bool push(const LmpMessage& m) {
        if (full()) return false;
        slot_[(first_ + count_) % kSlots] = m;
        ++count_;
        return true;
    }
    bool pop(LmpMessage& m) {
        if (empty()) return false;
        m = slot_[first_];
        first_ = (first_ + 1) % kSlots;
        --count_;
        return true;
    }

  private:
    LmpMessage slot_[kSlots];
    u32 first_ = 0, count_ = 0;
};

// Checks a system call's number and the arguments that can be checked without the
// caller's state: UnknownSyscall, or InvalidArgument / BadAddress / Unsupported with the
// first bad argument. What passes may still fail against the caller's memory or peers.
Status decode_syscall(const sys::Args& a);

// The checks of KernelOp::Dispatch on the new dispatcher's root table before the CPU driver
// adds the kernel's entries to it: `valid(e)` says whether entry e is valid; only the user
// window's root slot and the heap slot may hold valid entries (PermissionDenied), and the
// window's must (InvalidArgument); the entry point must lie in the window below its start
// data (BadAddress).
Status check_new_root(const u64* root, bool (*valid)(u64), u64 window_slot, u64 heap_slot, u64 window_base,
                      u64 entry);

} // namespace mosaic::cpudriver
