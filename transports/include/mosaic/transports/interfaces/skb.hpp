// The SKB service interface: a query as text, answered with the number of answer lines
// and the FNV-1a 64 digest of the answers as canonical text (skb/report.hpp), and an event
// that tells the server its client is done. The digest continues from the request's seed
// (transports::kFnv1a64Offset for a fresh one), so a client can digest the answers of
// several queries as one text, as the boot tests do. Each message fits one frame.
#pragma once

#include <mosaic/transports/interface.hpp>

namespace mosaic::ifaces::skb {
using QueryText = transports::FixedString<32>; // zero-padded; a 32-byte query has no NUL
} // namespace mosaic::ifaces::skb

// clang-format off
#define MOSAIC_SKB_INTERFACE(IFACE, MESSAGE, RPC, EVENT, F)                                  \
    IFACE(skb, 0x0003)                                                                      \
    MESSAGE(query_request, 1, F(QueryText, text) F(u64, seed))                              \
    /* status: a mosaic::Error value; line and column say where a bad query failed */       \
    MESSAGE(query_reply, 2, F(u16, status) F(u32, line) F(u32, column) F(u32, lines)        \
                            F(u32, bytes) F(u64, digest))                                   \
    MESSAGE(done_message, 3, F(u32, code))                                                  \
    RPC(query, query_request, query_reply)                                                  \
    EVENT(done, done_message)
// clang-format on

namespace mosaic::ifaces::skb {
using namespace mosaic;
MOSAIC_DEFINE_INTERFACE(MOSAIC_SKB_INTERFACE)
} // namespace mosaic::ifaces::skb
