// The conformance digest every board prints; the expected value is the wire format's
// fingerprint and changes only when the format itself changes.
#include <doctest.h>
#include <mosaic/transports/conformance.hpp>
#include <string.h>

using namespace mosaic;
using namespace mosaic::transports;

TEST_CASE("FNV-1a 64 matches its published test vectors") {
    CHECK(fnv1a64(nullptr, 0) == 0xcbf29ce484222325ull);
    CHECK(fnv1a64(reinterpret_cast<const u8*>("a"), 1) == 0xaf63dc4c8601ec8cull);
    CHECK(fnv1a64(reinterpret_cast<const u8*>("foobar"), 6) == 0x85944171f73967e8ull);
}

// If this fails, the bytes on the wire changed: every board and peer must change too.
TEST_CASE("the conformance digest of the fixed message set") {
    CHECK(conformance_digest() == kExpectedConformanceDigest);
}
