// The system calls: one handler each, in the order of the MOSAIC_SYSCALLS table
// (lib/include/mosaic/syscall.hpp), which is also the dispatch table.
#include "console.hpp"
#include "sched.hpp"

#include <mosaic/arch/user.hpp>

namespace mosaic::cpudriver {

namespace {
CoreState& core() { return *arch::core_state(); }
sys::Return fail(Error e) { return {u64(e), {}}; }
} // namespace

const Scheduler::Handler Scheduler::kHandlers[sys::kSyscallCount] = {
#define X(name, value) &Scheduler::on_##name,
    MOSAIC_SYSCALLS(X)
#undef X
};

[[noreturn]] void Scheduler::syscall() {
    Dispatcher* d = policy_.current();
    if (!d) schedule();
    const sys::Args a = arch::syscall_args(d->frame);
    sys::Return r;
    if (Status st = decode_syscall(a); !st.ok()) {
        r = fail(st.error()); // the caller hears why; the console is not the CPU driver's to report it
    } else {
        r = (this->*kHandlers[a.number])(d, a);
    }
    // A blocked caller gets its return registers from whoever wakes it.
    if (d->state == DispatcherState::Runnable) arch::set_syscall_return(d->frame, r);
    schedule(); // the caller again, unless the call gave the core away
}

sys::Return Scheduler::on_Null(Dispatcher*, const sys::Args&) { return {}; }

// The CPU driver's console, for the holder of a capability to the UART's registers (the
// monitor: before its console service runs, and when nothing else can get out).
sys::Return Scheduler::on_Print(Dispatcher* d, const sys::Args& a) {
    char buf[sys::kMaxPrint];
    auto n = copy_from_user(d, a.arg[0], buf, usize(a.arg[1]));
    if (!n.ok()) return fail(n.error());
    const ConsoleDevice con = arch::console_device();
    auto uart = caps_.find(d->cnode, a.arg[2], con.kind == kConsole16550Port ? caps::CapType::IoPort : caps::CapType::DevFrame,
                           caps::kWrite);
    if (!uart.ok() || con.base - (*uart)->base >= (*uart)->size) return fail(uart.ok() ? Error::PermissionDenied : uart.error());
    ConsoleLock lock;
    arch::console_write(buf, *n);
    return {};
}

sys::Return Scheduler::on_Yield(Dispatcher*, const sys::Args&) {
    policy_.yield();
    return {};
}

sys::Return Scheduler::on_Exit(Dispatcher* d, const sys::Args& a) {
    d->exited = true;
    d->exit_code = a.arg[0];
    end(d);
    return {};
}

sys::Return Scheduler::on_LmpSend(Dispatcher* d, const sys::Args& a) {
    auto ep = caps_.find(d->cnode, a.arg[0], caps::CapType::Endpoint, caps::kWrite);
    if (!ep.ok()) return fail(ep.error());
    Dispatcher* to = find((*ep)->base);
    if (!to || to->state == DispatcherState::Dead) return fail(Error::NotFound);
    if (to == d) return fail(Error::InvalidArgument); // it could never receive while it sends
    LmpMessage m{(*ep)->badge, {a.arg[1], a.arg[2], a.arg[3], a.arg[4]}};
    const bool takes = to->state == DispatcherState::Blocked || !to->mailbox.full();
    if (takes && a.arg[5]) {
        Status st = caps_.transfer(d->cnode, a.arg[5], to->cnode, to->recv_slot);
        if (!st.ok()) return fail(st.error());
        to->recv_slot = 0; // one capability per receive slot the receiver names
        m.sender |= sys::kLmpCapArrived;
    }
    if (to->state == DispatcherState::Blocked) {
        // The receiver waits: hand the message over in its registers and run it now (the
        // sender goes to the back of the queue), as a directed yield.
        deliver(to, m);
        policy_.hand_off(to, core().ticks);
        return {};
    }
    if (!to->mailbox.push(m)) return fail(Error::WouldBlock);
    return {};
}

sys::Return Scheduler::on_LmpReceive(Dispatcher* d, const sys::Args& a) {
    LmpMessage m{sys::kIrqSender, {d->irq_line, 0, 0, 0}}; // an interrupt held back comes first
    if ((d->irq_pending && !(d->irq_pending = false)) || d->mailbox.pop(m) || (d->id == sys::kMonitorId && kernel_message(m)))
        return {0, {m.sender, m.word[0], m.word[1], m.word[2], m.word[3]}};
    if (a.arg[0] == sys::kNoWait) return fail(Error::WouldBlock);
    const u64 now = core().ticks;
    d->deadline = a.arg[0] ? (a.arg[0] > ~now - 1 ? ~0ull : now + a.arg[0]) : 0; // saturates
    policy_.block(); // the sender, an interrupt or the deadline fills in its return registers
    return {};
}

sys::Return Scheduler::on_CoreInfo(Dispatcher* d, const sys::Args&) {
    return {0, {core().hw_id, core().index, d->id, u64(core().boot->isa), arch::counter_hz()}};
}

// Which dispatcher takes which interrupt is whoever holds its Irq capability (the monitor
// hands it to the driver it placed); one live dispatcher per line.
sys::Return Scheduler::on_IrqAttach(Dispatcher* d, const sys::Args& a) {
    auto irq = caps_.find(d->cnode, a.arg[0], caps::CapType::Irq, caps::kRead);
    if (!irq.ok()) return fail(irq.error());
    for (u32 i = 0; i < count_; ++i)
        if (all_[i] != d && all_[i]->irq_attached && all_[i]->irq_line == (*irq)->base && all_[i]->state != DispatcherState::Dead)
            return fail(Error::Busy);
    d->irq_attached = true, d->irq_line = u32((*irq)->base);
    return {0, {d->irq_line}};
}

sys::Return Scheduler::on_IrqAck(Dispatcher* d, const sys::Args& a) {
    auto irq = caps_.find(d->cnode, a.arg[0], caps::CapType::Irq, caps::kRead);
    if (!irq.ok()) return fail(irq.error());
    if (!d->irq_attached || d->irq_line != (*irq)->base) return fail(Error::PermissionDenied);
    arch::irq_unmask(d->irq_line);
    return {};
}

sys::Return Scheduler::on_CapInvoke(Dispatcher* d, const sys::Args& a) {
    const u64 n = a.arg[1];
    if (n == 0) return fail(Error::Truncated);
    if (n > sys::kMaxInvokeWords) return fail(Error::Malformed);
    u64 w[sys::kMaxInvokeWords] = {};
    auto copied = copy_from_user(d, a.arg[0], w, usize(n * 8));
    if (!copied.ok()) return fail(copied.error());
    auto reply = caps_.invoke(d->cnode, d->space.root(), w, usize(n));
    if (!reply.ok()) return fail(reply.error());
    sys::Return r;
    if (w[0] == u64(caps::Op::Identify))
        r.value[0] = caps::wire_id(reply->cap.type), r.value[1] = reply->cap.rights, r.value[2] = reply->cap.base,
        r.value[3] = reply->cap.size;
    if (w[0] == u64(caps::Op::HasDescendants)) r.value[0] = reply->flag;
    if (w[0] == u64(caps::Op::IoRead)) r.value[0] = reply->io_value;
    return r;
}

sys::Return Scheduler::on_LmpReceiveSlot(Dispatcher* d, const sys::Args& a) {
    d->recv_slot = a.arg[0];
    return {};
}

sys::Return Scheduler::on_Dispatcher(Dispatcher* d, const sys::Args& a) {
    auto cap = caps_.find(d->cnode, a.arg[0], caps::CapType::Dispatcher, caps::kWrite);
    if (!cap.ok()) return fail(cap.error());
    Dispatcher* x = find((*cap)->base);
    if (!x || x->state == DispatcherState::Dead) return fail(Error::NotFound);
    if (sys::DispatcherOp(a.arg[1]) == sys::DispatcherOp::Stop) return stop(x), sys::Return{}; // the caller's own end, perhaps
    if (a.arg[3] == 0 || a.arg[3] > sys::kMaxBadge) return fail(Error::InvalidArgument);
    return fail(caps_.install_at(d->cnode, a.arg[2], caps::CapType::Endpoint, x->id, caps::kWrite | caps::kGrant, a.arg[3])
                    .error());
}

sys::Return Scheduler::on_Kernel(Dispatcher* d, const sys::Args& a) {
    // Only the holder of the Kernel capability: the monitor.
    auto cap = caps_.find(d->cnode, a.arg[0], caps::CapType::Kernel);
    if (!cap.ok()) return fail(cap.error() == Error::WrongType ? Error::PermissionDenied : cap.error());
    return kernel_op(d, sys::KernelOp(a.arg[1]), a);
}

} // namespace mosaic::cpudriver
