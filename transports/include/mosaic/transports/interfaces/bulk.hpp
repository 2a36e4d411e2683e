// The bulk interface: buffer descriptors of a shared buffer pool (bulk.hpp), each message
// in one URPC frame. `give` moves a buffer (its bytes offset..offset+length) from the
// pool's owner to its peer; `give_back` returns it. A batch packs its descriptors:
// `give_pair` moves two buffers, `give_back_set` returns `count` (1 to 4) of them, its
// unused entries zero. The payload never travels in the frames.
#pragma once

#include <mosaic/transports/interface.hpp>

// clang-format off
#define MOSAIC_BULK_INTERFACE(IFACE, MESSAGE, RPC, EVENT, F)                                 \
    IFACE(bulk, 0x0007)                                                                      \
    MESSAGE(give_message, 1, F(u32, buffer) F(u32, generation) F(u32, offset) F(u32, length)) \
    MESSAGE(return_message, 2, F(u32, buffer) F(u32, generation))                            \
    MESSAGE(give_pair_message, 3, F(u32, buffer0) F(u32, generation0) F(u32, offset0)          \
                                  F(u32, length0) F(u32, buffer1) F(u32, generation1)          \
                                  F(u32, offset1) F(u32, length1))                             \
    MESSAGE(return_set_message, 4, F(u32, count) F(u32, buffer0) F(u32, generation0)           \
                                   F(u32, buffer1) F(u32, generation1) F(u32, buffer2)         \
                                   F(u32, generation2) F(u32, buffer3) F(u32, generation3))    \
    EVENT(give, give_message)                                                                \
    EVENT(give_back, return_message)                                                         \
    EVENT(give_pair, give_pair_message)                                                      \
    EVENT(give_back_set, return_set_message)
// clang-format on

namespace mosaic::ifaces::bulk {
using namespace mosaic;
MOSAIC_DEFINE_INTERFACE(MOSAIC_BULK_INTERFACE)
static_assert(wire_size(static_cast<const give_message*>(nullptr)) <= transports::kFramePayload &&
                  wire_size(static_cast<const give_pair_message*>(nullptr)) <= transports::kFramePayload &&
                  wire_size(static_cast<const return_set_message*>(nullptr)) <= transports::kFramePayload,
              "every descriptor message must fit one frame");
} // namespace mosaic::ifaces::bulk
