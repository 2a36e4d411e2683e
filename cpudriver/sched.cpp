// Dispatchers on one core (see sched.hpp). The CPU driver is event driven: every entry
// from user mode starts on a fresh kernel stack, handles one event (system call, fault,
// interrupt) and leaves by resuming a dispatcher or halting; nothing is kept on the
// kernel stack between events.
#include "sched.hpp"

#include "console.hpp"
#include "placement.hpp"
#include "smp.hpp"

#include <mosaic/arch/user.hpp>
#include <mosaic/transports/interfaces/boot.hpp>

namespace mosaic::cpudriver {

namespace {

CoreState& core() { return *arch::core_state(); }

void copy_name(char* to, usize cap, const char* from) {
    usize i = 0;
    for (; from[i] && i + 1 < cap; ++i) to[i] = from[i];
    to[i] = 0;
}

u16 elf_machine(Isa isa) {
    switch (isa) {
    case Isa::X86_64: return elf::kMachineX86_64;
    case Isa::Aarch64: return elf::kMachineAarch64;
    default: return elf::kMachineRiscv;
    }
}


} // namespace

u64 core_ticks() { return core().ticks; }

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

u32 Scheduler::live() const {
    u32 n = 0;
    for (u32 i = 0; i < count_; ++i) n += all_[i]->state != DispatcherState::Dead;
    return n;
}

Dispatcher* Scheduler::find(u64 id) {
    for (u32 i = 0; i < count_; ++i)
        if (all_[i]->id == id) return all_[i];
    return nullptr;
}

namespace {

constexpr u64 kTablePages = 8; // a user window's tables: far fewer with programs under 2 MiB

// The frames of one program: its page count cut into naturally aligned powers of two,
// largest first, handed out page by page.
struct ImageFrames {
    u64 base[sys::kImageSlots] = {}, pages[sys::kImageSlots] = {};
    u32 count = 0, at = 0;
    u64 used = 0;
    Status carve(PagePool& pool, u64 total_pages, u32 max) {
        for (u64 rest = total_pages; rest;) {
            if (count == max) return Error::CapacityExceeded;
            u64 chunk = u64(1) << (63 - __builtin_clzll(rest));
            base[count] = TRY(pool.alloc_range(chunk * kPageSize, chunk * kPageSize));
            pages[count++] = chunk;
            rest -= chunk;
        }
        return {};
    }
    u64 next() {
        if (used == pages[at]) ++at, used = 0;
        return base[at] + kPageSize * used++;
    }
};

u64 pages_of(u64 bytes) { return (bytes + kPageSize - 1) / kPageSize; }

// Calls f(table, caps level) for every table under `table` that came from `pool`.
template <typename F> void for_each_table(u64 table, u32 level, const PagePool& pool, F&& f) {
    const u64* e = reinterpret_cast<const u64*>(uptr(table));
    for (u32 i = 0; i < 512; ++i) {
        if (!arch::mmu::is_valid(e[i]) || !arch::mmu::is_table(e[i], level)) continue;
        u64 child = arch::mmu::entry_address(e[i]);
        if (!pool.contains(child)) continue; // the kernel's tables
        f(child, level + 1);
        for_each_table(child, level + 1, pool, f);
    }
}

} // namespace

Result<Dispatcher*> Scheduler::spawn(const char* name, const u8* image, usize len, u64 arg, u64 ram_bytes,
                                     const u8* data, usize data_len) {
    if (count_ == kMaxDispatchers || data_len > sys::kMaxStartData) return Error::CapacityExceeded;
    const u64 base = arch::user_window_base();
    auto file = TRY(elf::File::open(image, len));
    UserSegment segs[8];
    u32 n = TRY(plan_user_image(file, elf_machine(core().boot->isa), base, segs, 8));
    u64 pages = pages_of(kUserStackSize) + pages_of(data_len);
    for (u32 i = 0; i < n; ++i) pages += pages_of(segs[i].seg.memsz);

    auto* d = reinterpret_cast<Dispatcher*>(uptr(TRY(pool_.alloc())));
    *d = Dispatcher{};
    d->tables = PagePool(TRY(pool_.alloc_range(kTablePages * kPageSize, kPageSize)), kTablePages * kPageSize);
    const u32 image_frames_max = sys::kImageSlots - u32(kTablePages - 1); // the root's cap has its own slot
    ImageFrames frames;
    TRY_STATUS(frames.carve(pool_, pages, image_frames_max));
    TRY_STATUS(d->space.init_shared(d->tables, kernel_root_, base));
    // Each page of each segment: filled from the file, mapped with the segment's rights
    // (never writable and executable at once).
    for (u32 i = 0; i < n; ++i) {
        const elf::Segment& s = segs[i].seg;
        const arch::mmu::MapFlags f{.write = segs[i].write, .exec = segs[i].exec, .user = true};
        for (u64 off = 0; off < s.memsz; off += kPageSize) {
            u64 frame = frames.next();
            if (off < s.filesz) {
                u64 bytes = min(kPageSize, s.filesz - off);
                const u8* from = image + s.offset + off;
                u8* to = reinterpret_cast<u8*>(uptr(frame));
                for (u64 k = 0; k < bytes; ++k) to[k] = from[k];
            }
            if (f.exec) arch::sync_icache(reinterpret_cast<const void*>(uptr(frame)), kPageSize);
            TRY_STATUS(d->space.map(s.vaddr + off, frame, kPageSize, f));
        }
    }
    // Its start data: a copy, so that it sees nothing else of the CPU driver's memory, read-only.
    for (u64 off = 0; off < data_len; off += kPageSize) {
        u64 frame = frames.next();
        u8* to = reinterpret_cast<u8*>(uptr(frame));
        for (u64 k = 0; k < kPageSize && off + k < data_len; ++k) to[k] = data[off + k];
        TRY_STATUS(d->space.map(base + sys::kStartDataOffset + off, frame, kPageSize, {.user = true}));
    }
    // The stack at the top of the window, a never-mapped guard page under it.
    const u64 stack_top = base + kUserWindowSize;
    for (u64 va = stack_top - kUserStackSize; va < stack_top; va += kPageSize)
        TRY_STATUS(d->space.map(va, frames.next(), kPageSize, {.write = true, .user = true}));

    // Its capability space holds everything it runs on: its root page table (only the heap
    // slot of it is the user's to change, see cap_check_map), the tables and frames of its
    // program, and the RAM it was given.
    d->cnode = TRY(caps_.create_cnode());
    const int root_level = int(caps::kPtLevels - arch::mmu::levels());
    auto install = [&](u32 slot, caps::CapType type, u64 at, u64 size, u8 rights) -> Status {
        if (slot >= sys::kSlotImage + sys::kImageSlots && slot != sys::kSlotRam && slot != sys::kSlotRootTable)
            return Error::CapacityExceeded;
        caps::Capability c;
        c.type = type;
        c.rights = rights;
        c.owner = u16(core().index);
        c.base = at;
        c.size = size;
        return caps_.install(d->cnode, slot, c, true);
    };
    TRY_STATUS(install(sys::kSlotRootTable, caps::page_table_type(root_level), d->space.root(), kPageSize,
                       caps::kRead | caps::kWrite));
    u32 slot = sys::kSlotImage;
    Status tables_ok;
    for_each_table(d->space.root(), 0, d->tables, [&](u64 table, u32 level) {
        if (tables_ok.ok()) tables_ok = install(slot++, caps::page_table_type(root_level + int(level)), table, kPageSize,
                                                caps::kRead | caps::kWrite);
    });
    TRY_STATUS(tables_ok);
    for (u32 i = 0; i < frames.count; ++i)
        TRY_STATUS(install(slot++, caps::CapType::Frame, frames.base[i], frames.pages[i] * kPageSize,
                           caps::kRead | caps::kWrite | caps::kExecute));
    if (ram_bytes) {
        if (ram_bytes % kPageSize) return Error::Misaligned;
        TRY_STATUS(install(sys::kSlotRam, caps::CapType::Ram, TRY(pool_.alloc_range(ram_bytes, kPageSize)), ram_bytes,
                           caps::kRead | caps::kWrite | caps::kGrant));
    }

    arch::user_frame_init(d->frame, file.entry(), stack_top, arg);
    d->id = count_ + 1;
    d->entry = file.entry();
    copy_name(d->name, sizeof d->name, name);
    all_[count_++] = d;
    policy_.make_runnable(d);
    return d;
}

void Scheduler::end(Dispatcher* d) {
    policy_.end(d);
    caps_.release_cnode(d->cnode); // its capabilities go, and with them its mappings
    sweep_mappings();
    // Its pages stay with the core's pool: dispatchers are not recycled yet.
    // A core's first dispatcher tells its boot core how the core's user mode went.
    if (d->id == 1) report_first_dispatcher(d->exited ? ifaces::boot::kExited : ifaces::boot::kFaulted, d->exit_code);
}

[[noreturn]] void Scheduler::resume(Dispatcher* d) {
    if (loaded_ != d) {
        loaded_ = d;
        arch::mmu::activate(d->space.root());
    }
    core().user_frame = &d->frame;
    arch::user_enter(d->frame);
}

[[noreturn]] void Scheduler::schedule() {
    for (;;) {
        if (Dispatcher* d = policy_.pick(core().ticks)) resume(d);
        // Nothing to run: let the hook end the run or start more, else halt until an
        // interrupt, which may make someone runnable.
        if (idle_hook_) idle_hook_(*this);
        if (policy_.has_waiting()) continue;
        // Nobody left who could ever run again, and nobody watching: no more ticks, so the
        // core sleeps until a device interrupt.
        if (!idle_hook_ && live() == 0) arch::timer_stop();
        arch::wait_for_interrupt_masked();
    }
}

[[noreturn]] void Scheduler::run() {
    arch::interrupts_disable();
    schedule();
}

[[noreturn]] void Scheduler::interrupted() {
    policy_.tick(core().ticks);
    schedule();
}

[[noreturn]] void Scheduler::fault(const TrapInfo& info) {
    Dispatcher* d = policy_.current();
    if (!d) schedule();
    d->faulted = true;
    d->fault = info;
    kprint("user fault: dispatcher '{}' (id {}) on core {:x}: {} (cause {:x}) at pc {:x}, address {:x}; dispatcher ended\n",
           d->name, d->id, core().hw_id, trap_kind_name(info.kind), info.cause, info.pc, info.address);
    end(d);
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

sys::Return Scheduler::call(Dispatcher* d, const sys::Args& a) {
    using sys::Number;
    sys::Return r;
    auto fail = [&](Error e) {
        r.error = u64(e);
        return r;
    };
    if (auto st = decode_syscall(a); !st.ok()) {
        if (st.error() == Error::UnknownSyscall)
            kprint("user: dispatcher '{}' (id {}) on core {:x}: unknown system call {}\n", d->name, d->id, core().hw_id, a.number);
        return fail(st.error());
    }
    switch (Number(a.number)) {
    case Number::Null:
        return r;
    case Number::Print: {
        char buf[sys::kMaxPrint];
        auto n = copy_from_user(d, a.arg[0], buf, usize(a.arg[1]));
        if (!n.ok()) return fail(n.error());
        ConsoleLock lock;
        arch::console_write(buf, *n);
        return r;
    }
    case Number::Yield:
        policy_.yield();
        return r;
    case Number::Exit:
        d->exited = true;
        d->exit_code = a.arg[0];
        end(d);
        return r;
    case Number::LmpSend: {
        Dispatcher* to = find(a.arg[0]);
        if (!to || to->state == DispatcherState::Dead) return fail(Error::NotFound);
        LmpMessage m{d->id, {a.arg[1], a.arg[2], a.arg[3], a.arg[4]}};
        if (!to->mailbox.full() || to->state == DispatcherState::Blocked) {
            if (a.arg[5]) {
                Status st = cap_transfer(d, a.arg[5], to);
                if (!st.ok()) return fail(st.error());
                m.sender |= sys::kLmpCapArrived;
            }
        }
        if (to->state == DispatcherState::Blocked) {
            // The receiver waits: hand the message over in its registers and run it now
            // (the sender goes to the back of the queue), as a directed yield.
            sys::Return got{0, {m.sender, m.word[0], m.word[1], m.word[2], m.word[3]}};
            arch::set_syscall_return(to->frame, got);
            policy_.hand_off(to, core().ticks);
            return r;
        }
        if (!to->mailbox.push(m)) return fail(Error::WouldBlock);
        return r;
    }
    case Number::LmpReceive: {
        LmpMessage m;
        if (d->mailbox.pop(m)) return {0, {m.sender, m.word[0], m.word[1], m.word[2], m.word[3]}};
        policy_.block(); // the sender (or an interrupt) fills in its return registers
        return r;
    }
    case Number::CoreInfo:
        return {0, {core().hw_id, core().index, d->id, u64(core().boot->isa), arch::counter_hz()}};
    case Number::CapInvoke:
        return cap_invoke(d, a.arg[0], a.arg[1]);
    case Number::LmpReceiveSlot:
        d->recv_slot = a.arg[0];
        return r;
    case Number::IrqAttach: {
        // One driver per device: the console's receive interrupt, routed to this core.
        for (u32 i = 0; i < count_; ++i)
            if (all_[i]->irq_kind == a.arg[0] && all_[i]->state != DispatcherState::Dead) return fail(Error::Busy);
        auto line = arch::console_rx_irq_enable();
        if (!line.ok()) return fail(line.error());
        d->irq_kind = a.arg[0];
        d->irq_line = *line;
        return {0, {*line}};
    }
    case Number::IrqAck:
        if (!d->irq_kind || a.arg[0] != d->irq_line) return fail(Error::PermissionDenied);
        arch::irq_unmask(d->irq_line);
        return r;
    case Number::ConsoleRead: {
        if (d->irq_kind != sys::kIrqConsoleRx) return fail(Error::PermissionDenied);
        u64 packed = 0, n = 0;
        u8 byte;
        while (n < 8 && arch::console_read(byte)) packed |= u64(byte) << (8 * n++);
        return {0, {n, packed}};
    }
    }
    return fail(Error::UnknownSyscall);
}

[[noreturn]] void Scheduler::syscall() {
    Dispatcher* d = policy_.current();
    if (!d) schedule();
    ++d->syscalls;
    sys::Return r = call(d, arch::syscall_args(d->frame));
    // A blocked caller gets its return registers from whoever wakes it.
    if (d->state == DispatcherState::Runnable) arch::set_syscall_return(d->frame, r);
    schedule(); // the caller again, unless the call gave the core away
}

bool Scheduler::deliver_irq(u32 irq) {
    for (u32 i = 0; i < count_; ++i) {
        Dispatcher* d = all_[i];
        if (!d->irq_kind || d->irq_line != irq || d->state == DispatcherState::Dead) continue;
        LmpMessage m{sys::kIrqSender, {irq, 0, 0, 0}};
        if (d->state == DispatcherState::Blocked) {
            arch::set_syscall_return(d->frame, {0, {m.sender, m.word[0], 0, 0, 0}});
            policy_.make_runnable(d);
        } else if (!d->mailbox.push(m)) {
            return false;
        }
        ++d->irqs_delivered;
        return true;
    }
    return false;
}

[[noreturn]] void on_user_syscall() { core().sched->syscall(); }
[[noreturn]] void on_user_fault(const TrapInfo& info) { core().sched->fault(info); }
[[noreturn]] void on_user_interrupt() { core().sched->interrupted(); }

} // namespace mosaic::cpudriver
