// The ping interface: a round-trip RPC and a one-way note, used by tests and the
// core-to-core ping-pong boot test.
#pragma once

#include <mosaic/transports/interface.hpp>

// clang-format off
#define MOSAIC_PING_INTERFACE(IFACE, MESSAGE, RPC, EVENT, F)                    \
    IFACE(ping, 0x0001)                                                         \
    MESSAGE(ping_request, 1, F(u64, seq) F(u64, payload))                       \
    MESSAGE(pong_reply, 2, F(u64, seq) F(u64, payload))                         \
    MESSAGE(note_message, 3, F(u8, level) F(u16, code) F(u32, value) F(i64, delta)) \
    RPC(ping, ping_request, pong_reply)                                         \
    EVENT(note, note_message)
// clang-format on

namespace mosaic::ifaces::ping {
using namespace mosaic;
MOSAIC_DEFINE_INTERFACE(MOSAIC_PING_INTERFACE)
} // namespace mosaic::ifaces::ping
