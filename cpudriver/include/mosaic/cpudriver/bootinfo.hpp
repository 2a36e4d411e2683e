// What the ISA's boot code found and hands to the generic CPU driver.
#pragma once

#include <mosaic/dtb.hpp>
#include <mosaic/isa.hpp>

namespace mosaic {

// How to reach PCI configuration space: ECAM (memory-mapped) when ecam_base is set,
// otherwise the ISA's legacy mechanism (x86 ports 0xCF8/0xCFC).
struct PciHost {
    u64 ecam_base = 0;
    u64 ecam_size = 0;
    u64 mmio_base = 0; // a 32-bit memory window for BARs the CPU driver assigns itself
    u64 mmio_size = 0;
    bool present = false;
};

struct BootInfo {
    static constexpr u32 kMaxCores = 64, kMaxRanges = 16;
    Isa isa = Isa::X86_64;
    const char* firmware = "";   // where the facts came from: "multiboot+acpi", "dtb"
    u64 boot_core = 0;           // hardware id of this core (APIC id, MPIDR affinity, hart id)
    u32 core_count = 0;
    u64 core_ids[kMaxCores] = {};
    Range memory[kMaxRanges];
    u32 memory_count = 0;
    const u8* bundle = nullptr;  // the image bundle in memory, as the head stub found it
    const u8* dtb = nullptr;     // the device tree, if the firmware gave one
    PciHost pci;
    u64 timer_hz = 0;            // frequency of the ISA's free-running counter, 0 if unknown
    u64 fw_cfg = 0;              // QEMU fw_cfg MMIO base from the device tree (0: none or ports)
    const char* bootargs = "";   // the device tree's /chosen bootargs
};

// Fills memory, cores and the PCI host from a device tree (aarch64, riscv64).
Status bootinfo_from_dtb(BootInfo& bi, const Dtb& dtb);

} // namespace mosaic
