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
// Where the node-to-node rings live in the interconnect region: one 4 KiB page per
// ordered (writer, reader) pair of nodes, after the greeting slots.
constexpr u64 kNodeRings = 0x10000, kNodeRingStride = 0x1000;

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

void test_node_pingpong(SelfTest& t, const BoardProfile& board, u32 self_node, u64 region);

void test_interconnect(SelfTest& t, const BootInfo& bi, const BoardProfile& board, u32 self, SkbDiscovery& found) {
    auto r = interconnect_greet(bi, board, self, kInterconnectTimeoutTicks, ticks);
    if (!t.check(r.ok(), "interconnect-found", "no interconnect region: {}", error_name(r.error()))) return;
    found.region_base = r->base;
    found.region_size = r->size;
    kprint("  interconnect: {} MiB at {:x}, node '{}' announced in slot {}\n", r->size >> 20, r->base,
           board.nodes[self].name, self);
    kprint("  heard from:");
    for (u32 i = 0; i < board.node_count; ++i)
        if (r->heard_mask & (1u << i)) kprint(" {} (node {})", isa_name(board.nodes[i].isa), board.nodes[i].name);
    kprint("\n");
    u32 all = (1u << board.node_count) - 1;
    if (t.check(r->heard_mask == all, "interconnect-greeting", "heard from mask {:x} of {:x}", r->heard_mask, all))
        test_node_pingpong(t, board, self, r->base);
}

// Stops a ping-pong loop after kPingTimeoutTicks of this core's timer.
bool ping_timed_out(void* start) { return ticks() - *static_cast<u64*>(start) > kPingTimeoutTicks; }

// Prints a ping-pong's rate, timed with the ISA's counter (c0 = its value at the start);
// returns the nanoseconds per round trip (0 if it cannot tell).
u64 report_rate(const char* what, u32 round_trips, u64 c0) {
    u64 hz = arch::counter_hz(), elapsed = arch::counter() - c0;
    if (!hz || !round_trips) {
        kprint("  {}: {} round trips (no counter frequency to time them)\n", what, round_trips);
        return 0;
    }
    u64 us = elapsed * 1000 / (hz / 1000 ? hz / 1000 : 1);
    kprint("  {}: {} round trips in {} us, {} ns each ({} round trips/s)\n", what, round_trips, us,
           us * 1000 / round_trips, us ? u64(round_trips) * 1000000 / us : 0);
    return elapsed * 1000 / round_trips * 1000000 / hz; // in milli-ticks first: no overflow, no rounding to ticks
}

void test_core_pingpong(SelfTest& t, const BootInfo& bi, CoreState* peer, SkbDiscovery& found) {
    if (bi.core_count < 2) return;
    if (!t.check(peer && peer->online == 1, "urpc-core-peer", "no other core came online to answer pings")) return;
    auto* rings = reinterpret_cast<u8*>(uptr(peer->ping_rings));
    transports::Channel client;
    if (!t.check(bind_urpc(client, rings, rings + transports::urpc_region_bytes(kPingSlots)).ok(), "urpc-core-bind",
                 "cannot bind the ring pair"))
        return;
    u64 t0 = ticks(), c0 = arch::counter();
    auto st = ping_pong(&client, kCorePingPongs, nullptr, 0, ping_timed_out, &t0);
    u64 ns = report_rate("URPC core to core", st.round_trips, c0);
    bool ok = t.check(st.round_trips == kCorePingPongs && st.bad == 0, "urpc-core-pingpong",
                      "{} of {} round trips with core {:x}, {} bad replies", st.round_trips, kCorePingPongs, peer->hw_id,
                      st.bad);
    if (ok) { // a measurement for the SKB
        found.peer = peer->index;
        found.round_trip_ns = ns;
    }
}

void test_node_pingpong(SelfTest& t, const BoardProfile& board, u32 self_node, u64 region) {
    u32 n = board.node_count, next = (self_node + 1) % n, prev = (self_node + n - 1) % n;
    auto ring = [&](u32 writer, u32 reader) {
        return reinterpret_cast<void*>(uptr(region + kNodeRings + (writer * BoardProfile::kMaxNodes + reader) * kNodeRingStride));
    };
    transports::Channel client, server;
    bool bound = bind_urpc(client, ring(self_node, next), ring(next, self_node)).ok() &&
                 bind_urpc(server, ring(self_node, prev), ring(prev, self_node)).ok();
    if (!t.check(bound, "urpc-node-bind", "cannot bind rings in the interconnect region")) return;
    u64 t0 = ticks(), c0 = arch::counter();
    auto st = ping_pong(&client, kNodePingPongs, &server, kNodePingPongs, ping_timed_out, &t0);
    kprint("  pinged node '{}' ({}), answered node '{}' ({})\n", board.nodes[next].name, isa_name(board.nodes[next].isa),
           board.nodes[prev].name, isa_name(board.nodes[prev].isa));
    report_rate("URPC node to node across ISAs", st.round_trips, c0);
    t.check(st.round_trips == kNodePingPongs && st.bad == 0 && st.served == kNodePingPongs, "urpc-node-pingpong",
            "{} of {} round trips, {} answered, {} bad replies", st.round_trips, kNodePingPongs, st.served, st.bad);
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
    //    interrupt goes to a user-level driver in step 12).
    auto irq = arch::irq_init(true);
    t.check(irq.ok(), "irq-controller", "interrupt controller setup failed: {}", error_name(irq.error()));
    // 8. The other cores of this node, each with its own CPU driver instance.
    CoreState* ping_peer = nullptr;
    auto view = bundle::View::open(bi.bundle, bundle_limit(bi)); // checked in step 2
    bundle::Entry first = first_program(*view, bi.isa);
    u32 online = start_secondaries(bi, ping_peer, ticks, first.size ? view->data(first) : nullptr, first.size);
    t.check(online + 1 == bi.core_count, "smp-cores-online", "{} of {} cores came online", online + 1, bi.core_count);
    // 9. Messages: the wire format is the same bytes here as on every ISA, and URPC works
    //    between two cores of this node.
    u64 digest = transports::conformance_digest();
    t.check(digest == transports::kExpectedConformanceDigest, "wire-digest", "digest {:x}, expected {:x}", digest,
            transports::kExpectedConformanceDigest);
    kprint("  wire conformance digest {:x}\n", digest);
    SkbDiscovery found{.node = *self};
    test_core_pingpong(t, bi, ping_peer, found);
    // 10. The SKB: the board's facts and rules, answered here as on the host.
    test_skb(t, *board);
    // 11. Other nodes of the board, over the interconnect region.
    if (board->node_count > 1) test_interconnect(t, bi, *board, *self, found);
    // 12. The SKB learns what this boot discovered and measured.
    test_skb_discovered(t, bi, *board, found);
    // 13. User mode: dispatchers on this core (the other cores run theirs already).
    run_user_tests(t, bi, kernel_root(), *view, finish_boot);
}

} // namespace mosaic::cpudriver
