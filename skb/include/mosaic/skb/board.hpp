// The SKB's view of a board profile: its nodes, its cores numbered across the board (node
// by node, in manifest order), the interconnect between every pair of nodes, and the
// answers of the standard queries on them. The guests and the host tool compute these
// from the same manifest, so a boot test can compare the two answer by answer.
#pragma once

#include <mosaic/board.hpp>
#include <mosaic/skb/engine.hpp>
#include <mosaic/skb/facts.hpp>

namespace mosaic::skb {

// Capacities that hold every board's facts, the four rule files and their answers.
inline constexpr Limits kBoardLimits{.max_symbols = 512,
                                     .symbol_bytes = 8 * 1024,
                                     .max_relations = 96,
                                     .max_rules = 96,
                                     .max_tuples = 4096,
                                     .max_values = 16384,
                                     .max_index_entries = 16384,
                                     .index_buckets = 2048,
                                     .max_join_steps = 0};

// The facts of a board, in storage this struct owns.
struct BoardFacts {
    static constexpr u32 kMaxCores = 64;
    NodeFact nodes[BoardProfile::kMaxNodes];
    CoreFact cores[kMaxCores];
    InterconnectFact links[BoardProfile::kMaxNodes * (BoardProfile::kMaxNodes - 1) / 2];
    DeviceFact devices[BoardProfile::kMaxNodes];
    MachineFacts view;
};

// Fills out from a board profile; CapacityExceeded for more than kMaxCores cores.
Status board_facts(const BoardProfile& board, BoardFacts& out);

// The standard queries, whose answers boot tests compare with the host's.
// (Each fits the SKB interface's 32-byte query text.)
inline constexpr const char* kBoardQueries[] = {"?- transport(A, B, T).", "?- place_interconnect(D, C)."};

// Loads the board's facts and every rule file into e (initialised, empty) and writes the
// answers of kBoardQueries, one line each, into buf; returns their length.
Result<usize> board_answers(Engine& e, const BoardProfile& board, char* buf, usize cap);

} // namespace mosaic::skb
