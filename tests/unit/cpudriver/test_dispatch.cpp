// The hardware-neutral parts of dispatching (cpudriver/dispatch.hpp): the round-robin
// policy, the LMP mailbox, system-call decoding and the checks of a new dispatcher's root table.
#include <doctest.h>

#include <mosaic/cpudriver/dispatch.hpp>

#include <initializer_list>
#include <vector>


using namespace mosaic;
using namespace mosaic::cpudriver;

namespace {

struct D {
    D* next = nullptr;
    DispatcherState state = DispatcherState::Runnable;
    u32 preemptions = 0;
    int id = 0;
};

} // namespace

TEST_CASE("round robin: every runnable dispatcher gets the core in turn") {
    D a{.id = 1}, b{.id = 2}, c{.id = 3};
    RoundRobin<D> rr(2);
    rr.make_runnable(&a), rr.make_runnable(&b), rr.make_runnable(&c);
    CHECK(rr.pick(0) == &a);
    CHECK_FALSE(rr.tick(1)); // the slice is two ticks
    CHECK(rr.pick(1) == &a);
    CHECK(rr.tick(2));
    CHECK(a.preemptions == 1);
    CHECK(rr.pick(2) == &b);
    CHECK(rr.tick(4));
    CHECK(rr.pick(4) == &c);
    CHECK(rr.tick(6));
    CHECK(rr.pick(6) == &a);
    CHECK(a.preemptions == 1);
    CHECK(b.preemptions == 1);
    CHECK(c.preemptions == 1);
}

TEST_CASE("round robin: a lone dispatcher keeps the core, yield with nobody waiting is a no-op") {
    D a;
    RoundRobin<D> rr(1);
    rr.make_runnable(&a);
    CHECK(rr.pick(0) == &a);
    CHECK_FALSE(rr.tick(5));
    CHECK(a.preemptions == 0);
    rr.yield();
    CHECK(rr.pick(5) == &a);
}

TEST_CASE("round robin: yield, block, wake and end") {
    D a{.id = 1}, b{.id = 2};
    RoundRobin<D> rr;
    rr.make_runnable(&a), rr.make_runnable(&b);
    CHECK(rr.pick(0) == &a);
    rr.yield();
    CHECK(rr.pick(0) == &b);
    rr.block();
    CHECK(b.state == DispatcherState::Blocked);
    CHECK(rr.pick(0) == &a);
    rr.block();
    CHECK(rr.pick(0) == nullptr); // both blocked: the core idles
    rr.make_runnable(&b);
    CHECK(rr.pick(0) == &b);
    rr.end(&b);
    CHECK(b.state == DispatcherState::Dead);
    CHECK(rr.pick(0) == nullptr);
    rr.make_runnable(&a);
    rr.end(&a); // ends while queued: leaves the queue
    CHECK_FALSE(rr.has_waiting());
    CHECK(rr.pick(0) == nullptr);
}

TEST_CASE("round robin: hand-off runs the woken receiver next and queues the sender") {
    D s{.id = 1}, r{.id = 2}, other{.id = 3};
    RoundRobin<D> rr(1);
    rr.make_runnable(&r);
    CHECK(rr.pick(0) == &r);
    rr.block(); // r waits for a message
    rr.make_runnable(&other), rr.make_runnable(&s);
    CHECK(rr.pick(0) == &other);
    rr.yield();
    CHECK(rr.pick(0) == &s);
    rr.hand_off(&r, 3);
    CHECK(r.state == DispatcherState::Runnable);
    CHECK(rr.pick(3) == &r);
    CHECK_FALSE(rr.tick(3)); // a fresh slice
    CHECK(rr.tick(4));
    CHECK(rr.pick(4) == &other); // other waited longer than the sender
    CHECK(rr.tick(5));
    CHECK(rr.pick(5) == &s);
}

TEST_CASE("run queue: remove from the middle, the ends and absent elements") {
    D a, b, c;
    IntrusiveQueue<D> q;
    q.push(&a), q.push(&b), q.push(&c);
    CHECK(q.remove(&b));
    CHECK_FALSE(q.remove(&b));
    CHECK(q.size() == 2);
    CHECK(q.remove(&c));
    q.push(&b);
    CHECK(q.pop() == &a);
    CHECK(q.pop() == &b);
    CHECK(q.pop() == nullptr);
    CHECK(q.empty());
}

TEST_CASE("mailbox: FIFO, bounded, refuses when full") {
    Mailbox m;
    for (u64 i = 0; i < Mailbox::kSlots; ++i) CHECK(m.push({i, {i, 2 * i, 0, 0}}));
    CHECK(m.full());
    CHECK_FALSE(m.push({99, {}}));
    LmpMessage out;
    for (u64 i = 0; i < Mailbox::kSlots; ++i) {
        REQUIRE(m.pop(out));
        CHECK(out.sender == i);
        CHECK(out.word[1] == 2 * i);
    }
    CHECK_FALSE(m.pop(out));
    CHECK(m.push({7, {}})); // wraps around
    REQUIRE(m.pop(out));
    CHECK(out.sender == 7);
}

TEST_CASE("system-call decoding: numbers, lengths, address overflow, reserved capability slot") {
    using sys::Number;
    auto dec = [](u64 n, std::initializer_list<u64> args = {}) {
        sys::Args a;
        a.number = n;
        usize i = 0;
        for (u64 v : args) a.arg[i++] = v;
        return decode_syscall(a);
    };
    for (u64 n = 0; n < sys::kSyscallCount; ++n)
        if (n != u64(Number::Kernel) && n != u64(Number::Dispatcher)) CHECK(dec(n).ok()); // need valid args, below
    CHECK(dec(sys::kSyscallCount).error() == Error::UnknownSyscall);
    CHECK(dec(~0ull).error() == Error::UnknownSyscall);
    CHECK(dec(u64(Number::Print), {0x1000, sys::kMaxPrint}).ok());
    CHECK(dec(u64(Number::Print), {0x1000, sys::kMaxPrint + 1}).error() == Error::InvalidArgument);
    CHECK(dec(u64(Number::Print), {~0ull - 2, 8}).error() == Error::BadAddress);
    CHECK(dec(u64(Number::LmpSend), {1, 2, 3, 4, 5, 0}).ok());
    CHECK(dec(u64(Number::LmpSend), {1, 2, 3, 4, 5, 0x10003}).ok()); // with a capability
    CHECK(dec(u64(Number::LmpSend), {1, 2, 3, 4, 5, 1ull << 40}).error() == Error::InvalidSlot);
    CHECK(dec(u64(Number::LmpReceiveSlot), {1ull << 24}).error() == Error::InvalidSlot);
    // Interrupts and sends name capabilities: slot addresses.
    CHECK(dec(u64(Number::IrqAttach), {0x10003}).ok());
    CHECK(dec(u64(Number::IrqAttach), {1ull << 24}).error() == Error::InvalidSlot);
    CHECK(dec(u64(Number::IrqAck), {~0ull}).error() == Error::InvalidSlot);
    CHECK(dec(u64(Number::LmpSend), {1ull << 32, 2, 3, 4, 5, 0}).error() == Error::InvalidSlot);
    // A Dispatcher capability's operations: a slot address, then an operation it has.
    CHECK(dec(u64(Number::Dispatcher), {0x1001a, u64(sys::DispatcherOp::Stop)}).ok());
    CHECK(dec(u64(Number::Dispatcher), {0x1001a, u64(sys::DispatcherOp::Endpoint), 0x10020, 7}).ok());
    CHECK(dec(u64(Number::Dispatcher), {0x1001a, 0}).error() == Error::InvalidArgument);
    CHECK(dec(u64(Number::Dispatcher), {0x1001a, 3}).error() == Error::InvalidArgument);
    CHECK(dec(u64(Number::Dispatcher), {1ull << 24, u64(sys::DispatcherOp::Stop)}).error() == Error::InvalidSlot);
    // The Kernel capability's operations: a slot address, then an operation it has.
    CHECK(dec(u64(Number::Kernel), {0x10012, u64(sys::KernelOp::Dispatch)}).ok());
    CHECK(dec(u64(Number::Kernel), {0x10012, u64(sys::KernelOp::PowerOff)}).ok());
    CHECK(dec(u64(Number::Kernel), {0x10012, 0}).error() == Error::InvalidArgument);
    CHECK(dec(u64(Number::Kernel), {0x10012, 99}).error() == Error::InvalidArgument);
    CHECK(dec(u64(Number::Kernel), {1ull << 30, u64(sys::KernelOp::Dispatch)}).error() == Error::InvalidSlot);
}

TEST_CASE("dispatch: the new root table holds the user's entries only, the entry lies in the window") {
    constexpr u64 kBase = 0x80'0000'0000ull;
    auto valid = [](u64 e) { return (e & 1) != 0; };
    u64 root[512] = {};
    root[1] = 0x1001; // the window's slot
    CHECK(check_new_root(root, valid, 1, 2, kBase, kBase + 0x10).ok());
    root[2] = 0x2001; // the heap slot may be built already
    CHECK(check_new_root(root, valid, 1, 2, kBase, kBase + 0x10).ok());
    // A table of its own in a slot the kernel's map uses: refused, whichever slot.
    for (u64 slot : {0ull, 3ull, 256ull, 511ull}) {
        root[slot] = 0x3001;
        CHECK(check_new_root(root, valid, 1, 2, kBase, kBase + 0x10).error() == Error::PermissionDenied);
        root[slot] = 0x3000; // an invalid entry is nothing
        CHECK(check_new_root(root, valid, 1, 2, kBase, kBase + 0x10).ok());
        root[slot] = 0;
    }
    // Nothing in the window; an entry outside it, in its start data, or wrapping.
    root[1] = 0;
    CHECK(check_new_root(root, valid, 1, 2, kBase, kBase + 0x10).error() == Error::InvalidArgument);
    root[1] = 0x1001;
    CHECK(check_new_root(root, valid, 1, 2, kBase, kBase - 4).error() == Error::BadAddress);
    CHECK(check_new_root(root, valid, 1, 2, kBase, kBase + kUserWindowSize).error() == Error::BadAddress);
    CHECK(check_new_root(root, valid, 1, 2, kBase, kBase + sys::kStartDataOffset).error() == Error::BadAddress);
    CHECK(check_new_root(root, valid, 1, 2, kBase, ~0ull).error() == Error::BadAddress);
    CHECK(check_new_root(root, valid, 512, 2, kBase, kBase).error() == Error::InvalidArgument);
}
