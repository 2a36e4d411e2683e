// The common start of the device-tree ISAs (aarch64, riscv64): the firmware's tree gives
// the console and devices (through the ISA's platform hook) and the boot facts.
#include <mosaic/cpudriver/arch.hpp>

#include "console.hpp"

namespace mosaic::cpudriver {

void boot_from_dtb(BootInfo& bi, const u8* blob, void (*platform)(const Dtb&)) {
    bi.dtb = blob;
    auto dtb = Dtb::parse(blob, 1u << 20);
    if (!dtb.ok()) {
        kprint("PANIC: {}: no usable device tree at {:x}: {}\n", isa_name(bi.isa), blob, error_name(dtb.error()));
        arch::power_off(false);
    }
    platform(*dtb);
    if (auto s = bootinfo_from_dtb(bi, *dtb); !s.ok()) kprint("warning: device tree incomplete: {}\n", error_name(s.error()));
}

} // namespace mosaic::cpudriver
