// The ISA-neutral wire form of a capability, sent between cores by the monitors.
// Specified once, fixed-width little-endian, the same 48 bytes on every ISA:
//   offset size field
//    0     1    version (kWireVersion)
//    1     1    type wire id (cap_types.hpp)
//    2     1    rights
//    3     1    reserved, zero
//    4     2    node
//    6     2    owner core
//    8     8    base
//   16     8    size
//   24     8    badge
//   32     8    remote copies (bit c: core c holds a copy)
//   40     8    check: the XOR of the five 64-bit words above and 0x4d4f534149434150
#pragma once

#include <mosaic/caps/capability.hpp>
#include <mosaic/error.hpp>

namespace mosaic::caps {

inline constexpr usize kWireSize = 48;
inline constexpr u8 kWireVersion = 1;

// Encodes a capability that may leave its core: it must be well formed and carry Grant
// (PermissionDenied otherwise); core-local types (kCoreLocal: CNode, Kernel) never travel
// (Unsupported). `len` must be at least kWireSize (Truncated otherwise).
Status encode_wire(const Capability& cap, u8* out, usize len);

// Decodes and validates: Truncated, BadVersion, WrongType, Malformed (reserved bits set),
// BadChecksum, or the errors of validate(); CNode, Kernel and capabilities without Grant
// are refused as in encode_wire.
Result<Capability> decode_wire(const u8* in, usize len);

} // namespace mosaic::caps
