// The SKB benchmark's workloads, written once for the host benchmark (tests/bench/skb) and
// the guest one (userland/programs/skbbench.cpp), so that both time the same work: 10^5
// facts loaded from text and queried, and transitive closure over two 1,000-node graphs
// (the guest: the same shapes, scaled; see kSmall* below).
#pragma once

#include <mosaic/error.hpp>
#include <mosaic/skb/limits.hpp>

namespace mosaic::skb::workload {

inline constexpr u32 kFacts = 100000;
inline constexpr u32 kGraphNodes = 1000;
inline constexpr u32 kRandomEdges = 1500;

// fact(I, I * 7919 mod 1000, sK) with K = I mod 100, one line per I < count, into
// buf[0..cap) (NUL-terminated); returns the length. CapacityExceeded when it does not fit.
Result<usize> fact_text(u32 count, char* buf, usize cap);
inline constexpr const char* kFactQuery = "?- fact(X, 5, S)."; // 100 answers of 10^5 facts

// The graphs: a chain 0 -> 1 -> ... -> 999, and 1,500 pseudo-random edges (xorshift64
// from a fixed seed, so every run and ISA gets the same graph).
enum class Graph : u8 { Chain, Random };
class Edges {
  public:
    explicit Edges(Graph g) : graph_(g) {}
    // The same shapes over `nodes` nodes (random: `random_edges` edges), for the guest's
    // scaled workloads below.
    Edges(Graph g, u32 nodes, u32 random_edges) : graph_(g), nodes_(nodes), random_edges_(random_edges) {}
    // The next edge; false after the last.
    bool next(u32& from, u32& to);

  private:
    u32 xorshift();
    Graph graph_;
    u32 nodes_ = kGraphNodes, random_edges_ = kRandomEdges;
    u32 i_ = 0;
    u64 x_ = 88172645463325252ull;
};

inline constexpr const char* kClosureRules = "reach(X, Y) :- edge(X, Y).\n"
                                             "reach(X, Y) :- edge(X, Z), reach(Z, Y).\n";
inline constexpr const char* kClosureQuery = "?- reach(0, Y).";

// The smallest capacities that hold each workload (the guest sizes its arena by them;
// the host benchmark uses larger ones).
inline constexpr Limits kFactLimits{.max_symbols = 1024,
                                    .symbol_bytes = 16 * 1024,
                                    .max_relations = 16,
                                    .max_rules = 16,
                                    .max_tuples = kFacts + 1024,
                                    .max_values = 3 * kFacts + 4096,
                                    .max_index_entries = 2 * kFacts + 4096,
                                    .index_buckets = 1u << 17,
                                    .max_join_steps = 0};
// The chain's closure has 499,500 pairs, each stored once and indexed twice.
inline constexpr Limits kClosureLimits{.max_symbols = 1024,
                                       .symbol_bytes = 16 * 1024,
                                       .max_relations = 16,
                                       .max_rules = 16,
                                       .max_tuples = 504 * 1024,
                                       .max_values = 1008 * 1024,
                                       .max_index_entries = 1024 * 1024,
                                       .index_buckets = 1u << 20,
                                       .max_join_steps = 0};

// The guest's scaled workloads (userland/programs/skbbench.cpp). A user program's memory
// comes from its core's small page pool (a few MiB for every dispatcher of the core), so
// the guest runs the same shapes at a size whose engine arena fits in about 1.6 MiB:
// 10^4 facts (10 answers to kFactQuery), and graphs of 160 nodes (chain: 12,720 pairs in
// the closure; random: 240 edges). FIXME: the full sizes need 30 MiB, which a user program
// can get only once its spawner can give it that much RAM (sys::kSlotRam) and it maps the
// RAM through page-table capabilities beyond one last-level table.
inline constexpr u32 kSmallFacts = 10000;
inline constexpr u32 kSmallGraphNodes = 160;
inline constexpr u32 kSmallRandomEdges = 240;
inline constexpr Limits kSmallFactLimits{.max_symbols = 256,
                                         .symbol_bytes = 4 * 1024,
                                         .max_relations = 16,
                                         .max_rules = 16,
                                         .max_tuples = kSmallFacts + 256,
                                         .max_values = 3 * kSmallFacts + 1024,
                                         .max_index_entries = 2 * kSmallFacts + 1024,
                                         .index_buckets = 1u << 14,
                                         .max_join_steps = 0};
// Any closure of 160 nodes: at most 160^2 pairs, plus the edges.
inline constexpr Limits kSmallClosureLimits{.max_symbols = 256,
                                            .symbol_bytes = 4 * 1024,
                                            .max_relations = 16,
                                            .max_rules = 16,
                                            .max_tuples = kSmallGraphNodes * kSmallGraphNodes + 1024,
                                            .max_values = 2 * (kSmallGraphNodes * kSmallGraphNodes + 1024),
                                            .max_index_entries = 2 * (kSmallGraphNodes * kSmallGraphNodes + 1024),
                                            .index_buckets = 1u << 15,
                                            .max_join_steps = 0};

} // namespace mosaic::skb::workload
