// The wire-format conformance digest: a fixed set of messages (every field width,
// fragmentation, edge values) encoded as URPC slots and hashed with FNV-1a 64. Every
// board prints it from the guest; the host test holds the expected value, so any ISA
// whose bytes differ is caught.
#pragma once

#include <mosaic/types.hpp>

namespace mosaic::transports {

inline constexpr u64 kFnv1a64Offset = 0xcbf29ce484222325ull;

// FNV-1a 64 over `n` bytes, continuing from `h`.
u64 fnv1a64(const u8* p, u32 n, u64 h = kFnv1a64Offset);

// The digest of the fixed conformance message set.
u64 conformance_digest();

// What conformance_digest() returns on every ISA; the host test and the boot tests
// compare against it. It changes only when the wire format itself changes.
inline constexpr u64 kExpectedConformanceDigest = 0x098bf575545d192eull;

} // namespace mosaic::transports
