// Just enough PCI to find a device and map its memory BAR: configuration access
// (ECAM or the ISA's legacy mechanism), a bus-0 scan, BAR sizing and assignment.
#pragma once

#include <mosaic/cpudriver/bootinfo.hpp>

namespace mosaic::cpudriver {

struct PciFunction {
    u32 bus, dev, fn;
};

class Pci {
  public:
    explicit Pci(const PciHost& host) : host_(host) {}
    u32 read32(const PciFunction& f, u32 off) const;
    void write32(const PciFunction& f, u32 off, u32 v) const;
    // The first function on bus 0 with this vendor and device id.
    Result<PciFunction> find(u16 vendor, u16 device) const;
    // The physical address of a 64-bit memory BAR (bar, bar+1), assigning it from the
    // host's 32-bit window when firmware left it unassigned, and enabling decoding.
    Result<u64> map_bar64(const PciFunction& f, u32 bar, u64& size) const;

  private:
    const PciHost& host_;
};

} // namespace mosaic::cpudriver
