// What a CPU driver tells the monitor it starts on its core: the hardware it found (from
// the firmware: DTB, ACPI, Multiboot), where this core stands, and the firmware's command
// line. The CPU driver copies it, followed by the board manifest's text, into the monitor's
// start data (sys::kStartDataOffset). The monitor completes its own copy (marked "the
// monitor's" below: the node, the runner's parameters, PCI, the interconnect region) and
// hands that to the programs it starts with the boot facts; it is a plain struct of
// fixed-width fields.
#pragma once

#include <mosaic/dtb.hpp> // Range
#include <mosaic/isa.hpp>

namespace mosaic {

// Plain data (no member initializers), so that a CPU driver's global CoreState holding
// some stays constant-initialized.
struct BootPciFunction {
    u8 dev, fn, base_class, sub_class;
    u16 vendor, device;
};

// The console UART, as a user-level driver must drive it: which device, and where.
enum ConsoleKind : u32 {
    kConsoleNone = 0,
    kConsole16550Port = 1, // NS16550 registers at I/O ports base..base+7 (x86 COM1)
    kConsole16550Mmio = 2, // NS16550 registers one byte apart in memory at base
    kConsolePl011 = 3,     // Arm PL011 in memory at base
    kConsoleSifive = 4,    // SiFive UART (sifive,uart0: FU540, FU740) in memory at base
    kConsole16550Mmio32 = 5, // NS16550 registers 4 bytes apart, 32-bit accesses (the Raspberry
                             // Pi's mini UART, DesignWare APB UARTs: reg-shift 2, reg-io-width 4)
};
struct ConsoleDevice {
    u32 kind;
    u64 base;
};

// Numbers the runner passed (fw_cfg or bootargs "mosaic.<key>=<n>"), by position in
// kBootParamNames; BootFacts::params_given has bit i when param i was given.
// "many": how many programs the boot tests start in a row (./mosaic test --long: 10,000);
// "long": the boot tests' long runs (the system-call fuzzer for 10^6 calls).
inline constexpr const char* kBootParamNames[] = {"node", "idle", "skbbench", "job", "many", "long", "fuzz"};
enum BootParam : u32 { kParamNode, kParamIdle, kParamSkbBench, kParamJob, kParamMany, kParamLong, kParamFuzz, kParamCount };

struct BootFacts {
    static constexpr u32 kMagic = 0x4d4f4e31; // "MON1"
    static constexpr u32 kMaxCores = 64, kMaxRanges = 16, kMaxPci = 32;
    u32 magic = kMagic;
    u32 size = sizeof(BootFacts); // where the manifest text starts
    u32 isa = 0;                  // mosaic::Isa
    u32 node = 0;                 // the monitor's: this node's index in the board
    u32 core_index = 0;           // this core's position in core_ids
    u32 core_count = 0;
    u64 core_ids[kMaxCores] = {}; // hardware ids (APIC id, MPIDR affinity, hart id)
    u64 doorbell = 0;             // what another core's CPU driver rings to wake this core
    u64 boot_doorbell = 0;        // a started core: its boot core's doorbell
    u64 counter_hz = 0;           // the user-readable counter's rate (0: unknown)
    u32 memory_count = 0;
    u32 pci_count = 0;            // the monitor's: functions on PCI bus 0, the interconnect's included
    Range memory[kMaxRanges];
    BootPciFunction pci[kMaxPci];
    u64 region_size = 0;          // the monitor's: the interconnect region (sys::kSlotRegion), 0: none
    u64 region_phys = 0;
    u64 channel_size = 0;         // a started core: its channel frame (sys::kSlotChannel)
    u64 params[kParamCount] = {}; // the monitor's: the runner's boot parameters
    u32 params_given = 0;
    u32 manifest_len = 0;         // bytes of manifest text after this struct
    u32 boot = 0;                 // 1 on the node's boot core, 0 on a core its monitor started
    u32 irq_error = 0;            // how this core's interrupt controller setup went (an Error)
    u32 console_kind = 0;         // the console UART (ConsoleKind): the monitor holds a capability
    u32 reserved = 0;             //   for its registers (sys::kSlotConsole) to hand its driver
    u64 console_base = 0;
    u64 fw_cfg_base = 0;          // QEMU's fw_cfg in memory (sys::kSlotFwCfg then maps its page); 0: ports or none
    char bootargs[256] = {};      // the firmware's command line (device tree /chosen), cut to fit
    bool has(BootParam p) const { return params_given & (1u << p); }
    const char* manifest() const { return reinterpret_cast<const char*>(this) + size; }
};

} // namespace mosaic
