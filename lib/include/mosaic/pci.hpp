// Just enough PCI for a monitor to know its node's devices and map one memory BAR:
// configuration access through whatever reaches it (an ECAM mapping, the x86 configuration
// ports, a test fake), a bus-0 scan, BAR sizing and assignment (PCI Local Bus 3.0 ch. 6).
// Every value read from a device is untrusted: sizes are checked before they are used.
#pragma once

#include <mosaic/error.hpp>
#include <mosaic/types.hpp>

namespace mosaic {

struct PciFunction {
    u32 bus, dev, fn;
};

// A function found on the bus: where, its ids, and its class code (PCI 3.0, appendix D).
struct PciDevice {
    PciFunction at;
    u16 vendor, device;
    u8 base_class, sub_class;
};

// Configuration space as its user reaches it: 32-bit registers at 4-byte offsets.
struct PciConfigAccess {
    void* ctx = nullptr;
    u32 (*read32)(void* ctx, const PciFunction& f, u32 off) = nullptr;
    void (*write32)(void* ctx, const PciFunction& f, u32 off, u32 v) = nullptr;
};

// ECAM's layout: the offset of a function's register from the start of the window.
constexpr u64 pci_ecam_offset(const PciFunction& f, u32 off) {
    return u64(f.bus) << 20 | u64(f.dev) << 15 | u64(f.fn) << 12 | (off & 0xffc);
}

class Pci {
  public:
    static constexpr u32 kMaxScan = 64; // functions a scan of bus 0 reports at most
    explicit Pci(const PciConfigAccess& io) : io_(io) {}
    u32 read32(const PciFunction& f, u32 off) const { return io_.read32(io_.ctx, f, off); }
    void write32(const PciFunction& f, u32 off, u32 v) const { io_.write32(io_.ctx, f, off, v); }
    // The functions on bus 0 (every function of a multi-function device), up to cap;
    // returns how many there are (possibly more than cap).
    u32 scan(PciDevice* out, u32 cap) const;
    // The first function on bus 0 with this vendor and device id.
    Result<PciFunction> find(u16 vendor, u16 device) const;
    // The physical address of a 64-bit memory BAR (bar, bar+1) and its size: the address
    // firmware assigned, or, where it assigned none, the first address of the window
    // [window_base, window_base + window_size) aligned to the BAR's size; decoding is then
    // enabled. Unsupported (not a 64-bit memory BAR), Malformed (a size that is no power of
    // two), NoMemory (it does not fit the window).
    Result<u64> map_bar64(const PciFunction& f, u32 bar, u64 window_base, u64 window_size, u64& size) const;

  private:
    PciConfigAccess io_;
};

} // namespace mosaic
