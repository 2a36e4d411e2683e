// The SKB benchmark's workloads, written once for the host benchmark (tests/bench/skb) and
// the guest one (cpudriver/skbbench.cpp), so that both time the same work: 10^5 facts
// loaded from text and queried, and transitive closure over two 1,000-node graphs.
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
    // The next edge; false after the last.
    bool next(u32& from, u32& to);

  private:
    u32 xorshift();
    Graph graph_;
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

} // namespace mosaic::skb::workload
