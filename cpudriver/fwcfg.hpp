// QEMU's firmware configuration device (docs/specs/fw_cfg.rst in QEMU): named files the
// board runner passes to a node, e.g. "opt/mosaic/node" (which node of the board this is)
// and "opt/mosaic/idle" (seconds to stay idle before powering off). MMIO on the device-tree
// machines, I/O ports on x86 (through arch::fw_cfg_legacy_*).
#pragma once

#include <mosaic/cpudriver/bootinfo.hpp>

namespace mosaic::cpudriver {

// A number the runner passed for `key`: the fw_cfg file "opt/mosaic/<key>" or, on machines
// whose QEMU has no -fw_cfg (riscv64 virt in QEMU 7.2), "mosaic.<key>=<n>" in the bootargs.
Result<u64> boot_param(const BootInfo& bi, const char* key);

class FwCfg {
  public:
    explicit FwCfg(u64 mmio_base) : mmio_(mmio_base) {}
    // True if the device answers with its "QEMU" signature.
    bool present();
    // Reads the named file into buf (at most cap - 1 bytes, NUL-terminated); its length.
    Result<u32> read_file(const char* name, char* buf, u32 cap);
    // A file holding a decimal number, or NotFound / Malformed.
    Result<u64> read_number(const char* name);

  private:
    void select(u16 key);
    u8 read8();
    u64 mmio_;
};

} // namespace mosaic::cpudriver
