// The capability wire form: exact byte layout, round trip, and validation of hostile bytes.
#include "fixture.hpp"
#include <string.h>

using namespace caps_test;

static Capability sample() {
    Capability c = memory_cap(CapType::Frame, 0x1234'5000, 2 * kPageSize, 3);
    c.owner = 5;
    c.rights = kRead | kGrant;
    c.remote_copies = 0x8000'0000'0000'0011ull;
    return c;
}

TEST_CASE("the wire layout is the one specified") {
    u8 b[kWireSize];
    REQUIRE(encode_wire(sample(), b, sizeof b).ok());
    CHECK(b[0] == kWireVersion);
    CHECK(b[1] == wire_id(CapType::Frame));
    CHECK(b[2] == (kRead | kGrant));
    CHECK(b[3] == 0);
    CHECK(load_le16(b + 4) == 3);
    CHECK(load_le16(b + 6) == 5);
    const u8 base[8] = {0x00, 0x50, 0x34, 0x12, 0, 0, 0, 0};
    CHECK(memcmp(b + 8, base, 8) == 0);
    CHECK(load_le64(b + 16) == 2 * kPageSize);
    CHECK(load_le64(b + 24) == 0);
    CHECK(b[39] == 0x80);
    u64 x = 0x4d4f534149434150ull;
    for (int i = 0; i < 5; ++i) x ^= load_le64(b + 8 * i);
    CHECK(load_le64(b + 40) == x);
}

TEST_CASE("a capability round-trips through the wire form") {
    u8 b[kWireSize];
    for (Capability c : {sample()}) {
        REQUIRE(encode_wire(c, b, sizeof b).ok());
        Capability d = decode_wire(b, sizeof b).value();
        CHECK(d.type == c.type);
        CHECK(d.rights == c.rights);
        CHECK(d.node == c.node);
        CHECK(d.owner == c.owner);
        CHECK(d.base == c.base);
        CHECK(d.size == c.size);
        CHECK(d.badge == c.badge);
        CHECK(d.remote_copies == c.remote_copies);
    }
}

TEST_CASE("encode refuses what may not travel") {
    u8 b[kWireSize];
    Capability c = sample();
    CHECK(encode_wire(c, b, kWireSize - 1).error() == Error::Truncated);
    c.rights = kRead;
    CHECK(encode_wire(c, b, sizeof b).error() == Error::PermissionDenied);
    Capability k;
    k.type = CapType::Kernel;
    k.rights = kAllRights;
    CHECK(encode_wire(k, b, sizeof b).error() == Error::Unsupported);
    CHECK(encode_wire(memory_cap(CapType::CNode, 0, kCNodeBytes), b, sizeof b).error() == Error::Unsupported);
    // Dispatchers, endpoints and interrupts are a core's numbers: they mean nothing elsewhere.
    for (CapType t : {CapType::Dispatcher, CapType::Endpoint, CapType::Irq}) {
        Capability named;
        named.type = t, named.rights = kAllRights, named.base = 4;
        CHECK(encode_wire(named, b, sizeof b).error() == Error::Unsupported);
    }
    CHECK(encode_wire(Capability{}, b, sizeof b).error() == Error::WrongType);
}

// Re-seals a mutated buffer so that field validation, not the check word, is tested.
static void reseal(u8* b) {
    u64 x = 0x4d4f534149434150ull;
    for (int i = 0; i < 5; ++i) x ^= load_le64(b + 8 * i);
    store_le64(b + 40, x);
}

TEST_CASE("decode refuses hostile bytes with precise errors") {
    u8 good[kWireSize], b[kWireSize];
    REQUIRE(encode_wire(sample(), good, sizeof good).ok());
    CHECK(decode_wire(good, kWireSize - 1).error() == Error::Truncated);
    auto mutate = [&](int at, u8 v, bool seal) {
        memcpy(b, good, kWireSize);
        b[at] = v;
        if (seal) reseal(b);
        return decode_wire(b, kWireSize).error();
    };
    CHECK(mutate(0, 2, true) == Error::BadVersion);
    CHECK(mutate(3, 1, true) == Error::Malformed);
    CHECK(mutate(9, 0x51, false) == Error::BadChecksum);
    CHECK(mutate(1, 0, true) == Error::WrongType);
    CHECK(mutate(1, 99, true) == Error::WrongType);
    CHECK(mutate(1, wire_id(CapType::CNode), true) == Error::InvalidArgument); // size is not a CNode's
    CHECK(mutate(2, 0x40 | kGrant, true) == Error::InvalidArgument);
    CHECK(mutate(2, kRead, true) == Error::PermissionDenied);
    CHECK(mutate(8, 0x01, true) == Error::Misaligned);
    CHECK(mutate(7, 0x01, true) == Error::OutOfRange); // owner core 261
    CHECK(mutate(24, 1, true) == Error::InvalidArgument); // a badge on a frame
    memcpy(b, good, kWireSize);
    b[15] = b[23] = 0xff; // base + size wraps
    reseal(b);
    CHECK(decode_wire(b, kWireSize).error() == Error::Overflow);
}
