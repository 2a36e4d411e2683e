// Channel setup on the SKB's routes (see channels.hpp).
#include "channels.hpp"

namespace mosaic::cpudriver {

Status bind_route(transports::Channel& ch, transports::Route route, transports::RingMemory have, RingPair rings,
                  transports::Hooks hooks) {
    if (route == transports::Route::None) return Error::NotFound;
    if (transports::route_memory(route) != have) return Error::Unsupported;
    transports::Binding b;
    b.kind = transports::route_kind(route);
    b.tx_base = rings.tx;
    b.tx_slots = rings.slots;
    b.rx_base = rings.rx;
    b.rx_slots = rings.slots;
    b.hooks = hooks;
    return ch.bind(b);
}

} // namespace mosaic::cpudriver
