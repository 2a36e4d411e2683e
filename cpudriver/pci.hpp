// Just enough PCI to find a device and map its memory BAR: configuration access
// (ECAM or the ISA's legacy mechanism), a bus-0 scan, BAR sizing and assignment.
#pragma once

#include <mosaic/cpudriver/bootinfo.hpp>

namespace mosaic::cpudriver {

struct PciFunction {
    u32 bus, dev, fn;
};

// A function found on the bus: where, its ids, and its class code (PCI 3.0, appendix D).
struct PciDevice {
    PciFunction at;
    u16 vendor, device;
    u8 base_class, sub_class;
};

class Pci {
  public:
    static constexpr u32 kMaxScan = 64; // functions a scan of bus 0 reports at most
    explicit Pci(const PciHost& host) : host_(host) {}
    u32 read32(const PciFunction& f, u32 off) const;
    void write32(const PciFunction& f, u32 off, u32 v) const;
    // The functions on bus 0 (every function of a multi-function device), up to cap;
    // returns how many there are (possibly more than cap).
    u32 scan(PciDevice* out, u32 cap) const;
    // The first function on bus 0 with this vendor and device id.
    Result<PciFunction> find(u16 vendor, u16 device) const;
    // The physical address of a 64-bit memory BAR (bar, bar+1), assigning it from the
    // host's 32-bit window when firmware left it unassigned, and enabling decoding.
    Result<u64> map_bar64(const PciFunction& f, u32 bar, u64& size) const;

  private:
    const PciHost& host_;
};

} // namespace mosaic::cpudriver
