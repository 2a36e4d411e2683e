// The hardware-neutral parts of dispatching, tested on the host: the round-robin run
// queue, the LMP mailbox, system-call decoding, and the checks of a user program's
// image against the user window. cpudriver/sched.cpp puts them together on a core.
#pragma once

#include <mosaic/elf.hpp>
#include <mosaic/syscall.hpp>

namespace mosaic::cpudriver {

// Bytes of the user window every dispatcher's address space has (arch::user_window_base);
// its program is linked at the base and its stack ends at the top.
constexpr u64 kUserWindowSize = 1ull << 30;
constexpr u64 kUserStackSize = 16 * 1024;
constexpr u64 kUserPage = 4096;

// An intrusive FIFO of T (T has a `T* next` member); each T is in at most one queue.
template <typename T> class RunQueue {
  public:
    bool empty() const { return head_ == nullptr; }
    u32 size() const { return size_; }
    void push(T* t) {
        t->next = nullptr;
        if (tail_) tail_->next = t;
        else head_ = t;
        tail_ = t;
        ++size_;
    }
    T* pop() {
        T* t = head_;
        if (!t) return nullptr;
        head_ = t->next;
        if (!head_) tail_ = nullptr;
        t->next = nullptr;
        --size_;
        return t;
    }
    // Takes t out wherever it is; false if it was not queued.
    bool remove(T* t) {
        T* prev = nullptr;
        for (T* c = head_; c; prev = c, c = c->next) {
            if (c != t) continue;
            (prev ? prev->next : head_) = c->next;
            if (tail_ == c) tail_ = prev;
            c->next = nullptr;
            --size_;
            return true;
        }
        return false;
    }

  private:
    T* head_ = nullptr;
    T* tail_ = nullptr;
    u32 size_ = 0;
};

// One LMP message as it waits for its receiver: who sent it and its payload.
struct LmpMessage {
    u64 sender = 0; // the sending dispatcher's id, or sys::kIrqSender
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

// Where one loadable segment of a user program goes: [vaddr, vaddr + memsz) of the user
// window, page aligned, filled from the file's bytes and zeros.
struct UserSegment {
    elf::Segment seg;
    bool write = false, exec = false;
};
// Checks a user program against the user window at `base` and lists its segments (at
// most max): an executable ELF of `machine`, every segment page aligned inside the window
// and below the stack, none both writable and executable, no two overlapping, and the
// entry inside an executable one. Returns the number of segments.
Result<u32> plan_user_image(const elf::File& f, u16 machine, u64 base, UserSegment* out, u32 max);

// Whether [va, va + len) lies inside the user window at base (len 0 included).
bool in_user_window(u64 base, u64 va, u64 len);

} // namespace mosaic::cpudriver
