// The boot test suite of a node, as a user program that init starts on the node's boot
// core when the runner asks for the tests (boot parameter job). It starts test programs
// through the monitor on this core, on the other cores of its node and on other nodes,
// judges how each ended, prints one "TEST <name> PASS|FAIL <why>" line per test and a
// "VERDICT" line, and powers the node off with the verdict. Its start data: the boot facts
// and the board manifest (the monitor's); arg: the SKB service's dispatcher id.
#include <mosaic/board.hpp>
#include <mosaic/bootfacts.hpp>
#include <mosaic/monitor/tbench.hpp>
#include <mosaic/user/caps.hpp>
#include <mosaic/transports/conformance.hpp>
#include <mosaic/trapkind.hpp>
#include <mosaic/user/monitor.hpp>

using namespace mosaic;
namespace mon = mosaic::user::mon;

extern "C" const char __user_window[]; // user.ld: every program's first byte (its entry)

namespace {

constexpr u64 kTimeout = 30 * 100;       // ticks a test program may take
constexpr u64 kInputTimeout = 10 * 100;  // for the runner's answer to "INPUT ready"
constexpr u64 kLmpRounds = 2000, kNullCalls = 20000, kSpinMs = 300;
constexpr u64 kUnmappedOffset = 512ull << 20; // as in userland/programs/fault.cpp
constexpr u64 kCapsRam = 64 * 1024;   // RAM given to each capability test program
constexpr u32 kManyPrograms = 100;     // programs started in a row (a core has 48 dispatcher slots)

const BootFacts* g_facts = nullptr;
BoardProfile g_board;
u32 g_core = 0; // this core's board number
u32 g_passed = 0, g_failed = 0;
u32 g_tag = 1;

template <typename... Args> bool check(bool ok, const char* name, const char* why, Args... args) {
    char line[sys::kMaxPrint];
    BufferSink b(line, sizeof line);
    if (ok) {
        format(b.sink(), "TEST {} PASS\n", name);
        ++g_passed;
    } else {
        format(b.sink(), "TEST {} FAIL ", name);
        format(b.sink(), why, args...);
        format(b.sink(), "\n");
        ++g_failed;
    }
    user::write(line, b.size());
    return ok;
}

// One program run through the monitor: how it started and how it ended.
struct Run {
    const char* name = "";
    u32 tag = 0;
    bool started = false, ended = false;
    Error error = Error::Ok; // why it did not start, or why its end was not heard
    mon::Started at;
    mon::Ended end;
    bool exited(u64 code = 0) const { return ended && !end.faulted && end.code == code; }
    bool faulted(u64 kind) const { return ended && end.faulted && end.code == kind; }
    const char* how() const {
        if (!started) return error_name(error);
        if (!ended) return error == Error::Timeout ? "no end in time (stopped)" : error_name(error);
        if (end.faulted) return "ended by a fault";
        return end.code == 0 ? "exit 0" : "exit with an error code";
    }
};

Run start(u32 core, const char* name, u64 arg, u64 flags = 0) {
    Run r;
    r.name = name;
    r.tag = g_tag++;
    auto s = mon::spawn(core, name, arg, r.tag, flags);
    r.started = s.ok();
    if (s.ok()) r.at = *s;
    else r.error = s.error();
    return r;
}

// Waits for the end of r; a program still running after `timeout` ticks is stopped (on
// this core) and counts as not ended.
void finish(Run& r, u64 timeout = kTimeout) {
    if (!r.started || r.ended) return;
    auto e = mon::wait_end(r.tag, timeout);
    if (e.ok()) {
        r.ended = true;
        r.end = *e;
        return;
    }
    r.error = e.error();
    if (r.at.core == g_core) {
        (void)mon::stop(r.at.dispatcher);
        (void)mon::wait_end(r.tag, 100); // its end, so it is not taken for another's
    }
}

Run run(u32 core, const char* name, u64 arg, u64 timeout = kTimeout, u64 flags = 0) {
    Run r = start(core, name, arg, flags);
    finish(r, timeout);
    return r;
}

u64 window() { return u64(uptr(__user_window)); }

// The heap every program maps its own tables into: the root-table slot after its window.
u64 heap_base() {
    auto root = user::cap::identify(caps::CPtr::at(sys::kSlotRootTable));
    if (!root.ok() || !caps::is_page_table(root->type)) return 0;
    const caps::CapType t = root->type;
    const u64 slot = caps::entry_bytes(caps::pt_level(t));
    return (window() & ~(slot - 1)) + slot;
}

// What the CPU driver found, checked against the board.
void test_boot_facts() {
    const BootFacts& f = *g_facts;
    const NodeProfile& node = g_board.nodes[f.node];
    check(f.core_count == node.cores, "cores-discovered", "found {} cores, board says {}", f.core_count, node.cores);
    check(f.memory_count > 0, "memory-map", "no usable memory reported");
    check(f.irq_error == 0, "irq-controller", "interrupt controller setup failed: {}", error_name(Error(f.irq_error)));
    const u64 digest = transports::conformance_digest();
    check(digest == transports::kExpectedConformanceDigest, "wire-digest", "digest {:x}, expected {:x}", digest,
          transports::kExpectedConformanceDigest);
    // Time: a receive with a deadline ends by it, with Timeout, after the ticks it named.
    const u64 hz = f.counter_hz, c0 = mosaic_user_counter();
    auto r = user::call(sys::Number::LmpReceive, 5);
    const u64 ms = hz ? (mosaic_user_counter() - c0) * 1000 / hz : 0;
    check(user::error_of(r) == Error::Timeout && hz != 0 && ms >= 30, "timer-ticks",
          "a 5-tick receive deadline gave '{}' after {} ms", error_name(user::error_of(r)), ms);
}

// The monitors' membership, as this core's monitor holds it.
void test_membership() {
    auto info = mon::info();
    const u32 total = g_board.total_cores();
    u32 up = 0, right = 0, here_up = 0, count = 0, hw_right = 0;
    for (u32 i = 0; i < total; ++i) {
        auto m = mon::member(i);
        if (!m.ok()) break;
        count = m->count;
        const u32 node = g_board.node_of_core(m->core);
        right += m->core == i && m->node == node && m->isa == g_board.nodes[node].isa;
        // This node's cores: the hardware ids their monitors reported, as the firmware listed them.
        const u32 first = g_board.first_core(g_facts->node);
        if (m->node == g_facts->node && m->core - first < g_facts->core_count)
            hw_right += m->hw_id == g_facts->core_ids[m->core - first];
        up += m->state == 1;
        here_up += m->state == 1 && m->node == g_facts->node;
    }
    check(info.ok() && info->agreed && count == total && right == total && up == total &&
              hw_right == g_facts->core_count,
          "monitor-membership", "agreed {}, {} members of {}, {} as the board says, {} up, {} of this node's {} hardware ids right",
          info.ok() && info->agreed, count, total, right, up, hw_right, g_facts->core_count);
    // A reply the caller does not wait for stays for a later receive: a kInfo request sent
    // by hand, then mon::member, which waits for its own reply while the kInfo reply comes first.
    {
        const u64 ask[4] = {monitor::api::request(monitor::api::kInfo, 0, 0, 77), 0, 0, 0};
        const Error sent = user::lmp_send(sys::kMonitorId, ask);
        auto member = mon::member(0);
        auto kept = user::lmp_receive_from(sys::kMonitorId, sys::kNoWait);
        check(sent == Error::Ok && member.ok() && kept.ok() && monitor::api::op_of(kept->word[0]) == monitor::api::kInfo &&
                  monitor::api::tag_of(kept->word[0]) == 77,
              "monitor-other-replies-kept", "sent {}, member {}, the kInfo reply {}", error_name(sent),
              error_name(member.ok() ? Error::Ok : member.error()),
              kept.ok() ? "came with another op or tag" : error_name(kept.error()));
    }
    // Output goes through the node's console service (a user-level UART driver), not the CPU
    // driver's console: this line got out through it.
    check(info.ok() && info->console, "console-service", "the boot monitor has no console service running");
    check(here_up == g_board.nodes[g_facts->node].cores, "smp-cores-online", "{} of {} cores of this node up", here_up,
          g_board.nodes[g_facts->node].cores);
    // Round trips: the boot monitor to every other core of its node and to every other
    // node, shared between nodes: every boot monitor holds all of them.
    u32 expected = 0;
    for (u32 n = 0; n < g_board.node_count; ++n) expected += g_board.nodes[n].cores - 1 + (g_board.node_count - 1);
    check(info.ok() && info->facts == expected && info->refused == 0, "monitor-round-trips",
          "{} latency facts held, {} expected; {} messages refused", info.ok() ? info->facts : 0, expected,
          info.ok() ? info->refused : 0);
}

// Programs on every other core of this node, and on the first core of every other node
// (another ISA on a heterogeneous board), started through the monitors.
void test_spawn_everywhere() {
    const u32 first = g_board.first_core(g_facts->node);
    Run here[BootFacts::kMaxCores];
    u32 n = 0, good = 0;
    for (u32 i = 0; i < g_facts->core_count && n < BootFacts::kMaxCores; ++i)
        if (first + i != g_core) here[n++] = start(first + i, "hello", g_facts->core_ids[i] + 1);
    for (u32 i = 0; i < n; ++i) finish(here[i]), good += here[i].exited();
    check(good == n, "user-every-core", "{} of {} other cores of this node ran hello to a clean exit", good, n);
    if (g_board.node_count < 2) return;
    Run there[BoardProfile::kMaxNodes];
    u32 m = 0, far = 0;
    for (u32 j = 0; j < g_board.node_count; ++j) {
        if (j == g_facts->node) continue;
        auto far_core = mon::member(g_board.first_core(j)); // hello checks it runs on the core with this id
        there[m++] = start(g_board.first_core(j), "hello", far_core.ok() ? far_core->hw_id + 1 : ~0ull);
    }
    for (u32 i = 0; i < m; ++i) finish(there[i]), far += there[i].exited();
    check(far == m, "monitor-spawn-remote", "{} of {} other nodes ran hello for us (first: {})", far, m, there[0].how());
}

// The transport benchmark's channels (monitor/tbench.hpp), with small counts: this node's
// boot monitor to another core of the node, and (from the board's first node only, so that
// no two boot monitors start one towards each other) to every other node: every phase must
// come back complete and timed. A monitor without such a channel says NotFound.
void test_transport_bench() {
    u8 counts[16] = {};
    const u32 n[3] = {100, 1000, 100};
    for (u32 i = 0; i < 3; ++i) store_le32(counts + 4 * i, n[i]);
    auto measured = [](const Result<mon::Answer>& a) { return a.ok() && a->a > 0 && a->b > 0 && a->c > 0; };
    auto why = [](const Result<mon::Answer>& a) { return a.ok() ? "a phase untimed" : error_name(a.error()); };
    const u32 first = g_board.first_core(g_facts->node);
    if (g_facts->core_count > 1) {
        const u32 other = first + (g_facts->core_index == 0 ? 1 : 0);
        auto a = mon::query(g_core, monitor::QueryOp::TransportBench, other, counts, kTimeout);
        check(measured(a), "transport-bench-node", "core {} to core {}: {}", g_core, other, why(a));
        auto from_core = mon::query(other, monitor::QueryOp::TransportBench, g_core, counts, kTimeout);
        auto to_self = mon::query(g_core, monitor::QueryOp::TransportBench, g_core, counts, kTimeout);
        check(!from_core.ok() && from_core.error() == Error::NotFound && !to_self.ok() && to_self.error() == Error::NotFound,
              "transport-bench-refused", "a core monitor's benchmark: {}; to itself: {}", why(from_core), why(to_self));
    }
    auto bulk = [](u32 from, u32 to, u32 count, u32 bytes) {
        u8 asked[16] = {};
        store_le32(asked, count);
        store_le32(asked + 4, bytes);
        return mon::query(from, monitor::QueryOp::TransportBench, to | monitor::kBenchBulk << 32, asked, kTimeout);
    };
    // Bulk within the node: 4 KiB buffers (more than the ring holds descriptors) and 256 KiB
    // ones, handed over in the pool of the core's channel frame and checked by the core's
    // monitor (any wrong word or lost buffer fails the query); buffers the pool cannot hold,
    // a size that is no power of two and a core monitor's own bulk phase are refused.
    // (An answer's a, b and c are the bulk and copy nanoseconds and the buffers: all non-zero.)
    if (g_facts->core_count > 1) {
        const u32 other = first + (g_facts->core_index == 0 ? 1 : 0);
        auto small = bulk(g_core, other, 300, 4096), large = bulk(g_core, other, 4, 256 * 1024);
        check(measured(small) && small->c >= 16 && measured(large) && large->c >= 1, "transport-bulk-node",
              "core {} to core {}: 4 KiB: {} ({} buffers), 256 KiB: {}", g_core, other, why(small), small.ok() ? small->c : 0,
              why(large));
        auto huge = bulk(g_core, other, 1, 64u << 20), odd = bulk(g_core, other, 1, 12288), from_core = bulk(other, g_core, 1, 4096);
        check(!huge.ok() && huge.error() == Error::OutOfRange && !odd.ok() && odd.error() == Error::OutOfRange &&
                  !from_core.ok() && from_core.error() == Error::NotFound,
              "transport-bulk-refused", "64 MiB: {}, 12 KiB: {}, from a core monitor: {}", why(huge), why(odd), why(from_core));
    }
    if (g_board.node_count < 2 || g_facts->node != 0) return;
    // Asks ask(first core of node j) of every other node j: every answer must be measured.
    auto every_other_node = [&](const char* test, auto ask) {
        u32 good = 0;
        const char* first_why = "";
        for (u32 j = 1; j < g_board.node_count; ++j) {
            auto a = ask(g_board.first_core(j));
            if (measured(a)) ++good;
            else if (!*first_why) first_why = why(a);
        }
        check(good == g_board.node_count - 1, test, "{} of {} other nodes measured ({})", good, g_board.node_count - 1,
              first_why);
    };
    every_other_node("transport-bulk-nodes", [&](u32 to) { return bulk(g_core, to, 300, 4096); });
    every_other_node("transport-bench-nodes", [&](u32 to) {
        return mon::query(g_core, monitor::QueryOp::TransportBench, to, counts, kTimeout);
    });
    // Two programs this one started on another node's core reach each other over LMP there
    // (siblings through spawn routing, as tbench's LMP figures of other nodes need).
    const u32 far = g_board.first_core(1);
    Run pong = start(far, "lmp", (u64(100) << 2) | 0);
    Run ping = pong.started ? start(far, "lmp", (u64(pong.at.dispatcher) << 32) | (u64(100) << 2) | 1) : Run{};
    finish(ping), finish(pong);
    check(ping.exited() && pong.exited(), "lmp-remote-siblings", "on core {}: ping: {}, pong: {}", far, ping.how(),
          pong.how());
}

void test_programs(u64 skb) {
    const u64 hw = g_facts->core_ids[g_facts->core_index];
    // A user-level driver for the console's receive interrupt, fed by the runner.
    Run uart = run(g_core, "uart", 0, kInputTimeout);
    if (uart.started && !uart.ended)
        check(false, "uart-rx-irq", "timeout after {} ticks: no line reached the driver ({})", kInputTimeout, uart.how());
    else
        check(uart.exited(), "uart-rx-irq", "{}", uart.ended && uart.end.code == 1 ? "wrong bytes" : uart.how());
    Run hello = run(g_core, "hello", hw + 1), bench = run(g_core, "bench", kNullCalls);
    check(hello.exited(), "user-hello", "the hello dispatcher: {}", hello.how());
    // Programs come and go: more of them, one after the other, than a core has dispatcher
    // slots, and more than the monitor's RAM holds at once, here and on another core of the
    // node: both must come back each time, and every core's free memory ends where it began.
    const u64 many = g_facts->has(kParamMany) && g_facts->params[kParamMany] ? g_facts->params[kParamMany] : kManyPrograms;
    const u32 other = g_facts->core_count > 1 ? g_board.first_core(g_facts->node) + (g_facts->core_index == 0 ? 1 : 0) : g_core;
    auto free_before_here = mon::query(g_core, monitor::QueryOp::Mem), free_before_there = mon::query(other, monitor::QueryOp::Mem);
    u64 ran = 0;
    Run last;
    for (u64 i = 0; i < many; ++i) {
        const u32 core = i % 2 ? other : g_core;
        auto info = mon::member(core);
        last = run(core, "hello", info.ok() ? info->hw_id + 1 : 0);
        if (!last.exited()) break;
        ++ran;
    }
    // Programs of other nodes may come and go on these cores meanwhile (their boot tests
    // start hello here too): what ours took must be back, so free memory must reach at least
    // where it began within a few seconds; a leak keeps it below.
    auto free_after_here = mon::query(g_core, monitor::QueryOp::Mem), free_after_there = mon::query(other, monitor::QueryOp::Mem);
    for (u32 tries = 0; tries < 30 && free_before_here.ok() && free_before_there.ok() && free_after_here.ok() &&
                        free_after_there.ok() &&
                        (free_after_here->a < free_before_here->a || free_after_there->a < free_before_there->a);
         ++tries) {
        user::pause(10);
        free_after_here = mon::query(g_core, monitor::QueryOp::Mem);
        free_after_there = mon::query(other, monitor::QueryOp::Mem);
    }
    check(ran == many, "user-many-programs", "{} of {} programs in a row, on cores {} and {}, ran to a clean exit (then: {})",
          ran, many, g_core, other, last.how());
    const bool same = free_before_here.ok() && free_after_here.ok() && free_before_there.ok() && free_after_there.ok() &&
                      free_after_here->a >= free_before_here->a && free_after_there->a >= free_before_there->a;
    check(same, "user-memory-returns", "free memory of core {}: {} then {} bytes; of core {}: {} then {} bytes",
          g_core, free_before_here.ok() ? free_before_here->a : 0, free_after_here.ok() ? free_after_here->a : 0, other,
          free_before_there.ok() ? free_before_there->a : 0, free_after_there.ok() ? free_after_there->a : 0);
    check(bench.exited(), "user-null-syscall", "the benchmark dispatcher: {}", bench.how());
    // 100,000 random system calls from a program beside this one (seed printed for replay):
    // its CPU driver refuses what is bad, its legal work stays right, and this core goes on.
    // Rounds of 10,000 go in bits 48-63 of its arg, the seed below: 10 by default, 100 with
    // --long, or as many as the boot parameter fuzz says (the runner asks for fewer on a
    // board whose ISA another board of the same run fuzzes in full).
    const bool long_run = g_facts->has(kParamLong) && g_facts->params[kParamLong];
    const u64 fuzz_rounds = g_facts->has(kParamFuzz) && g_facts->params[kParamFuzz] ? min<u64>(g_facts->params[kParamFuzz], 0xffff)
                            : long_run                                             ? 100
                                                                                   : 10;
    Run fuzz = run(g_core, "sysfuzz", fuzz_rounds << 48, fuzz_rounds * 6 * 100, monitor::api::with_ram(64 * 1024));
    check(fuzz.exited(), "user-syscall-fuzz", "the system-call fuzzer: {} (1: legal work wrong, 2: an escalation not "
          "refused)", fuzz.how());
    // LMP between two dispatchers of this core.
    Run pong = start(g_core, "lmp", (kLmpRounds << 2) | 0);
    Run ping = pong.started ? start(g_core, "lmp", (u64(pong.at.dispatcher) << 32) | (kLmpRounds << 2) | 1) : Run{};
    finish(ping), finish(pong);
    check(ping.exited() && pong.exited(), "user-lmp-pingpong", "ping: {}, pong: {}", ping.how(), pong.how());
    // Time slicing and misbehaving programs, all at once.
    Run spin[2] = {start(g_core, "spin", kSpinMs), start(g_core, "spin", kSpinMs)};
    Run fault[7];
    for (u64 mode = 0; mode < 7; ++mode) fault[mode] = start(g_core, "fault", mode);
    Run after = start(g_core, "hello", hw + 1);
    for (auto& r : spin) finish(r);
    for (auto& r : fault) finish(r);
    finish(after);
    check(spin[0].exited() && spin[1].exited() && spin[0].end.preemptions > 0 && spin[1].end.preemptions > 0,
          "user-timeslice", "spinners: {} / {}, preempted {} / {} times", spin[0].how(), spin[1].how(),
          spin[0].end.preemptions, spin[1].end.preemptions);
    constexpr u64 kPageFault = u64(TrapKind::PageFault), kIllegal = u64(TrapKind::IllegalInstruction),
                  kBreakpoint = u64(TrapKind::Breakpoint);
    check(fault[0].faulted(kPageFault) && fault[0].end.address == window() + kUnmappedOffset, "user-fault-unmapped",
          "read of unmapped {:x}: {} at {:x}", window() + kUnmappedOffset, fault[0].how(), fault[0].end.address);
    check(fault[1].faulted(kIllegal), "user-fault-illegal", "undefined instruction: {}", fault[1].how());
    check(fault[2].faulted(kPageFault) && fault[2].end.address == window(), "user-fault-readonly",
          "write to read-only code at {:x}: {} at {:x}", window(), fault[2].how(), fault[2].end.address);
    check(fault[3].exited(), "user-unknown-syscall", "dispatcher making an unknown call: {}", fault[3].how());
    check(fault[4].exited(), "user-bad-address", "dispatcher printing from bad addresses: {}", fault[4].how());
    check(fault[5].faulted(kBreakpoint), "trap-breakpoint", "breakpoint instruction: {} (kind {})", fault[5].how(),
          fault[5].end.code);
    check(fault[6].exited(), "monitor-refuses-strangers",
          "a program asking its monitor to power off and to stop others: {} (the node must go on)", fault[6].how());
    check(after.exited(), "user-core-goes-on", "a dispatcher started after the faulting ones: {}", after.how());
    // Capabilities and the MMU from user mode.
    const u64 ram = monitor::api::with_ram(kCapsRam);
    Run caps = start(g_core, "caps", 0, ram);
    finish(caps);
    check(caps.exited(), "user-cap-escalation", "capability tests: {} ({} failed)", caps.how(), caps.end.code);
    const u64 heap = heap_base();
    Run revoked = run(g_core, "caps", 1, kTimeout, ram), alias = run(g_core, "caps", 3, kTimeout, ram),
        deleted = run(g_core, "caps", 4, kTimeout, ram);
    check(revoked.faulted(kPageFault) && revoked.end.address == heap, "user-cap-revoke-unmaps",
          "touching a revoked frame at {:x}: {} at {:x}", heap, revoked.how(), revoked.end.address);
    check(alias.faulted(kPageFault) && alias.end.address == heap + 4096, "mmu-readonly-alias",
          "a read-only alias at {:x}: {} at {:x} (exit 4: the alias read other data)", heap + 4096, alias.how(),
          alias.end.address);
    check(deleted.faulted(kPageFault) && deleted.end.address == heap, "mmu-unmap-fault",
          "a frame whose capability was deleted, at {:x}: {} at {:x}", heap, deleted.how(), deleted.end.address);
    // The memory server, a service init started from the board profile, with RAM it may pass
    // on (Grant); its client gets none of its own, and the server goes on after it.
    auto server = mon::find("memserv");
    Run client = server.ok() ? start(g_core, "caps", (*server << 8) | 2) : Run{};
    finish(client);
    auto still = mon::find("memserv");
    check(server.ok() && client.exited() && still.ok() && *still == *server, "user-memory-server",
          "memory service: {}, its client: {}, the service afterwards: {}", server.ok() ? "found" : error_name(server.error()),
          client.how(), still.ok() ? "running" : "gone");
    // The SKB service: its own tests (TEST skb-* lines), with this node and core.
    Run skbtest = run(g_core, "skbtest", skb | u64(g_facts->node) << 32 | u64(g_core) << 40);
    check(skb != 0 && skbtest.exited(), "user-skb-server", "the SKB tests: {}", skb ? skbtest.how() : "no SKB service");
}

} // namespace

int main(u64 arg) {
    g_facts = reinterpret_cast<const BootFacts*>(user::start_data());
    BoardError err;
    auto board = parse_board(g_facts->manifest(), g_facts->manifest_len, err);
    const bool facts_ok = g_facts->magic == BootFacts::kMagic && board.ok() && g_facts->node < board->node_count;
    if (!check(facts_ok, "manifest", "no boot facts or board: magic {:x}, manifest line {}: {}", g_facts->magic,
               err.line, err.message)) {
        user::print("VERDICT FAIL\n");
        mon::power_off(false);
    }
    g_board = *board;
    g_core = g_board.first_core(g_facts->node) + g_facts->core_index;
    test_boot_facts();
    test_membership();
    test_spawn_everywhere();
    test_transport_bench();
    test_programs(arg & 0xffffffff);
    user::print("VERDICT {} ({} passed, {} failed)\n", g_failed ? "FAIL" : "PASS", g_passed, g_failed);
    // FIXME: no shutdown protocol between nodes yet: give the other nodes' test runners a
    // moment to finish what they asked of this node before it powers off.
    if (g_board.node_count > 1) (void)user::call(sys::Number::LmpReceive, 300);
    mon::power_off(g_failed == 0);
}
