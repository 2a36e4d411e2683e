// The generic CPU driver: the boot sequence every core's driver runs after its ISA's
// boot code has filled BootInfo. Read top to bottom, it is the list of boot steps.
#include "console.hpp"
#include "fwcfg.hpp"
#include "interconnect.hpp"
#include "selftest.hpp"
#include "pingpong.hpp"
#include "skbbench.hpp"
#include "skbtest.hpp"
#include "smp.hpp"
#include "usertest.hpp"
#include "vmtest.hpp"

#include <mosaic/board.hpp>
#include <mosaic/bundle.hpp>
#include <mosaic/transports/conformance.hpp>

extern "C" char __boot_stack_top[];

namespace mosaic::cpudriver {

namespace {

constexpr u32 kTimerTestTicks = 10;
constexpr u64 kInterconnectTimeoutTicks = 60 * kTimerHz;
constexpr u64 kPingTimeoutTicks = 30 * kTimerHz;

// The boot core's state; the others carve theirs in smp.cpp. The boot sequence's test
// record outlives main's stack frame, which user mode reuses as its kernel stack.
CoreState g_boot_core;
SelfTest g_test;

CoreState& self() { return *arch::core_state(); }
u64 ticks() { return self().ticks; }


void print_banner(const BootInfo& bi) {
    kprint("\nMosaic CPU driver on {} core {} (firmware: {})\n", isa_name(bi.isa), bi.boot_core, bi.firmware);
    u64 total = 0;
    for (u32 i = 0; i < bi.memory_count; ++i) {
        kprint("  memory {:016x}-{:016x} ({} MiB)\n", bi.memory[i].base, bi.memory[i].base + bi.memory[i].size,
               bi.memory[i].size >> 20);
        total += bi.memory[i].size;
    }
    kprint("  {} MiB usable in {} ranges; {} cores discovered:", total >> 20, bi.memory_count, bi.core_count);
    for (u32 i = 0; i < bi.core_count; ++i) kprint(" {:x}", bi.core_ids[i]);
    kprint("\n");
}

// The bytes of the bundle that can be read: up to the end of the RAM range it is in.
usize bundle_limit(const BootInfo& bi) {
    u64 at = uptr(bi.bundle);
    for (u32 i = 0; i < bi.memory_count; ++i)
        if (at >= bi.memory[i].base && at < bi.memory[i].base + bi.memory[i].size)
            return usize(bi.memory[i].base + bi.memory[i].size - at);
    return bundle::kDataOffset; // outside known RAM: only the header is trusted to exist
}

// Finds and parses the board manifest from the bundle.
Result<BoardProfile> read_manifest(const BootInfo& bi) {
    auto view = TRY(bundle::View::open(bi.bundle, bundle_limit(bi)));
    auto entry = TRY(view.find(bundle::Kind::Manifest));
    BoardError err;
    auto board = parse_board(reinterpret_cast<const char*>(view.data(entry)), usize(entry.size), err);
    if (!board.ok()) kprint("  manifest line {} field '{}': {}\n", err.line, err.field, err.message);
    return board;
}

void test_trap(SelfTest& t) {
    arch::traps_init();
    self().expect_breakpoint = true;
    arch::trigger_breakpoint();
    self().expect_breakpoint = false;
    t.check(self().breakpoints == 1, "trap-breakpoint", "expected one breakpoint trap, saw {}", u32(self().breakpoints));
}

void test_timer(SelfTest& t) {
    arch::timer_start(kTimerHz);
    arch::interrupts_enable();
    while (self().ticks < kTimerTestTicks) arch::wait_for_interrupt();
    t.check(true, "timer-ticks", "");
    kprint("  timer: {} ticks at {} Hz\n", self().ticks, kTimerHz);
}

// Stops a ping-pong loop after kPingTimeoutTicks of this core's timer.
bool ping_timed_out(void* start) { return ticks() - *static_cast<u64*>(start) > kPingTimeoutTicks; }

// Prints a measurement's rate.
void print_rate(const char* what, u32 round_trips, u64 ns) {
    if (ns) kprint("  {}: {} round trips, {} ns each ({} round trips/s)\n", what, round_trips, ns, 1000000000ull / ns);
    else kprint("  {}: {} round trips (not timed)\n", what, round_trips);
}

// Round trips from this core to every other core of the node over each one's boot channel,
// then the core is released to user mode. Each measurement becomes a latency fact.
// `first` is the board's number of this node's core 0.
void test_core_pingpong(SelfTest& t, const BootInfo& bi, u32 first, SkbDiscovery& found) {
    if (bi.core_count < 2) return;
    u32 measured = 0, expected = 0, released = 0, bad = 0;
    for (u32 i = 0; i < bi.core_count; ++i) {
        CoreLink* link = core_link(i);
        if (bi.core_ids[i] == bi.boot_core || !link || !link->online || link->online_status) continue;
        ++expected;
        u64 t0 = ticks();
        auto st = ping_pong(link->ch, kCorePingPongs, ping_timed_out, &t0);
        char what[48];
        BufferSink b(what, sizeof what);
        format(b.sink(), "URPC core {:x} to core {:x}", bi.boot_core, link->hw_id);
        u64 ns = round_trip_ns(st.counter_ticks, st.round_trips);
        print_rate(what, st.round_trips, ns);
        bad += st.bad;
        if (st.round_trips == kCorePingPongs && st.bad == 0) {
            ++measured;
            if (ns && found.latency_count < SkbDiscovery::kMaxLatencies)
                found.latencies[found.latency_count++] = skb::LatencyFact{found.boot_core, first + i, ns};
        }
        if (release_core(i).ok()) ++released;
    }
    t.check(expected + 1 == bi.core_count, "urpc-core-peer", "{} of {} other cores came online to answer pings", expected,
            bi.core_count - 1);
    t.check(measured == expected && released == expected, "urpc-core-pingpong",
            "{} of {} cores answered {} round trips ({} bad replies), {} released", measured, expected, kCorePingPongs,
            bad, released);
}

void test_interconnect(SelfTest& t, const BootInfo& bi, const BoardProfile& board, SkbDiscovery& found) {
    NodeSelf me{found.node, found.boot_core};
    auto r = interconnect_talk(bi, board, me, skb_route, kInterconnectTimeoutTicks, ticks, found.latencies,
                               &found.latency_count, SkbDiscovery::kMaxLatencies);
    if (!t.check(r.ok(), "interconnect-found", "no interconnect region: {}", error_name(r.error()))) return;
    found.region_base = r->base;
    found.region_size = r->size;
    found.mc_root = r->boot_core[0];
    const u32 all = ((1u << board.node_count) - 1) & ~(1u << found.node);
    kprint("  interconnect: {} MiB at {:x}, node '{}' heard from:", r->size >> 20, r->base, board.nodes[found.node].name);
    for (u32 i = 0; i < board.node_count; ++i)
        if (r->heard_mask & (1u << i)) kprint(" {} (node {}, boot core {})", isa_name(board.nodes[i].isa),
                                              board.nodes[i].name, r->boot_core[i]);
    kprint("\n");
    t.check(r->bound_mask == all, "urpc-node-bind", "channels bound to nodes {:x} of {:x} on the SKB's routes",
            r->bound_mask, all);
    t.check(r->heard_mask == all, "interconnect-greeting", "heard from nodes {:x} of {:x}", r->heard_mask, all);
    u32 pinged = 0, answered = 0;
    for (u32 i = 0; i < board.node_count; ++i) {
        if (i == found.node) continue;
        pinged += r->round_trips[i] == kNodePingPongs;
        answered += r->served[i] == kNodePingPongs + 1;
        char what[64];
        BufferSink b(what, sizeof what);
        format(b.sink(), "URPC node to node across ISAs, to '{}' ({})", board.nodes[i].name, isa_name(board.nodes[i].isa));
        print_rate(what, r->round_trips[i], r->ns[i]);
    }
    t.check(pinged + 1 == board.node_count && answered + 1 == board.node_count && r->bad == 0, "urpc-node-pingpong",
            "{} of {} nodes answered {} round trips, {} pinged us fully, {} bad messages", pinged, board.node_count - 1,
            kNodePingPongs, answered, r->bad);
    t.check(r->done_mask == all, "interconnect-facts", "nodes {:x} of {:x} shared their measurements", r->done_mask, all);
}

// Which node of the board this is: as the runner says (fw_cfg or bootargs) when it does (and
// the ISA agrees), otherwise the first node of this ISA.
Result<u32> node_index(const BoardProfile& board, const BootInfo& bi) {
    auto given = boot_param(bi, "node");
    if (given.ok() && *given < board.node_count && board.nodes[*given].isa == bi.isa) return u32(*given);
    if (given.ok()) kprint("  the runner names node {}, which is not a {} node of this board\n", *given, isa_name(bi.isa));
    return board.node_of(bi.isa);
}

// Stays idle (halted between timer ticks) for the seconds the runner asked for, so that the host can measure what an idle node costs.
void idle_if_asked(const BootInfo& bi) {
    auto seconds = boot_param(bi, "idle");
    if (!seconds.ok() || *seconds == 0) return;
    kprint("IDLE {} s\n", *seconds);
    u64 until = ticks() + *seconds * kTimerHz;
    while (ticks() < until) arch::wait_for_interrupt();
    kprint("IDLE done\n");
}

} // namespace

TrapAction on_trap(const TrapInfo& info) {
    CoreState& me = self();
    if ((info.kind == TrapKind::PageFault || info.kind == TrapKind::Alignment) && me.expect_fault) {
        me.faults = me.faults + 1;
        me.fault_address = info.address;
        return TrapAction::Fixup;
    }
    if (info.kind == TrapKind::Breakpoint && me.expect_breakpoint) {
        me.breakpoints = me.breakpoints + 1;
        kprint("  trap: breakpoint (cause {:x}) at pc {:x}, resuming\n", info.cause, info.pc);
        return TrapAction::Resume;
    }
    kprint("\nPANIC: unexpected trap in the CPU driver on {} core {}: {} (cause {:x}) at pc {:x}, address {:x}\n",
           isa_name(me.boot->isa), me.hw_id, trap_kind_name(info.kind), info.cause,
           info.pc, info.address);
    return TrapAction::Panic;
}

void on_tick() { self().ticks = self().ticks + 1; }

// The program each core runs first, from the image's modules (nullptr if missing).
bundle::Entry first_program(const bundle::View& view, Isa isa) {
    auto e = view.find_module(isa, "hello");
    return e.ok() ? *e : bundle::Entry{};
}

// The end of the boot sequence, after user mode on this core is done.
[[noreturn]] void finish_boot() {
    const BootInfo& bi = *g_boot_core.boot;
    // 14. Benchmarks if the runner asked for them: the SKB's, then idling; report and power off.
    bench_skb_if_asked(bi);
    idle_if_asked(bi);
    g_test.finish();
}

[[noreturn]] void main(BootInfo& bi) {
    SelfTest& t = g_test;
    g_boot_core.boot = &bi;
    g_boot_core.hw_id = bi.boot_core;
    // Every entry from user mode starts on the boot stack again (every arch/<isa>/cpudriver.ld
    // defines __boot_stack_top): main's frame is gone once dispatchers run.
    g_boot_core.stack_top = u64(uptr(__boot_stack_top));
    for (u32 i = 0; i < bi.core_count; ++i)
        if (bi.core_ids[i] == bi.boot_core) g_boot_core.index = i;
    g_boot_core.user_pool = core_memory(g_boot_core.index) + kCoreUserPool;
    g_boot_core.user_pool_size = kCoreUserPoolSize;
    arch::set_core_state(&g_boot_core);
    // 1. Say who we are and what the firmware told us.
    print_banner(bi);
    // 2. Find the board manifest in the image we were booted from, and our node in it.
    auto board = read_manifest(bi);
    if (!t.check(board.ok(), "manifest", "image bundle or manifest unusable: {}", error_name(board.error())))
        t.finish();
    auto self = node_index(*board, bi);
    if (!t.check(self.ok(), "manifest-node", "board '{}' has no {} node", board->name, isa_name(bi.isa))) t.finish();
    const NodeProfile& node = board->nodes[*self];
    kprint("  board {}: node '{}' ({} of {} nodes, {})\n", board->name, node.name, *self + 1, board->node_count,
           boot_param(bi, "node").ok() ? "named by the runner" : "the first node of this ISA");
    // 3. Check discovery against the board: cores and memory.
    t.check(bi.core_count == node.cores, "cores-discovered", "found {} cores, board says {}", bi.core_count, node.cores);
    t.check(bi.memory_count > 0, "memory-map", "no usable memory reported");
    // 4. Exceptions: install vectors and take a deliberate breakpoint.
    test_trap(t);
    // 5. The timer interrupt.
    test_timer(t);
    // 6. This core's own page tables: the MMU on, and map, protect and unmap checked.
    test_mmu(t, bi, g_boot_core);
    // 7. Device interrupts: this node's interrupt controller (the console's receive
    //    interrupt goes to a user-level driver in step 13).
    auto irq = arch::irq_init(true);
    t.check(irq.ok(), "irq-controller", "interrupt controller setup failed: {}", error_name(irq.error()));
    // 8. The SKB: the board's facts and rules, answered here as on the host. It decides the
    //    transport of every channel from here on.
    test_skb(t, *board);
    SkbDiscovery found{.node = *self, .boot_core = board->first_core(*self) + g_boot_core.index};
    found.mc_root = found.boot_core; // until the other nodes say who boots there
    // 9. The other cores of this node, each with its own CPU driver instance and a boot
    //    channel to this core on the route the SKB gives.
    auto view = bundle::View::open(bi.bundle, bundle_limit(bi)); // checked in step 2
    bundle::Entry first = first_program(*view, bi.isa);
    u32 online = start_secondaries(bi, board->first_core(*self), found.boot_core, skb_route, ticks,
                                   first.size ? view->data(first) : nullptr, first.size);
    t.check(online + 1 == bi.core_count, "smp-cores-online", "{} of {} cores came online", online + 1, bi.core_count);
    // 10. Messages: the wire format is the same bytes here as on every ISA; round trips to
    //     every other core of the node, which then go on to user mode.
    u64 digest = transports::conformance_digest();
    t.check(digest == transports::kExpectedConformanceDigest, "wire-digest", "digest {:x}, expected {:x}", digest,
            transports::kExpectedConformanceDigest);
    kprint("  wire conformance digest {:x}\n", digest);
    test_core_pingpong(t, bi, board->first_core(*self), found);
    // 11. Other nodes of the board, over the interconnect region: greetings, round trips,
    //     and the measurements of every node shared with every node.
    if (board->node_count > 1) test_interconnect(t, bi, *board, found);
    // 12. The SKB learns what this boot discovered and measured, and builds the board's
    //     multicast tree from the measurements.
    test_skb_discovered(t, bi, *board, found);
    test_skb_multicast(t, *board, found);
    // 13. User mode: dispatchers on this core (the other cores run theirs already).
    run_user_tests(t, bi, kernel_root(), *view, finish_boot);
}

} // namespace mosaic::cpudriver
