// Dispatchers on one core (see sched.hpp). The CPU driver is event driven: every entry
// from user mode starts on a fresh kernel stack, handles one event (system call, fault,
// interrupt) and leaves by resuming a dispatcher or halting; nothing is kept on the
// kernel stack between events.
#include "sched.hpp"

#include "console.hpp"
#include "placement.hpp"

#include <mosaic/arch/user.hpp>

namespace mosaic::cpudriver {

namespace {
CoreState& core() { return *arch::core_state(); }
} // namespace

Result<Scheduler*> core_scheduler(CoreState& c, u64 kernel_root) {
    if (c.sched) return c.sched;
    // The scheduler itself (with the core's capability table) takes the first pages of the
    // pool; the rest is its dispatchers'.
    const u64 own = align_up(sizeof(Scheduler), kPageSize);
    if (c.user_pool_size < own + kPageSize) return Error::NoMemory;
    auto* s = new (reinterpret_cast<void*>(uptr(c.user_pool))) Scheduler(u16(c.index));
    TRY_STATUS(s->init(c.user_pool + own, c.user_pool_size - own, kernel_root));
    c.sched = s;
    return s;
}

Status Scheduler::init(u64 pool, u64 size, u64 kernel_root) {
    pool_ = PagePool(pool, size);
    kernel_root_ = kernel_root;
    return {};
}

Dispatcher* Scheduler::find(u64 id) {
    for (u32 i = 0; i < count_; ++i)
        if (all_[i]->id == id) return all_[i];
    return nullptr;
}

void Scheduler::deliver(Dispatcher* to, const LmpMessage& m) {
    arch::set_syscall_return(to->frame, {0, {m.sender, m.word[0], m.word[1], m.word[2], m.word[3]}});
    to->deadline = 0;
    policy_.make_runnable(to);
}

// The monitor hears of every other dispatcher's end, in order, however many end before it
// looks: the messages wait here, not in its four-slot mailbox.
void Scheduler::end(Dispatcher* d) {
    policy_.end(d);
    if (loaded_ == d) loaded_ = nullptr; // its page may hold another dispatcher soon
    caps_.release(d->cnode); // its capabilities go, and with them their mappings
    // Its root table may be reused now: the CPU driver's hold on it goes (slot: its position).
    for (u32 i = 0; kernel_cnode_ && i < count_; ++i)
        if (all_[i] == d && i < caps::kCNodeSlots) {
            caps::SlotId pin = caps::CapTable::slot_of(kernel_cnode_ - 1, i);
            if (caps_.table().occupied(pin)) caps_.table().remove(pin);
        }
    // Its Dispatcher page and slot are reused by the next Dispatch (its program's memory is
    // the monitor's to take back).
    if (d->id == sys::kMonitorId)
        panic("the monitor of core {:x} ended ({} at pc {:x}, address {:x}): the node cannot go on without it",
              core().hw_id, d->faulted ? trap_kind_name(d->fault.kind) : "exit", d->fault.pc, d->fault.address);
    const u64 preempted = min<u64>(d->preemptions, sys::kEndedMaxPreemptions);
    LmpMessage m{sys::kKernelSender,
                 {u64(d->id) | (d->faulted ? sys::kEndedFault : d->stopped ? sys::kEndedStopped : 0) << 32 | preempted << 40,
                  d->faulted ? u64(d->fault.kind) : d->exit_code, d->faulted ? d->fault.address : 0,
                  d->faulted ? d->fault.pc : 0}};
    if (ended_count_ == kMaxEnded) {
        kprint("  core {:x}: the monitor has not taken {} end reports; the end of '{}' is lost\n", core().hw_id,
               kMaxEnded, d->name);
        return;
    }
    ended_[(ended_first_ + ended_count_++) % kMaxEnded] = m;
    wake_monitor();
}

void Scheduler::stop(Dispatcher* d) {
    if (d->state == DispatcherState::Dead) return;
    d->stopped = true;
    end(d);
}

bool Scheduler::kernel_message(LmpMessage& out) {
    if (ended_count_) {
        out = ended_[ended_first_];
        ended_first_ = (ended_first_ + 1) % kMaxEnded;
        --ended_count_;
        return true;
    }
    if (core().doorbell) {
        core().doorbell = false;
        out = LmpMessage{sys::kDoorbellSender, {}};
        return true;
    }
    return false;
}

// A monitor blocked in lmp_receive with nothing in its mailbox gets the next kernel message.
void Scheduler::wake_monitor() {
    Dispatcher* m = monitor_;
    LmpMessage msg;
    if (m && m->state == DispatcherState::Blocked && m->mailbox.empty() && kernel_message(msg)) deliver(m, msg);
}

// Dispatchers whose lmp_receive deadline passed: Timeout.
void Scheduler::wake_expired() {
    for (u32 i = 0; i < count_; ++i) {
        Dispatcher* d = all_[i];
        if (d->state != DispatcherState::Blocked || !d->deadline || core().ticks < d->deadline) continue;
        d->deadline = 0;
        arch::set_syscall_return(d->frame, {u64(Error::Timeout), {}});
        policy_.make_runnable(d);
    }
}

[[noreturn]] void Scheduler::resume(Dispatcher* d) {
    if (loaded_ != d) {
        loaded_ = d;
        caps_.set_loaded(d->space.root());
        arch::mmu::activate(d->space.root());
    }
    core().user_frame = &d->frame;
    arch::user_enter(d->frame);
}

bool Scheduler::has_deadline() const {
    for (u32 i = 0; i < count_; ++i)
        if (all_[i]->state == DispatcherState::Blocked && all_[i]->deadline) return true;
    return false;
}

[[noreturn]] void Scheduler::schedule() {
    for (;;) {
        wake_monitor(); // a doorbell that rang while it ran
        if (Dispatcher* d = policy_.pick(core().ticks)) {
            if (timer_stopped_) arch::timer_start(kTimerHz), timer_stopped_ = false; // time slices again
            resume(d);
        }
        // Nothing to run: halt until an interrupt, which may make someone runnable. With no
        // deadline to watch, the timer stops too: only a doorbell or a device wakes the core.
        if (!timer_stopped_ && !has_deadline()) arch::timer_stop(), timer_stopped_ = true;
        arch::wait_for_interrupt_masked();
        wake_expired();
    }
}

[[noreturn]] void Scheduler::run() {
    arch::interrupts_disable();
    schedule();
}

[[noreturn]] void Scheduler::interrupted() {
    policy_.tick(core().ticks);
    wake_expired();
    schedule();
}

[[noreturn]] void Scheduler::fault(const TrapInfo& info) {
    Dispatcher* d = policy_.current();
    if (!d) schedule();
    d->faulted = true;
    d->fault = info;
    end(d); // its monitor hears of it, and says so
    schedule();
}

Result<usize> Scheduler::copy_from_user(Dispatcher* d, u64 va, void* to, usize n) {
    if (!in_user_window(arch::user_window_base(), va, n)) return Error::BadAddress;
    u8* out = static_cast<u8*>(to);
    for (usize done = 0; done < n;) {
        u64 at = va + done;
        auto m = d->space.lookup(at);
        if (!m.ok() || !m->flags.user) return Error::BadAddress;
        usize chunk = min<usize>(n - done, kPageSize - (at % kPageSize));
        const u8* from = reinterpret_cast<const u8*>(uptr(m->pa));
        for (usize k = 0; k < chunk; ++k) out[done + k] = from[k];
        done += chunk;
    }
    return n;
}

bool Scheduler::deliver_irq(u32 irq) {
    for (u32 i = 0; i < count_; ++i) {
        Dispatcher* d = all_[i];
        if (!d->irq_attached || d->irq_line != irq || d->state == DispatcherState::Dead) continue;
        LmpMessage m{sys::kIrqSender, {irq, 0, 0, 0}};
        if (d->state == DispatcherState::Blocked) deliver(d, m);
        else if (!d->mailbox.push(m)) d->irq_pending = true; // (the line stays masked until its ack)
        return true;
    }
    return false;
}

// A device interrupt from the ISA's handler, its line masked at the controller: a message to
// the dispatcher attached to the line, which stays masked until that one acknowledges it
// (irq_ack). With no driver attached it stays masked: nobody could service the device.
void on_irq(u32 irq) {
    CoreState& me = core();
    if (!me.sched || !me.sched->deliver_irq(irq)) kprint("  irq: interrupt {} on core {:x} has no driver: left masked\n", irq, me.hw_id);
}

[[noreturn]] void on_user_syscall() { arch::core_state()->sched->syscall(); }
[[noreturn]] void on_user_fault(const TrapInfo& info) { arch::core_state()->sched->fault(info); }
[[noreturn]] void on_user_interrupt() { arch::core_state()->sched->interrupted(); }

} // namespace mosaic::cpudriver
