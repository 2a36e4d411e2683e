// Starting this core's monitor, its first dispatcher and the only holder of the Kernel
// capability (monitor_start.cpp), and another core of this node, the mechanism behind the
// Kernel capability's StartCore (smp.cpp).
#pragma once

#include <mosaic/bundle.hpp>
#include <mosaic/cpudriver/core.hpp>

namespace mosaic::cpudriver {

// Loads the image's "monitor" module for this ISA as dispatcher sys::kMonitorId with the
// boot facts and the board manifest as its start data, the Kernel capability, RAM, and the
// channel frame or interconnect region this core has; then runs this core's dispatchers.
[[noreturn]] void start_monitor(CoreState& core, u64 kernel_root);

// The image bundle this core was booted from, up to the end of the RAM range it lies in;
// with check_crc, the whole image's checksum is verified (once, by the boot core).
Result<bundle::View> open_image(const BootInfo& bi, bool check_crc);

// Starts core `index` (its position in BootInfo::core_ids, never this core) on memory
// carved for it, with its own copy of this core's boot facts and the frame [channel,
// channel + size) for its monitor's channel to this core's monitor. Its CPU driver starts
// its own monitor. Returns its hardware id once the firmware accepted the start.
Result<u64> start_core(u32 index, u64 channel, u64 channel_size);

} // namespace mosaic::cpudriver
