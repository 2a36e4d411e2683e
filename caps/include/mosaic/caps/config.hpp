// Capacities and sizes of the capability system, chosen in this one place (STYLE.md 7).
#pragma once

#include <mosaic/types.hpp>

namespace mosaic::caps {

// Every CNode has 2^kCNodeBits slots; a CPtr indexes at most two CNodes.
inline constexpr u32 kCNodeBits = 6;
inline constexpr u32 kCNodeSlots = 1u << kCNodeBits;
// CNode objects per core: the per-core capability table holds kMaxCNodes * kCNodeSlots slots.
inline constexpr u32 kMaxCNodes = 32;
inline constexpr u32 kTableSlots = kMaxCNodes * kCNodeSlots;
// Cores whose copies a capability can record (one bit each in Capability::remote_copies).
inline constexpr u32 kMaxCores = 64;

// The ISA-neutral page-table geometry: four levels (L0 is the root, L3 the last) of 512
// entries each, mapping 4 KiB pages at L3, 2 MiB at L2 and 1 GiB at L1. x86-64 (4-level),
// aarch64 (4 KiB granule, 48-bit) and riscv64 Sv48 all share it; formats live in arch/.
inline constexpr u32 kPageBits = 12;
inline constexpr u64 kPageSize = u64(1) << kPageBits;
inline constexpr u32 kPtLevels = 4;
inline constexpr u32 kPtIndexBits = 9;
inline constexpr u64 kPtEntries = u64(1) << kPtIndexBits;

// Sizes of the fixed-size kernel objects made by retype (each a power of two).
inline constexpr u64 kCNodeBytes = u64(kCNodeSlots) * 64;
inline constexpr u64 kPageTableBytes = kPageSize;

static_assert(kCNodeSlots <= 256, "a CPtr level index is 8 bits");
static_assert(kTableSlots < 0xFFFF, "slot ids are 16 bits with 0xFFFF meaning none");

} // namespace mosaic::caps
