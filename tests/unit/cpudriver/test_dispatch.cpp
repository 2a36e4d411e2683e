// The hardware-neutral parts of dispatching (cpudriver/dispatch.hpp): the round-robin
// policy, the LMP mailbox, system-call decoding and the checks of user program images.
#include <doctest.h>

#include <mosaic/cpudriver/dispatch.hpp>

#include <cstring>
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

// A minimal ELF64 executable: a header and one program header per segment.
struct Seg {
    u32 flags;
    u64 vaddr, filesz, memsz;
};
std::vector<u8> make_elf(u16 machine, u64 entry, const std::vector<Seg>& segs) {
    std::vector<u8> f(64 + 56 * segs.size() + 64, 0);
    auto put16 = [&](usize at, u16 v) { std::memcpy(&f[at], &v, 2); };
    auto put32 = [&](usize at, u32 v) { std::memcpy(&f[at], &v, 4); };
    auto put64 = [&](usize at, u64 v) { std::memcpy(&f[at], &v, 8); };
    std::memcpy(&f[0], "\x7f" "ELF", 4);
    f[4] = 2, f[5] = 1, f[6] = 1;
    put16(16, 2);
    put16(18, machine);
    put64(24, entry);
    put64(32, 64);
    put16(54, 56);
    put16(56, u16(segs.size()));
    for (usize i = 0; i < segs.size(); ++i) {
        usize p = 64 + 56 * i;
        put32(p, 1);
        put32(p + 4, segs[i].flags);
        put64(p + 8, 0);
        put64(p + 16, segs[i].vaddr);
        put64(p + 24, segs[i].vaddr);
        put64(p + 32, segs[i].filesz);
        put64(p + 40, segs[i].memsz);
    }
    return f;
}

constexpr u64 kBase = 0x80'0000'0000ull;
constexpr u16 kMachine = elf::kMachineRiscv;

Result<u32> plan(const std::vector<u8>& image, UserSegment* out, u32 max = 8) {
    auto f = elf::File::open(image.data(), image.size());
    if (!f.ok()) return f.error();
    return plan_user_image(*f, kMachine, kBase, out, max);
}

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
    RunQueue<D> q;
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
        if (n != u64(Number::IrqAttach) && n != u64(Number::Kernel)) CHECK(dec(n).ok()); // need valid args, below
    CHECK(dec(sys::kSyscallCount).error() == Error::UnknownSyscall);
    CHECK(dec(~0ull).error() == Error::UnknownSyscall);
    CHECK(dec(u64(Number::Print), {0x1000, sys::kMaxPrint}).ok());
    CHECK(dec(u64(Number::Print), {0x1000, sys::kMaxPrint + 1}).error() == Error::InvalidArgument);
    CHECK(dec(u64(Number::Print), {~0ull - 2, 8}).error() == Error::BadAddress);
    CHECK(dec(u64(Number::LmpSend), {1, 2, 3, 4, 5, 0}).ok());
    CHECK(dec(u64(Number::LmpSend), {1, 2, 3, 4, 5, 0x10003}).ok()); // with a capability
    CHECK(dec(u64(Number::LmpSend), {1, 2, 3, 4, 5, 1ull << 40}).error() == Error::InvalidSlot);
    CHECK(dec(u64(Number::LmpReceiveSlot), {1ull << 24}).error() == Error::InvalidSlot);
    CHECK(dec(u64(Number::IrqAttach), {sys::kIrqConsoleRx}).ok());
    CHECK(dec(u64(Number::IrqAttach), {77}).error() == Error::InvalidArgument);
    // The Kernel capability's operations: a slot address, then an operation it has.
    CHECK(dec(u64(Number::Kernel), {0x10012, u64(sys::KernelOp::Spawn)}).ok());
    CHECK(dec(u64(Number::Kernel), {0x10012, u64(sys::KernelOp::PowerOff)}).ok());
    CHECK(dec(u64(Number::Kernel), {0x10012, 0}).error() == Error::InvalidArgument);
    CHECK(dec(u64(Number::Kernel), {0x10012, 99}).error() == Error::InvalidArgument);
    CHECK(dec(u64(Number::Kernel), {1ull << 30, u64(sys::KernelOp::Spawn)}).error() == Error::InvalidSlot);
}

TEST_CASE("user window bounds") {
    constexpr u64 top = kBase + kUserWindowSize;
    CHECK(in_user_window(kBase, kBase, 0));
    CHECK(in_user_window(kBase, top - 8, 8));
    CHECK_FALSE(in_user_window(kBase, top - 8, 9));
    CHECK_FALSE(in_user_window(kBase, kBase - 1, 1));
    CHECK_FALSE(in_user_window(kBase, 0x1000, 8));
    CHECK_FALSE(in_user_window(kBase, ~0ull - 3, 8)); // wraps
}

TEST_CASE("user images: a well-formed program is planned segment by segment") {
    auto img = make_elf(kMachine, kBase + 0x10, {{5, kBase, 0x40, 0x1800}, {4, kBase + 0x2000, 0x10, 0x10}, {6, kBase + 0x3000, 0x10, 0x5000}});
    UserSegment out[8];
    auto n = plan(img, out);
    REQUIRE(n.ok());
    CHECK(*n == 3);
    CHECK(out[0].exec);
    CHECK_FALSE(out[0].write);
    CHECK_FALSE(out[1].exec);
    CHECK_FALSE(out[1].write);
    CHECK(out[2].write);
    CHECK(out[2].seg.memsz == 0x5000);
}

TEST_CASE("user images: hostile and broken programs are refused with a reason") {
    UserSegment out[8];
    // Writable and executable at once.
    CHECK(plan(make_elf(kMachine, kBase, {{7, kBase, 0x10, 0x10}}), out).error() == Error::PermissionDenied);
    // Below the window (e.g. over the kernel), across its top, into the stack.
    CHECK(plan(make_elf(kMachine, 0x1000, {{5, 0x1000, 0x10, 0x10}}), out).error() == Error::OutOfRange);
    CHECK(plan(make_elf(kMachine, kBase, {{5, kBase + kUserWindowSize - 0x1000, 0x10, 0x2000}}), out).error() ==
          Error::OutOfRange);
    CHECK(plan(make_elf(kMachine, kBase, {{5, kBase, 0x10, kUserWindowSize - kUserStackSize}}), out).error() ==
          Error::OutOfRange);
    // Into the start data the CPU driver may map (the last page below it is still the program's).
    CHECK(plan(make_elf(kMachine, kBase, {{5, kBase, 0x10, sys::kStartDataOffset + 0x10}}), out).error() ==
          Error::OutOfRange);
    CHECK(plan(make_elf(kMachine, kBase, {{5, kBase, 0x10, sys::kStartDataOffset}}), out).ok());
    // Not page aligned, overlapping pages, entry outside code, wrong ISA, nothing to load.
    CHECK(plan(make_elf(kMachine, kBase + 0x10, {{5, kBase + 0x10, 0x10, 0x10}}), out).error() == Error::Misaligned);
    CHECK(plan(make_elf(kMachine, kBase, {{5, kBase, 0x10, 0x1800}, {6, kBase + 0x1000, 0x10, 0x10}}), out).error() ==
          Error::AlreadyExists);
    CHECK(plan(make_elf(kMachine, kBase + 0x2000, {{5, kBase, 0x10, 0x10}, {6, kBase + 0x2000, 0x10, 0x10}}), out)
              .error() == Error::BadAddress);
    CHECK(plan(make_elf(elf::kMachineX86_64, kBase, {{5, kBase, 0x10, 0x10}}), out).error() == Error::Unsupported);
    CHECK(plan(make_elf(kMachine, kBase, {}), out).error() == Error::Malformed);
    // More segments than the loader takes; file bytes past the end.
    CHECK(plan(make_elf(kMachine, kBase, {{5, kBase, 0x10, 0x10}, {4, kBase + 0x1000, 0x10, 0x10}}), out, 1).error() ==
          Error::CapacityExceeded);
    CHECK(plan(make_elf(kMachine, kBase, {{5, kBase, 0x100000, 0x100000}}), out).error() == Error::Truncated);
    // Address arithmetic that wraps.
    CHECK(plan(make_elf(kMachine, kBase, {{5, ~0xfffull, 0x10, 0x2000}}), out).error() == Error::Malformed);
}
