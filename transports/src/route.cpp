// Routes by name (see route.hpp). The table is the one place that ties the SKB's transport
// symbols to the channel's transport kinds.
#include <mosaic/transports/route.hpp>

namespace mosaic::transports {

namespace {
struct RouteInfo {
    Route route;
    const char* name;
    TransportKind kind;
    RingMemory memory;
};
constexpr RouteInfo kRoutes[] = {
    {Route::None, "none", TransportKind::None, RingMemory::None},
    {Route::Lmp, "lmp", TransportKind::Lmp, RingMemory::CoreLocal},
    {Route::Urpc, "urpc", TransportKind::Urpc, RingMemory::NodeRam},
    {Route::UrpcInterconnect, "urpc_interconnect", TransportKind::Urpc, RingMemory::Interconnect},
};

const RouteInfo& info(Route r) {
    for (const RouteInfo& i : kRoutes)
        if (i.route == r) return i;
    return kRoutes[0];
}
} // namespace

Result<Route> route_from_name(const char* name, usize len) {
    for (const RouteInfo& i : kRoutes) {
        usize n = 0;
        while (i.name[n] && n < len && i.name[n] == name[n]) ++n;
        if (n == len && i.name[n] == 0) return i.route;
    }
    return Error::NotFound;
}

const char* route_name(Route r) { return info(r).name; }
TransportKind route_kind(Route r) { return info(r).kind; }
RingMemory route_memory(Route r) { return info(r).memory; }

Status bind_route(Channel& ch, Route route, RingMemory have, RingPair rings, Hooks hooks) {
    if (route == Route::None) return Error::NotFound;
    if (route_memory(route) != have) return Error::Unsupported;
    Binding b;
    b.kind = route_kind(route);
    b.tx_base = rings.tx;
    b.tx_slots = rings.slots;
    b.rx_base = rings.rx;
    b.rx_slots = rings.slots;
    b.hooks = hooks;
    return ch.bind(b);
}

} // namespace mosaic::transports
