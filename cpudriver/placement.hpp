// Placement new for the boards, which have no <new>: constructs objects in memory the CPU
// driver carved itself (per-core schedulers and capability tables).
#pragma once

#include <mosaic/types.hpp>

inline void* operator new(mosaic::usize, void* where) noexcept { return where; }
