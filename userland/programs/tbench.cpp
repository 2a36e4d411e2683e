// The guest transport benchmark (init's job 5, boot parameter job=5; ./mosaic bench
// transports --boards reads its BENCH lines): on the board's first node, for every node of
// the board,
//   - LMP between two dispatchers of one core of that node (lmp.cpp: round trips and a
//     one-way stream, each program printing its own BENCH line on its node's console);
//   - URPC within the node: the node's boot monitor to every other core's monitor over a
//     benchmark channel bound on the SKB's route (monitor/tbench.hpp): round trips, a
//     batched one-way stream of one-slot messages (40-byte payloads) and of longer ones
//     (kStreamSizes, fragmented) and, between the same two cores, the raw cache-line
//     ping-pong (the emulator's limit);
// and URPC between every pair of nodes (boot monitor to boot monitor, through the
// interconnect region: the cross-ISA pairs of a heterogeneous board), the same three.
// For every URPC pair also bulk transfer (tbench.hpp's bulk phase): buffers of 4 KiB to
// 1 MiB (as far as the channel's pool holds them) handed over in a pool both monitors map,
// beside memcpy of the same bytes on the giving core.
// The monitors measure in their own counter's ticks and answer in nanoseconds; each figure
// is printed as "BENCH <what>/<isa>.<core>/<isa>.<core> count <n> ticks <ns> hz 1000000000",
// <what> one of urpc-rt, line-rt, urpc-stream (40-byte messages), urpc-stream@<bytes>,
// urpc-bulk@<buffer bytes> and memcpy@<buffer bytes> (count: buffers).
// Then it shuts the other nodes down and exits 0 if every measurement came back.
#include <mosaic/board.hpp>
#include <mosaic/bootfacts.hpp>
#include <mosaic/monitor/tbench.hpp>
#include <mosaic/user/monitor.hpp>

using namespace mosaic;
namespace mon = mosaic::user::mon;
using monitor::QueryOp;

namespace {
constexpr u64 kAnswerTicks = 60 * 100; // a benchmark query's answer: up to three 5 s phases, and the way
constexpr u64 kLmpRounds = 2000, kLmpStreamed = 20000;
constexpr u64 kEndTicks = 30 * 100; // an LMP program's end
// Longer streamed messages: up to the 8 frames a core channel's benchmark ring holds.
constexpr u32 kStreamSizes[] = {160, 320};
constexpr u32 kBulkSizes[] = {4u << 10, 16u << 10, 64u << 10, 256u << 10, 1u << 20};
constexpr u64 kBulkBytes = 8u << 20; // moved per size (at least kMinBulkBuffers buffers)
constexpr u32 kMinBulkBuffers = 16;

BoardProfile g_board;
u32 g_failed = 0;
u32 g_tag = 1;

Isa isa_of(u32 core) { return g_board.nodes[g_board.node_of_core(core)].isa; }

bool up(u32 core) {
    auto m = mon::member(core);
    return m.ok() && m->state == u8(monitor::MemberState::Up);
}

template <typename... Args> void fail(const char* fmt, Args... args) {
    ++g_failed;
    user::print("tbench: ");
    user::print(fmt, args...);
    user::print("\n");
}

// Asks core `from`'s monitor to measure its benchmark channel to `to`'s.
Result<mon::Answer> measure(u32 from, u32 to, const monitor::tbench::Counts& n) {
    u8 counts[16] = {};
    const u32 c[4] = {n.round_trips, n.streamed, n.raw_rounds, n.stream_bytes};
    for (u32 i = 0; i < 4; ++i) store_le32(counts + 4 * i, c[i]);
    return mon::query(from, QueryOp::TransportBench, to, counts, kAnswerTicks);
}

// The boot monitor of the node of cores [first, first + count): the one that has a benchmark
// channel to `peer` (a one-message probe; the other monitors answer NotFound).
Result<u32> boot_core_of(u32 first, u32 count, u32 peer) {
    for (u32 c = first; c < first + count; ++c) {
        if (c == peer || !up(c)) continue;
        auto a = measure(c, peer, {.round_trips = 1, .streamed = 1, .raw_rounds = 1});
        if (a.ok()) return c;
        if (a.error() != Error::NotFound) return a.error();
    }
    return Error::NotFound;
}

void bench_line(const char* what, u32 from, u32 to, u64 count, u64 ns) {
    user::print("BENCH {}/{}.{}/{}.{} count {} ticks {} hz 1000000000\n", what, isa_name(isa_of(from)), from,
                isa_name(isa_of(to)), to, count, ns);
}
void bench_line_at(const char* what, u32 bytes, u32 from, u32 to, u64 count, u64 ns) {
    char name[32];
    BufferSink sink(name, sizeof name);
    format(sink.sink(), "{}@{}", what, bytes);
    bench_line(name, from, to, count, ns);
}

// Bulk transfer from `from`'s monitor to `to`'s, every size the channel's pool holds.
void bulk_pair(u32 from, u32 to) {
    u32 largest = 0;
    for (u32 bytes : kBulkSizes) {
        const u32 count = u32(max<u64>(kMinBulkBuffers, kBulkBytes / bytes));
        u8 asked[16] = {};
        store_le32(asked, count);
        store_le32(asked + 4, bytes);
        auto a = mon::query(from, QueryOp::TransportBench, to | monitor::kBenchBulk << 32, asked, kAnswerTicks);
        if (!a.ok() && a.error() == Error::Unsupported && !largest) {
            user::print("tbench: core {} to core {}: no bulk pool\n", from, to);
            return;
        }
        if (!a.ok() && a.error() == Error::OutOfRange && largest) break; // the pool holds no larger buffer
        if (!a.ok()) return fail("core {} to core {}, bulk of {} bytes: {}", from, to, bytes, error_name(a.error()));
        largest = bytes;
        bench_line_at("urpc-bulk", bytes, from, to, count, a->a);
        bench_line_at("memcpy", bytes, from, to, count, a->b);
    }
    user::print("tbench: core {} to core {}: bulk up to {} KiB buffers\n", from, to, largest >> 10);
}

// The three figures of one pair of monitors.
void urpc_pair(u32 from, u32 to, bool same_node) {
    const monitor::tbench::Counts n;
    auto a = measure(from, to, n);
    if (!a.ok()) return fail("core {} to core {}: {}", from, to, error_name(a.error()));
    user::print("tbench: core {} ({}) to core {} ({}), {}: round trip {} ns, stream {} msgs/s, raw line {} ns\n", from,
                isa_name(isa_of(from)), to, isa_name(isa_of(to)), same_node ? "same node" : "across nodes",
                a->a / n.round_trips, a->b ? u64(n.streamed) * 1'000'000'000 / a->b : 0,
                n.raw_rounds ? a->c / n.raw_rounds : 0);
    bench_line("urpc-rt", from, to, n.round_trips, a->a);
    bench_line("urpc-stream", from, to, n.streamed, a->b);
    if (a->c) bench_line("line-rt", from, to, n.raw_rounds, a->c);
    // The stream again with longer messages (the other phases as short as they go).
    for (u32 bytes : kStreamSizes) {
        const monitor::tbench::Counts longer{.round_trips = 1, .streamed = n.streamed, .raw_rounds = 1, .stream_bytes = bytes};
        auto b = measure(from, to, longer);
        if (!b.ok()) return fail("core {} to core {}, {}-byte stream: {}", from, to, bytes, error_name(b.error()));
        bench_line_at("urpc-stream", bytes, from, to, n.streamed, b->b);
    }
    bulk_pair(from, to);
}

// LMP on `core`: a pong and a ping, then a sink and a stream (lmp.cpp prints the figures).
void lmp_on(u32 core) {
    auto pair = [&](u64 rounds, u64 serve_mode, u64 drive_mode, const char* what) {
        const u32 t1 = g_tag++, t2 = g_tag++;
        auto server = mon::spawn(core, "lmp", (rounds << 2) | serve_mode, t1);
        if (!server.ok()) return fail("lmp {} on core {}: {}", what, core, error_name(server.error()));
        auto driver = mon::spawn(core, "lmp", u64(server->dispatcher) << 32 | (rounds << 2) | drive_mode, t2);
        auto e2 = driver.ok() ? mon::wait_end(t2, kEndTicks) : Result<mon::Ended>(driver.error());
        auto e1 = mon::wait_end(t1, kEndTicks);
        auto how = [](const Result<mon::Ended>& e) {
            return !e.ok() ? error_name(e.error()) : e->faulted ? "faulted" : e->code ? "exited non-zero" : "ok";
        };
        if (!e2.ok() || e2->faulted || e2->code != 0 || !e1.ok() || e1->faulted || e1->code != 0)
            fail("lmp {} on core {}: the driver {} (code {}), the server {} (code {})", what, core, how(e2),
                 e2.ok() ? e2->code : 0, how(e1), e1.ok() ? e1->code : 0);
    };
    pair(kLmpRounds, 0, 1, "round trips");
    pair(kLmpStreamed, 2, 3, "stream");
}
} // namespace

int main(u64) {
    const auto* facts = reinterpret_cast<const BootFacts*>(user::start_data());
    BoardError err;
    auto board = facts->magic == BootFacts::kMagic ? parse_board(facts->manifest(), facts->manifest_len, err)
                                                   : Result<BoardProfile>(Error::BadMagic);
    if (!board.ok()) {
        user::print("tbench: no boot facts or board\n");
        return 1;
    }
    g_board = *board;
    const u32 here = g_board.first_core(facts->node) + facts->core_index;
    user::print("tbench: {} nodes, from core {}\n", g_board.node_count, here);
    u32 boot[BoardProfile::kMaxNodes] = {};
    bool known[BoardProfile::kMaxNodes] = {};
    boot[facts->node] = here, known[facts->node] = true;
    for (u32 n = 0; n < g_board.node_count; ++n) {
        const u32 first = g_board.first_core(n), count = g_board.nodes[n].cores;
        lmp_on(first);
        for (u32 c = first; c < first + count; ++c) {
            if (known[n] && c == boot[n]) continue;
            if (!known[n]) {
                auto b = boot_core_of(first, count, c);
                if (!b.ok()) continue; // c itself may be the boot core: the next c finds it
                boot[n] = *b, known[n] = true;
            }
            if (up(c)) urpc_pair(boot[n], c, true);
        }
    }
    for (u32 i = 0; i < g_board.node_count; ++i)
        for (u32 j = i + 1; j < g_board.node_count; ++j) {
            if (!known[i]) {
                auto b = boot_core_of(g_board.first_core(i), g_board.nodes[i].cores, g_board.first_core(j));
                if (!b.ok()) {
                    fail("node {} has no boot monitor that reaches node {}: {}", i, j, error_name(b.error()));
                    continue;
                }
                boot[i] = *b, known[i] = true;
            }
            urpc_pair(boot[i], g_board.first_core(j), false);
        }
    for (u32 n = 0; n < g_board.node_count; ++n) {
        if (n == facts->node) continue;
        auto a = mon::query(g_board.first_core(n), QueryOp::Shutdown, g_failed == 0, nullptr, 500);
        if (!a.ok()) user::print("tbench: node {} did not answer the shutdown: {}\n", n, error_name(a.error()));
    }
    user::print("tbench: done, {} failed\n", g_failed);
    return g_failed ? 2 : 0;
}
