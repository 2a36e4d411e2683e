// Routes by the SKB's names (route.hpp): every name transport.dl gives maps to a route and
// back, and a name it never gives is refused.
#include <doctest.h>
#include <mosaic/transports/route.hpp>
#include <initializer_list>
#include <string.h>

using namespace mosaic;
using namespace mosaic::transports;

namespace {
Result<Route> parse(const char* s) { return route_from_name(s, strlen(s)); }
} // namespace

TEST_CASE("route names round-trip and pick the transport kind and ring memory") {
    for (Route r : {Route::None, Route::Lmp, Route::Urpc, Route::UrpcInterconnect}) {
        auto back = parse(route_name(r));
        REQUIRE(back.ok());
        CHECK(*back == r);
    }
    CHECK(route_kind(*parse("lmp")) == TransportKind::Lmp);
    CHECK(route_kind(*parse("urpc")) == TransportKind::Urpc);
    CHECK(route_kind(*parse("urpc_interconnect")) == TransportKind::Urpc);
    CHECK(route_kind(*parse("none")) == TransportKind::None);
    CHECK(route_memory(Route::Urpc) == RingMemory::NodeRam);
    CHECK(route_memory(Route::UrpcInterconnect) == RingMemory::Interconnect);
}

TEST_CASE("names transport.dl never gives are refused") {
    CHECK(parse("").error() == Error::NotFound);
    CHECK(parse("urp").error() == Error::NotFound);
    CHECK(parse("urpcx").error() == Error::NotFound);
    CHECK(parse("URPC").error() == Error::NotFound);
    CHECK(route_from_name("urpc_interconnect", 4).ok()); // a prefix of the text is "urpc"
    CHECK(*route_from_name("urpc_interconnect", 4) == Route::Urpc);
}
