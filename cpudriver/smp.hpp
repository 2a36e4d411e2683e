// Bringing up the other cores of this node (see smp.cpp).
#pragma once

#include <mosaic/cpudriver/arch.hpp>

namespace mosaic::cpudriver {

// Starts every discovered core but the boot core; returns how many came online. The
// first core started is set up to answer pings and returned in ping_peer.
u32 start_secondaries(const BootInfo& bi, CoreState*& ping_peer, u64 (*ticks)());

} // namespace mosaic::cpudriver
