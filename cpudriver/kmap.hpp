// Each core's own kernel address space: the physical address space mapped one to one,
// RAM as normal memory and everything else in the low 4 GiB (and PCI ECAM above it) as
// device memory, built from this core's own page pool.
#pragma once

#include "vm.hpp"

namespace mosaic::cpudriver {

Status build_kernel_map(AddressSpace& as, const BootInfo& bi);

// The boot core's kernel map, from a pool in the CPU driver's image (which only the boot
// core uses), turned on; returns its root.
Result<u64> boot_kernel_map(const BootInfo& bi);

} // namespace mosaic::cpudriver
