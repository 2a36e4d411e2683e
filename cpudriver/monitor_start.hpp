// Starting this core's monitor, its first dispatcher and the only holder of the Kernel
// capability (monitor_start.cpp).
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

} // namespace mosaic::cpudriver
