// Starting another core of this node: the mechanism behind the Kernel capability's
// StartCore, which only the monitor invokes (smp.cpp).
#pragma once

#include <mosaic/cpudriver/arch.hpp>

namespace mosaic::cpudriver {

// Starts core `index` (its position in BootInfo::core_ids, never this core) on memory
// carved for it, with its own copy of this core's boot facts and the frame [channel,
// channel + size) for its monitor's channel to this core's monitor. Its CPU driver starts
// its own monitor. Returns its hardware id once the firmware accepted the start.
Result<u64> start_core(u32 index, u64 channel, u64 channel_size);

} // namespace mosaic::cpudriver
