// The bulk interface: buffer descriptors of a shared buffer pool (bulk.hpp), each in one
// URPC frame. `give` moves a buffer (its bytes offset..offset+length) from the pool's
// owner to its peer; `give_back` returns it. The payload never travels in the frames.
#pragma once

#include <mosaic/transports/interface.hpp>

// clang-format off
#define MOSAIC_BULK_INTERFACE(IFACE, MESSAGE, RPC, EVENT, F)                                 \
    IFACE(bulk, 0x0007)                                                                      \
    MESSAGE(give_message, 1, F(u32, buffer) F(u32, generation) F(u32, offset) F(u32, length)) \
    MESSAGE(return_message, 2, F(u32, buffer) F(u32, generation))                            \
    EVENT(give, give_message)                                                                \
    EVENT(give_back, return_message)
// clang-format on

namespace mosaic::ifaces::bulk {
using namespace mosaic;
MOSAIC_DEFINE_INTERFACE(MOSAIC_BULK_INTERFACE)
static_assert(wire_size(static_cast<const give_message*>(nullptr)) <= transports::kFramePayload,
              "a descriptor must fit one frame");
} // namespace mosaic::ifaces::bulk
