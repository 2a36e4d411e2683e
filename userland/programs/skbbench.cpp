// The guest SKB benchmark (init starts it for boot parameter skbbench=1): runs
// skb/workload.hpp's workloads on an engine of its own, in its own memory, and prints
// "BENCH skb-<what> count <n> ticks <t> hz <h>" lines, which ./mosaic bench skb reads and
// puts beside the host's figures (tools/mosaic/bench.py).
//
// Scaled: a user program's memory comes from its core's small page pool, so it runs the
// workloads' shapes at the sizes of workload::kSmall* (10^4 facts, graphs of 160 nodes),
// in about 1.9 MiB of .bss, instead of the host's 10^5 facts and 1,000 nodes (30 MiB).
// The counts it prints say so (bench.py notes closures whose size differs from the host's).
//
// arg: unused. Timing: the ISA's user-readable counter (mosaic_user_counter), at
// core_info().counter_hz.
#include <mosaic/skb/engine.hpp>
#include <mosaic/skb/workload.hpp>
#include <mosaic/user/sys.hpp>

using namespace mosaic;
namespace wl = skb::workload;

namespace {

constexpr usize kArenaBytes = 1600 * 1024; // >= arena_bytes of both kSmall* limits (checked)
constexpr usize kTextBytes = 256 * 1024;   // 10^4 facts as text (about 220 KiB)
alignas(16) u8 g_arena[kArenaBytes];
char g_text[kTextBytes];
skb::Engine g_engine;
u64 g_hz = 0;

void bench_line(const char* what, u64 count, u64 ticks) {
    user::print("BENCH skb-{} count {} ticks {} hz {}\n", what, count, ticks, g_hz);
}

Status count_answer(void* ctx, const skb::Answer&) {
    ++*static_cast<u64*>(ctx);
    return {};
}

// The facts loaded from text, then a query that picks some of them.
Status bench_facts(skb::Engine& e) {
    usize len = TRY(wl::fact_text(wl::kSmallFacts, g_text, sizeof g_text));
    TRY_STATUS(e.init(g_arena, sizeof g_arena, wl::kSmallFactLimits));
    u64 t0 = mosaic_user_counter();
    TRY_STATUS(e.load(g_text, len));
    u64 t1 = mosaic_user_counter();
    u64 answers = 0;
    TRY(e.query(wl::kFactQuery, str_len(wl::kFactQuery), count_answer, &answers));
    u64 t2 = mosaic_user_counter();
    bench_line("load-facts", e.tuple_count(), t1 - t0);
    bench_line("fact-query", answers, t2 - t1);
    return {};
}

// Transitive closure over a graph: solving (all pairs), then one query.
Status bench_closure(skb::Engine& e, wl::Graph g) {
    TRY_STATUS(e.init(g_arena, sizeof g_arena, wl::kSmallClosureLimits));
    wl::Edges edges(g, wl::kSmallGraphNodes, wl::kSmallRandomEdges);
    u32 n = 0;
    for (u32 a, b; edges.next(a, b); ++n) {
        skb::Value v[2] = {skb::Value::integer(a), skb::Value::integer(b)};
        TRY_STATUS(e.add_fact("edge", v, 2));
    }
    TRY_STATUS(e.load(wl::kClosureRules, str_len(wl::kClosureRules)));
    u64 t0 = mosaic_user_counter();
    TRY_STATUS(e.solve());
    u64 t1 = mosaic_user_counter();
    u64 answers = 0;
    TRY(e.query(wl::kClosureQuery, str_len(wl::kClosureQuery), count_answer, &answers));
    u64 t2 = mosaic_user_counter();
    u32 pairs = TRY(e.relation_size("reach"));
    bool chain = g == wl::Graph::Chain;
    user::print("  SKB bench: {} graph, {} nodes, {} edges: {} pairs in the closure, {} reachable from node 0\n",
                chain ? "chain" : "random", wl::kSmallGraphNodes, n, pairs, answers);
    bench_line(chain ? "closure-chain" : "closure-random", pairs, t1 - t0);
    bench_line(chain ? "closure-chain-query" : "closure-random-query", answers, t2 - t1);
    return {};
}

} // namespace

int main(u64) {
    g_hz = user::core_info().counter_hz;
    const usize need = max(skb::Engine::arena_bytes(wl::kSmallFactLimits), skb::Engine::arena_bytes(wl::kSmallClosureLimits));
    if (need > sizeof g_arena) {
        user::print("  SKB bench: the arena needs {} KiB, has {} KiB\n", need >> 10, sizeof g_arena >> 10);
        return 1;
    }
    user::print("  SKB bench: scaled workloads ({} facts, {}-node graphs) in a {} KiB engine arena\n", wl::kSmallFacts,
                wl::kSmallGraphNodes, need >> 10);
    Status s = bench_facts(g_engine);
    if (s.ok()) s = bench_closure(g_engine, wl::Graph::Chain);
    if (s.ok()) s = bench_closure(g_engine, wl::Graph::Random);
    if (!s.ok()) {
        user::print("  SKB bench failed: {}\n", error_name(s.error()));
        return 1;
    }
    return 0;
}
