// Every capacity of the SKB in one place: the compile-time shape of rules and the
// run-time sizes of the arenas that the engine carves from the memory its caller gives it.
#pragma once

#include <mosaic/types.hpp>

namespace mosaic::skb {

// Shape of one clause; fixed at compile time because rules live in fixed-size records.
inline constexpr u32 kMaxArity = 8;     // arguments of one atom
inline constexpr u32 kMaxBody = 12;     // literals in one rule body
inline constexpr u32 kMaxVars = 32;     // distinct variables in one clause
inline constexpr u32 kMaxMasks = 6;     // indexes (bound-column sets) per relation
inline constexpr u32 kMaxSymbolLen = 255;

// Arena sizes, chosen by whoever owns the memory (a guest service or a host test).
struct Limits {
    u32 max_symbols = 4096;          // distinct interned symbols (names and constants)
    u32 symbol_bytes = 64 * 1024;    // total bytes of symbol text
    u32 max_relations = 256;         // relations, including hidden aggregate and query ones
    u32 max_rules = 256;             // rules (facts are tuples and do not count)
    u32 max_tuples = 1u << 16;       // stored tuples, facts and derived together
    u32 max_values = 1u << 18;       // argument words of all stored tuples
    u32 max_index_entries = 1u << 18;
    u32 index_buckets = 1u << 15;    // hash buckets of the tuple index; a power of two
    u64 max_join_steps = 0;          // work budget of one solve or query; 0 is unbounded
};

} // namespace mosaic::skb
