// Encoding and decoding of the capability wire form specified in wire.hpp.
#include <mosaic/caps/wire.hpp>

namespace mosaic::caps {

static constexpr u64 kCheckSeed = 0x4d4f534149434150ull;

static u64 check_of(const u8* p) {
    u64 x = kCheckSeed;
    for (usize off = 0; off < 40; off += 8) x ^= load_le64(p + off);
    return x;
}

static Status may_travel(const Capability& c) {
    if (has_flag(c.type, kCoreLocal)) return Error::Unsupported;
    return {};
}

Status encode_wire(const Capability& c, u8* out, usize len) {
    if (len < kWireSize) return Error::Truncated;
    TRY_STATUS(validate(c));
    TRY_STATUS(may_travel(c));
    if (!(c.rights & kGrant)) return Error::PermissionDenied;
    out[0] = kWireVersion;
    out[1] = wire_id(c.type);
    out[2] = c.rights;
    out[3] = 0;
    store_le16(out + 4, c.node);
    store_le16(out + 6, c.owner);
    store_le64(out + 8, c.base);
    store_le64(out + 16, c.size);
    store_le64(out + 24, c.badge);
    store_le64(out + 32, c.remote_copies);
    store_le64(out + 40, check_of(out));
    return {};
}

Result<Capability> decode_wire(const u8* in, usize len) {
    if (len < kWireSize) return Error::Truncated;
    if (in[0] != kWireVersion) return Error::BadVersion;
    if (in[3] != 0) return Error::Malformed;
    if (load_le64(in + 40) != check_of(in)) return Error::BadChecksum;
    Capability c;
    c.type = type_from_wire(in[1]);
    c.rights = in[2];
    c.node = load_le16(in + 4);
    c.owner = load_le16(in + 6);
    c.base = load_le64(in + 8);
    c.size = load_le64(in + 16);
    c.badge = load_le64(in + 24);
    c.remote_copies = load_le64(in + 32);
    TRY_STATUS(validate(c));
    TRY_STATUS(may_travel(c));
    if (!(c.rights & kGrant)) return Error::PermissionDenied;
    return c;
}

} // namespace mosaic::caps
