// The transport benchmark interface (monitor/tbench.cpp): what two monitors say while they
// measure the channel between them. A start names the phase and its count; round trips are
// ping/pong pairs; a stream is data messages of one whole frame each (40-byte payload: one
// 64-byte slot, as the host benchmark's) answered by one done with what arrived.
#pragma once

#include <mosaic/transports/interface.hpp>

// clang-format off
#define MOSAIC_TBENCH_INTERFACE(IFACE, MESSAGE, RPC, EVENT, F)                                 \
    IFACE(tbench, 0x0008)                                                                      \
    MESSAGE(start_message, 1, F(u32, mode) F(u32, count))                                      \
    MESSAGE(ping_message, 2, F(u64, seq))                                                      \
    MESSAGE(pong_message, 3, F(u64, seq))                                                      \
    MESSAGE(data_message, 4, F(u64, seq) F(u64, a) F(u64, b) F(u64, c) F(u64, d))              \
    MESSAGE(done_message, 5, F(u32, received) F(u32, errors))
// clang-format on

namespace mosaic::ifaces::tbench {
using namespace mosaic;
MOSAIC_DEFINE_INTERFACE(MOSAIC_TBENCH_INTERFACE)
static_assert(wire_size(static_cast<const data_message*>(nullptr)) == transports::kFramePayload,
              "a data message is exactly one frame");
} // namespace mosaic::ifaces::tbench
