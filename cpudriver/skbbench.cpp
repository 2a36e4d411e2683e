// See skbbench.hpp. Prints "BENCH skb-<what> count <n> ticks <t> hz <h>" lines, which
// ./mosaic bench skb reads and puts beside the host's figures for the same workloads.
#include "skbbench.hpp"

#include "console.hpp"
#include "fwcfg.hpp"

#include <mosaic/bundle.hpp>
#include <mosaic/cpudriver/core.hpp>
#include <mosaic/skb/engine.hpp>
#include <mosaic/skb/workload.hpp>

namespace mosaic::cpudriver {

namespace {

namespace wl = skb::workload;

constexpr u64 kTextBytes = 3 << 20; // the 10^5 facts as text (about 2.2 MiB)
constexpr u64 kAlign = 2 << 20;
constexpr u32 kDtbMagic = 0xd00dfeed;

bool overlaps(u64 a, u64 asize, u64 b, u64 bsize) { return a < b + bsize && b < a + asize; }

// `bytes` of RAM nobody uses once the boot tests are done: inside one RAM range, above
// every core's memory slot, clear of the image bundle and the device tree. The candidates
// are the first 2 MiB boundary after the slots, after the bundle and after the tree.
Result<u64> spare_ram(const BootInfo& bi, u64 bytes) {
    u64 bundle = uptr(bi.bundle), bundle_size = load_le64(bi.bundle + bundle::kHeaderOffset + bundle::kHdrTotal);
    u64 dtb = uptr(bi.dtb), dtb_size = bi.dtb && load_be32(bi.dtb) == kDtbMagic ? load_be32(bi.dtb + 4) : 0;
    const u64 slots_end = core_memory(bi.core_count);
    const u64 candidates[] = {slots_end, bundle + bundle_size, dtb + dtb_size};
    for (u64 c : candidates) {
        u64 at = align_up(max(c, slots_end), kAlign);
        if (overlaps(at, bytes, bundle, bundle_size) || (dtb_size && overlaps(at, bytes, dtb, dtb_size))) continue;
        for (u32 i = 0; i < bi.memory_count; ++i)
            if (at >= bi.memory[i].base && at + bytes <= bi.memory[i].base + bi.memory[i].size) return at;
    }
    return Error::NoMemory;
}

void bench_line(const char* what, u64 count, u64 ticks) {
    kprint("BENCH skb-{} count {} ticks {} hz {}\n", what, count, ticks, arch::counter_hz());
}

Status count_answer(void* ctx, const skb::Answer&) {
    ++*static_cast<u64*>(ctx);
    return {};
}

// 10^5 facts loaded from text, then a query that picks 100 of them.
Status bench_facts(skb::Engine& e, u8* arena, usize arena_bytes, char* text) {
    usize len = TRY(wl::fact_text(wl::kFacts, text, kTextBytes));
    TRY_STATUS(e.init(arena, arena_bytes, wl::kFactLimits));
    u64 t0 = arch::counter();
    TRY_STATUS(e.load(text, len));
    u64 t1 = arch::counter();
    u64 answers = 0;
    TRY(e.query(wl::kFactQuery, str_len(wl::kFactQuery), count_answer, &answers));
    u64 t2 = arch::counter();
    bench_line("load-facts", e.tuple_count(), t1 - t0);
    bench_line("fact-query", answers, t2 - t1);
    return {};
}

// Transitive closure over a 1,000-node graph: solving (all pairs), then one query.
Status bench_closure(skb::Engine& e, u8* arena, usize arena_bytes, wl::Graph g) {
    TRY_STATUS(e.init(arena, arena_bytes, wl::kClosureLimits));
    wl::Edges edges(g);
    u32 n = 0;
    for (u32 a, b; edges.next(a, b); ++n) {
        skb::Value v[2] = {skb::Value::integer(a), skb::Value::integer(b)};
        TRY_STATUS(e.add_fact("edge", v, 2));
    }
    TRY_STATUS(e.load(wl::kClosureRules, str_len(wl::kClosureRules)));
    u64 t0 = arch::counter();
    TRY_STATUS(e.solve());
    u64 t1 = arch::counter();
    u64 answers = 0;
    TRY(e.query(wl::kClosureQuery, str_len(wl::kClosureQuery), count_answer, &answers));
    u64 t2 = arch::counter();
    u32 pairs = TRY(e.relation_size("reach"));
    bool chain = g == wl::Graph::Chain;
    kprint("  SKB bench: {} graph, {} nodes, {} edges: {} pairs in the closure, {} reachable from node 0\n",
           chain ? "chain" : "random", wl::kGraphNodes, n, pairs, answers);
    bench_line(chain ? "closure-chain" : "closure-random", pairs, t1 - t0);
    bench_line(chain ? "closure-chain-query" : "closure-random-query", answers, t2 - t1);
    return {};
}

skb::Engine g_bench_engine;

} // namespace

void bench_skb_if_asked(const BootInfo& bi) {
    auto asked = boot_param(bi, "skbbench");
    if (!asked.ok() || *asked == 0) return;
    usize arena_bytes = max(skb::Engine::arena_bytes(wl::kFactLimits), skb::Engine::arena_bytes(wl::kClosureLimits));
    u64 bytes = align_up(kTextBytes + arena_bytes, kAlign);
    auto at = spare_ram(bi, bytes);
    if (!at.ok()) {
        kprint("  SKB bench: no {} MiB of spare RAM for it\n", bytes >> 20);
        return;
    }
    kprint("  SKB bench: {} MiB of spare RAM at {:x} ({} KiB of engine arena)\n", bytes >> 20, *at, arena_bytes >> 10);
    auto* text = reinterpret_cast<char*>(uptr(*at));
    auto* arena = reinterpret_cast<u8*>(uptr(*at + kTextBytes));
    Status s = bench_facts(g_bench_engine, arena, arena_bytes, text);
    if (s.ok()) s = bench_closure(g_bench_engine, arena, arena_bytes, wl::Graph::Chain);
    if (s.ok()) s = bench_closure(g_bench_engine, arena, arena_bytes, wl::Graph::Random);
    if (!s.ok()) kprint("  SKB bench failed: {}\n", error_name(s.error()));
}

} // namespace mosaic::cpudriver
