// The boot monitor's discovery of what its CPU driver leaves to user space (the CPU driver
// only hands it capabilities for the devices: sys::kSlotFwCfg, kSlotPciConfig,
// kSlotDeviceMemory): the board runner's boot parameters, which node of the board this is,
// the functions on PCI bus 0, and the interconnect region between nodes, which it cuts
// from the device memory into sys::kSlotRegion. Part of the monitor program only (it
// invokes capabilities); the parsing it relies on is lib/'s, tested on the host.
#pragma once

#include <mosaic/board.hpp>
#include <mosaic/bootfacts.hpp>
#include <mosaic/syscall.hpp>
#include <mosaic/user/vspace.hpp>

namespace mosaic::monitor {

// The runner's boot parameters into f.params / f.params_given: fw_cfg's "opt/mosaic/<key>"
// files, else the firmware command line's "mosaic.<key>=<n>". A malformed one is reported
// and left out.
void read_boot_params(BootFacts& f, user::Vspace& vs);

// Which node of the board this is: as the runner says, when it names a node of this ISA,
// otherwise the first node of this ISA (NotFound: the board has none). Says which, and why.
Result<u32> choose_node(const BoardProfile& board, const BootFacts& f);

// The functions on PCI bus 0 into f.pci and, on a board of several nodes, the interconnect
// region (its BAR assigned from the device memory where firmware did not): a device frame
// in sys::kSlotRegion, f.region_phys / f.region_size. Says what it found or why not.
void find_devices(BootFacts& f, const BoardProfile& board, user::Vspace& vs);

} // namespace mosaic::monitor
