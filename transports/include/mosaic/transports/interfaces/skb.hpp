// The SKB service interface (the server is userland/programs/skb.cpp, the client library
// userland/include/mosaic/user/skb.hpp; skb/include/mosaic/skb/service.hpp handles the
// requests). Every text is zero-padded: a field that is full has no NUL. Status fields are
// mosaic::Error values.
//
//   query        a query as text -> the number of answer lines and the FNV-1a 64 digest of
//                the answers as canonical text (skb/report.hpp). The digest continues from
//                the request's seed (transports::kFnv1a64Offset for a fresh one), so a
//                client can digest the answers of several queries as one text, as the boot
//                tests do. line and column say where a bad query failed.
//   answer       line `index` (from 0) of that canonical text, without its newline, and
//                the number of lines, so that a client can walk the answers (OutOfRange
//                past the last line, with total still set).
//   add_facts    facts as text (complete facts, each ending in ".\n"; no rules or
//                queries), loaded all or nothing; line and column say where a bad text
//                failed.
//   multicast    the canonical multicast tree line (skb::render_tree, "root R edges P>C
//                ...") from core `root` over every other core of the board, from byte
//                `offset` on, as much as fits in one reply; total is the line's length.
//   done         the client is done (code 0xdead from the server's parent: the server ends).
#pragma once

#include <mosaic/transports/interface.hpp>

namespace mosaic::ifaces::skb {
using QueryText = transports::FixedString<200>;
using LongText = transports::FixedString<400>;
inline constexpr u32 kQuitCode = 0xdead; // done_message code that ends the server
} // namespace mosaic::ifaces::skb

// clang-format off
#define MOSAIC_SKB_INTERFACE(IFACE, MESSAGE, RPC, EVENT, F)                                  \
    IFACE(skb, 0x0003)                                                                      \
    MESSAGE(query_request, 1, F(QueryText, text) F(u64, seed))                              \
    MESSAGE(query_reply, 2, F(u16, status) F(u32, line) F(u32, column) F(u32, lines)        \
                            F(u32, bytes) F(u64, digest))                                   \
    MESSAGE(done_message, 3, F(u32, code))                                                  \
    MESSAGE(answer_request, 4, F(QueryText, text) F(u32, index))                            \
    MESSAGE(answer_reply, 5, F(u16, status) F(u32, total) F(u32, len) F(LongText, line))   \
    MESSAGE(add_facts_request, 6, F(LongText, text) F(u32, len))                            \
    MESSAGE(add_facts_reply, 7, F(u16, status) F(u32, line) F(u32, column))                \
    MESSAGE(multicast_request, 8, F(u32, root) F(u32, offset))                              \
    MESSAGE(multicast_reply, 9, F(u16, status) F(u32, total) F(u32, len) F(LongText, chunk)) \
    RPC(query, query_request, query_reply)                                                  \
    RPC(answer, answer_request, answer_reply)                                               \
    RPC(add_facts, add_facts_request, add_facts_reply)                                      \
    RPC(multicast, multicast_request, multicast_reply)                                      \
    EVENT(done, done_message)
// clang-format on

namespace mosaic::ifaces::skb {
using namespace mosaic;
MOSAIC_DEFINE_INTERFACE(MOSAIC_SKB_INTERFACE)
} // namespace mosaic::ifaces::skb
