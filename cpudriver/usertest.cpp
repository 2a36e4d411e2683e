// User mode on the boot core: the test programs run as dispatchers in five phases, and
// the idle hook (called whenever the core has nothing to run) checks what each did,
// starts the next phase, waits for the other cores' first dispatchers, and hands over to
// the rest of the boot sequence.
#include "usertest.hpp"

#include "console.hpp"
#include "skbtest.hpp"
#include "smp.hpp"

#include <mosaic/transports/interfaces/boot.hpp>

namespace mosaic::cpudriver {

namespace {

constexpr u64 kPhaseTimeoutTicks = 30 * 100;   // 30 s at 100 Hz
constexpr u64 kInputTimeoutTicks = 10 * 100;   // for the runner's answer to "INPUT ready"
constexpr u64 kLmpRounds = 2000, kNullCalls = 20000, kSpinMs = 300;
constexpr u64 kUnmappedOffset = 512ull << 20;  // as in userland/programs/fault.cpp
constexpr u64 kCapsRam = 64 * 1024;             // RAM given to each capability test dispatcher
constexpr u64 kServerRam = 256 * 1024;          // RAM the memory server hands out

struct Run {
    SelfTest* t = nullptr;
    const BootInfo* bi = nullptr;
    bundle::View view;
    void (*done)() = nullptr;
    u32 phase = 0;
    u64 deadline = 0;
    Dispatcher* uart = nullptr;
    Dispatcher *hello = nullptr, *ping = nullptr, *pong = nullptr, *bench = nullptr;
    Dispatcher *spin[2] = {}, *fault[5] = {}, *after = nullptr;
    Dispatcher *caps = nullptr, *caps_revoked = nullptr, *memserv = nullptr, *memclient = nullptr;
    Dispatcher *skb = nullptr, *skb_client = nullptr;
} g_run;

Dispatcher* spawn(Scheduler& s, const char* program, u64 arg, u64 ram = 0, const void* data = nullptr, usize len = 0) {
    auto m = g_run.view.find_module(g_run.bi->isa, program);
    if (!m.ok()) {
        kprint("  user: no {} module '{}' in the image: {}\n", isa_name(g_run.bi->isa), program, error_name(m.error()));
        return nullptr;
    }
    auto d = s.spawn(program, g_run.view.data(*m), usize(m->size), arg, ram, static_cast<const u8*>(data), len);
    if (!d.ok()) {
        kprint("  user: cannot start '{}': {}\n", program, error_name(d.error()));
        return nullptr;
    }
    return *d;
}

bool exited_ok(const Dispatcher* d) { return d && d->exited && d->exit_code == 0; }

// "exit 0", "exit 3", "fault <kind> at <pc>", "not started" for failure messages.
const char* how_ended(const Dispatcher* d) {
    if (!d) return "not started";
    if (d->faulted) return "ended by a fault";
    if (!d->exited) return "still alive";
    return d->exit_code == 0 ? "exit 0" : "exit with an error code";
}

// Phase 0: a user-level driver for the console's receive interrupt, fed by the runner.
void start_irq(Scheduler& s) { g_run.uart = spawn(s, "uart", 0); }

void check_irq(Scheduler& s, bool late) {
    Dispatcher* d = g_run.uart;
    if (late && d && !d->exited && !d->faulted) {
        g_run.t->check(false, "uart-rx-irq", "timeout after {} ticks: {} receive interrupts delivered to the driver",
                       kInputTimeoutTicks, d->irqs_delivered);
        s.stop(d); // ends the waiting driver
        return;
    }
    g_run.t->check(exited_ok(d), "uart-rx-irq", "{}", d && d->exited && d->exit_code == 1 ? "wrong bytes (see the driver's line above)" : how_ended(d));
}

// Phase 1: a first program, then the null-call benchmark alone on the core.
void start_phase1(Scheduler& s) {
    u64 hw = g_run.bi->boot_core;
    g_run.hello = spawn(s, "hello", hw);
    g_run.bench = spawn(s, "bench", kNullCalls);
}

void check_phase1() {
    SelfTest& t = *g_run.t;
    t.check(exited_ok(g_run.hello), "user-hello", "the hello dispatcher: {}", how_ended(g_run.hello));
    t.check(exited_ok(g_run.bench), "user-null-syscall", "the benchmark dispatcher: {}", how_ended(g_run.bench));
}

// Phase 2: LMP ping-pong between two dispatchers, alone on the core.
void start_lmp(Scheduler& s) {
    g_run.pong = spawn(s, "lmp", (kLmpRounds << 1) | 0);
    if (g_run.pong) g_run.ping = spawn(s, "lmp", (u64(g_run.pong->id) << 32) | (kLmpRounds << 1) | 1);
}

void check_lmp() {
    g_run.t->check(exited_ok(g_run.ping) && exited_ok(g_run.pong), "user-lmp-pingpong", "ping: {}, pong: {}",
                   how_ended(g_run.ping), how_ended(g_run.pong));
}

// Phase 3: time slicing and misbehaving programs.
void start_phase2(Scheduler& s) {
    for (auto& d : g_run.spin) d = spawn(s, "spin", kSpinMs);
    for (u64 mode = 0; mode < 5; ++mode) g_run.fault[mode] = spawn(s, "fault", mode);
    g_run.after = spawn(s, "hello", g_run.bi->boot_core);
}

bool faulted_with(const Dispatcher* d, TrapKind kind, u64 address, bool check_address) {
    return d && d->faulted && d->fault.kind == kind && d->fault.from_user && (!check_address || d->fault.address == address);
}

void check_phase2() {
    SelfTest& t = *g_run.t;
    Dispatcher *a = g_run.spin[0], *b = g_run.spin[1];
    t.check(exited_ok(a) && exited_ok(b) && a->preemptions > 0 && b->preemptions > 0, "user-timeslice",
            "spinners: {} / {}, preempted {} / {} times", how_ended(a), how_ended(b), a ? a->preemptions : 0,
            b ? b->preemptions : 0);
    u64 window = arch::user_window_base();
    Dispatcher** f = g_run.fault;
    t.check(faulted_with(f[0], TrapKind::PageFault, window + kUnmappedOffset, true), "user-fault-unmapped",
            "read of unmapped {:x}: {}", window + kUnmappedOffset, how_ended(f[0]));
    t.check(faulted_with(f[1], TrapKind::IllegalInstruction, 0, false), "user-fault-illegal",
            "undefined instruction: {}", how_ended(f[1]));
    t.check(f[2] && faulted_with(f[2], TrapKind::PageFault, f[2]->entry, true), "user-fault-readonly",
            "write to read-only code at {:x}: {}", f[2] ? f[2]->entry : 0, how_ended(f[2]));
    t.check(exited_ok(f[3]), "user-unknown-syscall", "dispatcher making an unknown call: {}", how_ended(f[3]));
    t.check(exited_ok(f[4]), "user-bad-address", "dispatcher printing from bad addresses: {}", how_ended(f[4]));
    t.check(exited_ok(g_run.after), "user-core-goes-on", "a dispatcher started after the faulting ones: {}",
            how_ended(g_run.after));
}

// Phase 4: capabilities from user mode.
void start_caps(Scheduler& s) {
    g_run.caps = spawn(s, "caps", 0, kCapsRam);
    g_run.caps_revoked = spawn(s, "caps", 1, kCapsRam);
    // The memory server gets RAM it may pass on (Grant); its client gets none of its own.
    g_run.memserv = spawn(s, "memserv", 0, kServerRam);
    if (g_run.memserv) g_run.memclient = spawn(s, "caps", (u64(g_run.memserv->id) << 8) | 2);
}

void check_caps() {
    SelfTest& t = *g_run.t;
    t.check(exited_ok(g_run.caps), "user-cap-escalation", "capability tests: {} ({} failed)", how_ended(g_run.caps),
            g_run.caps && g_run.caps->exited ? g_run.caps->exit_code : 0);
    t.check(faulted_with(g_run.caps_revoked, TrapKind::PageFault, user_heap_base(), true), "user-cap-revoke-unmaps",
            "touching a revoked frame at {:x}: {}", user_heap_base(), how_ended(g_run.caps_revoked));
    t.check(exited_ok(g_run.memserv) && exited_ok(g_run.memclient), "user-memory-server",
            "memory server: {}, its client: {}", how_ended(g_run.memserv), how_ended(g_run.memclient));
}

// Phase 5: the SKB server, with every fact the boot core's SKB has as its start data, and
// a client that asks it the standard queries over a channel and compares the answers with
// the boot core's (passed as the client's start data).
void start_skb(Scheduler& s) {
    SkbBootFacts facts = skb_boot_facts();
    if (facts.len == 0) return; // the SKB failed at boot; the check says so
    g_run.skb = spawn(s, "skb", facts.len, 0, facts.text, facts.len);
    u8 expected[16];
    store_le64(expected, facts.digest);
    store_le64(expected + 8, facts.lines);
    if (g_run.skb) g_run.skb_client = spawn(s, "skbclient", g_run.skb->id, 0, expected, sizeof expected);
}

void check_skb() {
    g_run.t->check(exited_ok(g_run.skb) && exited_ok(g_run.skb_client), "user-skb-server", "server: {}, client: {}",
                   how_ended(g_run.skb), how_ended(g_run.skb_client));
}

// The other cores of the node: each ran its first dispatcher and says on its boot channel
// how it ended; all must have ended well. Returns false while some have not said yet (and
// the deadline has not passed).
bool check_other_cores(bool final) {
    const BootInfo& bi = *g_run.bi;
    u32 online = 0, good = 0, waiting = 0, refused = 0;
    for (u32 i = 0; i < bi.core_count; ++i) {
        CoreLink* link = core_link(i);
        if (!link || !link->online || link->online_status) continue;
        poll_core_link(*link);
        ++online;
        refused += link->refused;
        if (!link->reported) ++waiting;
        else if (link->report_status == ifaces::boot::kExited && link->exit_code == 0) ++good;
    }
    if (waiting && !final) return false;
    g_run.t->check(good == online && refused == 0, "user-every-core",
                   "{} of {} other cores reported a clean exit from user mode ({} silent, {} messages refused)", good,
                   online, waiting, refused);
    return true;
}

void idle(Scheduler& s) {
    bool late = core_ticks() > g_run.deadline;
    if (s.live() != 0 && !late) return; // someone is blocked and may still be woken
    if (late && g_run.phase < 6)
        kprint("  user: phase {} timed out with {} dispatchers alive\n", g_run.phase, s.live());
    switch (g_run.phase) {
    case 0:
        check_irq(s, late);
        start_phase1(s);
        break;
    case 1:
        check_phase1();
        start_lmp(s);
        break;
    case 2:
        check_lmp();
        start_phase2(s);
        break;
    case 3:
        check_phase2();
        start_caps(s);
        break;
    case 4:
        check_caps();
        start_skb(s);
        break;
    case 5:
        check_skb();
        break;
    default:
        if (!check_other_cores(late)) return;
        kprint("  user: {} dispatchers ran on this core, {} KiB of its dispatcher memory left\n", s.count(),
               s.pool_left() >> 10);
        arch::interrupts_enable();
        g_run.done();
    }
    ++g_run.phase;
    g_run.deadline = core_ticks() + kPhaseTimeoutTicks;
}

} // namespace

[[noreturn]] void run_user_tests(SelfTest& t, const BootInfo& bi, u64 kernel_root, const bundle::View& view, void (*done)()) {
    g_run.t = &t;
    g_run.bi = &bi;
    g_run.view = view;
    g_run.done = done;
    auto s = kernel_root ? core_scheduler(*arch::core_state(), kernel_root) : Result<Scheduler*>(Error::NotFound);
    if (!t.check(s.ok(), "user-scheduler", "no scheduler: {}", kernel_root ? error_name(s.error()) : "no kernel map"))
        done();
    start_irq(**s);
    g_run.phase = 0;
    g_run.deadline = core_ticks() + kInputTimeoutTicks;
    (*s)->set_idle_hook(idle);
    (*s)->run();
}

} // namespace mosaic::cpudriver
