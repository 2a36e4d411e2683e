// QEMU's firmware configuration device (docs/specs/fw_cfg.rst in QEMU), read through
// whatever reaches its registers: the selector takes a 16-bit key, then the data register
// streams the item's bytes; key 0x19 is the directory of named files (big-endian count, then
// 64-byte entries: size, key, reserved, name). The board runner passes a node its boot
// parameters as files "opt/mosaic/<key>" holding a decimal number, or, where QEMU has no
// -fw_cfg (riscv64 virt in QEMU 7.2), as "mosaic.<key>=<n>" in the kernel command line.
// Every byte the device gives is untrusted: sizes are checked, numbers bounded.
#pragma once

#include <mosaic/error.hpp>
#include <mosaic/types.hpp>

namespace mosaic {

// The device's two registers as its user reaches them (I/O ports, MMIO, a test fake).
struct FwCfgAccess {
    void* ctx = nullptr;
    void (*select)(void* ctx, u16 key) = nullptr;
    u8 (*read8)(void* ctx) = nullptr;
};

class FwCfg {
  public:
    explicit FwCfg(const FwCfgAccess& io) : io_(io) {}
    // True if the device answers with its "QEMU" signature.
    bool present() const;
    // Reads the named file into buf (at most cap - 1 bytes, NUL-terminated); its length.
    // NotFound (no device or no such file), CapacityExceeded, Malformed (a directory that
    // cannot be one).
    Result<u32> read_file(const char* name, char* buf, u32 cap) const;
    // A file holding a decimal number (at most 10^9), or NotFound / Malformed.
    Result<u64> read_number(const char* name) const;

  private:
    u8 read8() const { return io_.read8(io_.ctx); }
    FwCfgAccess io_;
};

// "mosaic.<key>=<n>" as a whole word of a command line: n, NotFound or Malformed.
Result<u64> bootargs_number(const char* args, const char* key);

// A boot parameter: the fw_cfg file "opt/mosaic/<key>" if the device has it (fw may be
// null: no device), else the command line's "mosaic.<key>=".
Result<u64> boot_param(const FwCfg* fw, const char* bootargs, const char* key);

} // namespace mosaic
