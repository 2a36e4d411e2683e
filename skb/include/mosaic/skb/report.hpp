// Answers as canonical text ("Id=0 Kind=urpc\n" per answer, in the engine's deterministic
// order), so that a boot test can print what the SKB on a board answers and the host can
// compare it with what it computes for the same facts and rules.
#pragma once

#include <mosaic/skb/engine.hpp>

namespace mosaic::skb {

// Runs query and writes one line per answer into buf[0..cap) (NUL-terminated); returns
// the length without the NUL. A query with no variables writes "true\n" when it holds.
// CapacityExceeded when buf is too small; query errors are passed on.
Result<usize> render_answers(Engine& engine, const char* query, char* buf, usize cap, ParseError* err = nullptr);

} // namespace mosaic::skb
