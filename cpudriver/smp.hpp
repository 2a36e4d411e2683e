// Bringing up the other cores of this node (see smp.cpp).
#pragma once

#include <mosaic/cpudriver/arch.hpp>

namespace mosaic::cpudriver {

// Starts every discovered core but the boot core; returns how many came online. The
// first core started is set up to answer pings and returned in ping_peer. Each core runs
// first_program (an ELF of this ISA) as its first dispatcher.
u32 start_secondaries(const BootInfo& bi, CoreState*& ping_peer, u64 (*ticks)(), const u8* first_program,
                      u64 first_program_size);

// The timer rate of every core.
constexpr u32 kTimerHz = 100;

} // namespace mosaic::cpudriver
