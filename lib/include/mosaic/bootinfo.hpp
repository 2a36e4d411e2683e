// What the firmware told: filled by an ISA's boot code (from Multiboot and ACPI, or a device
// tree through bootinfo_from_dtb) and handed to the generic CPU driver, which passes what
// its monitor needs on in BootFacts.
#pragma once

#include <mosaic/dtb.hpp>
#include <mosaic/isa.hpp>

namespace mosaic {

// How PCI configuration space is reached: ECAM (memory-mapped) when ecam_base is set,
// otherwise the eight I/O ports from config_port (x86: 0xCF8 address, 0xCFC data). The
// CPU driver only hands capabilities for these to the boot monitor, which does the rest.
struct PciHost {
    u64 ecam_base = 0;
    u64 ecam_size = 0;
    u16 config_port = 0;
    u64 mmio_base = 0; // device memory where BARs are (or may be put): a 32-bit window
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
    u16 fw_cfg_port = 0;         // or its first I/O port (x86: 0x510 selector, 0x511 data)
    const char* bootargs = "";   // the device tree's /chosen bootargs
};

// Fills memory, cores and the PCI host from a device tree (aarch64, riscv64). Refuses a
// tree without memory or cores, with a core listed twice, more cores or ranges than
// BootInfo holds, a range that wraps, or without bi.boot_core among its cores; `why`
// then names what was wrong. Overlapping or touching memory ranges are merged.
Status bootinfo_from_dtb(BootInfo& bi, const Dtb& dtb, const char** why = nullptr);

} // namespace mosaic
