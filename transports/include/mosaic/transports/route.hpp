// Routes: how two cores reach each other, as the SKB's transport/3 query answers it
// (skb/rules/transport.dl). Channel setup asks the SKB for the route between two cores and
// binds from it; callers never pick a transport themselves.
#pragma once

#include <mosaic/error.hpp>
#include <mosaic/transports/channel.hpp>

namespace mosaic::transports {

enum class Route : u8 {
    None,             // no shared memory between the cores' nodes: no channel possible
    Lmp,              // the same core: local message passing through the CPU driver
    Urpc,             // two cores of one node: URPC rings in the node's own RAM
    UrpcInterconnect, // cores of two nodes: URPC rings in the interconnect region
};

// The route an SKB answer names (the symbol's text, not NUL-terminated); NotFound for a
// name transport.dl never gives.
Result<Route> route_from_name(const char* name, usize len);

// The SKB's symbol for a route, and the transport kind a channel on that route is bound to
// (TransportKind::None for Route::None).
const char* route_name(Route r);
TransportKind route_kind(Route r);

// Where the shared memory of a route's rings comes from.
enum class RingMemory : u8 { None, CoreLocal, NodeRam, Interconnect };
RingMemory route_memory(Route r);

// A pair of one-way URPC rings: tx written by this side, rx read by it.
struct RingPair {
    void* tx = nullptr;
    void* rx = nullptr;
    u32 slots = 0;
};

// Binds ch on `route` with `rings`, which lie in memory of kind `have`: Unsupported when the
// route needs other memory (say the SKB names the interconnect for two cores whose caller
// has only node RAM), NotFound for Route::None, the channel's own errors for bad rings.
Status bind_route(Channel& ch, Route route, RingMemory have, RingPair rings, Hooks hooks = {});

} // namespace mosaic::transports
