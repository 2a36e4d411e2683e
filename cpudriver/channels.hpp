// Channel setup in the CPU driver: a channel is bound on the route the SKB gives for the
// two cores (transports/route.hpp), with rings the caller placed in the memory that route
// names. Callers never pick a transport kind themselves.
#pragma once

#include <mosaic/transports/channel.hpp>
#include <mosaic/transports/route.hpp>

namespace mosaic::cpudriver {

// A pair of one-way URPC rings: tx written by this side, rx read by it.
struct RingPair {
    void* tx = nullptr;
    void* rx = nullptr;
    u32 slots = 0;
};

// Binds ch on `route` with `rings`, which lie in memory of kind `have`: Unsupported when the
// route needs other memory (say the SKB names the interconnect for two cores whose caller
// has only node RAM), NotFound for Route::None, the channel's own errors for bad rings.
Status bind_route(transports::Channel& ch, transports::Route route, transports::RingMemory have, RingPair rings,
                  transports::Hooks hooks = {});

} // namespace mosaic::cpudriver
