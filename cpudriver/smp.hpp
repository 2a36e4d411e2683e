// Bringing up the other cores of this node (see smp.cpp).
#pragma once

#include <mosaic/cpudriver/arch.hpp>

namespace mosaic::cpudriver {

// Starts every discovered core but the boot core; returns how many came online.
u32 start_secondaries(const BootInfo& bi, const CoreState& boot, u64 (*ticks)());

} // namespace mosaic::cpudriver
