// The transport benchmark interface (monitor/tbench.cpp): what two monitors say while they
// measure the channel between them. A start names the phase, its count and (a stream) the
// size of its messages; round trips are ping/pong pairs; a stream is data messages answered
// by one done with what arrived. A data message (type kDataType, not a fixed-field message:
// its length is the stream's, 8 to kMaxPayload bytes) holds its number in the stream
// (u64, little-endian), then bytes (number * 31 + i) mod 256 for its byte i; at 40 bytes it
// is one frame (one 64-byte URPC slot, as the host benchmark's messages), longer ones are
// fragmented as any message is.
#pragma once

#include <mosaic/transports/interface.hpp>

// clang-format off
#define MOSAIC_TBENCH_INTERFACE(IFACE, MESSAGE, RPC, EVENT, F)                                 \
    IFACE(tbench, 0x0008)                                                                      \
    MESSAGE(start_message, 1, F(u32, mode) F(u32, count) F(u32, bytes))                        \
    MESSAGE(ping_message, 2, F(u64, seq))                                                      \
    MESSAGE(pong_message, 3, F(u64, seq))                                                      \
    MESSAGE(done_message, 5, F(u32, received) F(u32, errors))
// clang-format on

namespace mosaic::ifaces::tbench {
using namespace mosaic;
MOSAIC_DEFINE_INTERFACE(MOSAIC_TBENCH_INTERFACE)
inline constexpr u16 kDataType = 4;
inline constexpr u32 kMinDataBytes = 8;
} // namespace mosaic::ifaces::tbench
