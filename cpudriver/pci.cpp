// PCI configuration access and BAR setup (PCI Local Bus 3.0 ch. 6; PCIe ECAM layout).
#include "pci.hpp"

#include <mosaic/cpudriver/arch.hpp>
#include <mosaic/mmio.hpp>

namespace mosaic::cpudriver {

namespace {
constexpr u32 kCommand = 0x04, kBar0 = 0x10;
constexpr u32 kMemoryEnable = 1u << 1;
} // namespace

u32 Pci::read32(const PciFunction& f, u32 off) const {
    if (!host_.ecam_base) return arch::pci_legacy_read32(f.bus, f.dev, f.fn, off);
    return mmio_read32(host_.ecam_base + (u64(f.bus) << 20 | f.dev << 15 | f.fn << 12 | off));
}

void Pci::write32(const PciFunction& f, u32 off, u32 v) const {
    if (!host_.ecam_base) return arch::pci_legacy_write32(f.bus, f.dev, f.fn, off, v);
    mmio_write32(host_.ecam_base + (u64(f.bus) << 20 | f.dev << 15 | f.fn << 12 | off), v);
}

u32 Pci::scan(PciDevice* out, u32 cap) const {
    u32 n = 0;
    for (u32 dev = 0; dev < 32; ++dev)
        for (u32 fn = 0; fn < 8; ++fn) {
            PciFunction f{0, dev, fn};
            u32 id = read32(f, 0);
            if (id == 0xffffffffu || (id & 0xffff) == 0xffff) {
                if (fn == 0) break; // no device here
                continue;
            }
            u32 cls = read32(f, 0x08); // class, subclass, programming interface, revision
            if (n < cap) out[n] = {f, u16(id), u16(id >> 16), u8(cls >> 24), u8(cls >> 16)};
            ++n;
            if (fn == 0 && !((read32(f, 0x0c) >> 16) & 0x80)) break; // header type: one function
        }
    return n;
}

Result<PciFunction> Pci::find(u16 vendor, u16 device) const {
    PciDevice found[kMaxScan];
    u32 n = scan(found, kMaxScan);
    for (u32 i = 0; i < n && i < kMaxScan; ++i)
        if (found[i].vendor == vendor && found[i].device == device) return found[i].at;
    return Error::NotFound;
}

Result<u64> Pci::map_bar64(const PciFunction& f, u32 bar, u64& size) const {
    u32 off = kBar0 + 4 * bar;
    u32 lo = read32(f, off), hi = read32(f, off + 4);
    if ((lo & 1) || ((lo >> 1) & 3) != 2) return Error::Unsupported; // not a 64-bit memory BAR
    u32 cmd = read32(f, kCommand);
    write32(f, kCommand, cmd & ~kMemoryEnable); // no decoding while sizing
    write32(f, off, 0xffffffffu);
    write32(f, off + 4, 0xffffffffu);
    u64 mask = (u64(read32(f, off + 4)) << 32) | (read32(f, off) & ~0xfu);
    size = ~mask + 1;
    u64 addr = (u64(hi) << 32) | (lo & ~0xfu);
    if (addr == 0) {
        // Firmware did not assign it: take the start of the host's window, aligned to the size.
        u64 base = align_up(host_.mmio_base, size);
        if (!host_.mmio_size || base + size > host_.mmio_base + host_.mmio_size) {
            write32(f, off, lo), write32(f, off + 4, hi);
            write32(f, kCommand, cmd);
            return Error::NoMemory;
        }
        addr = base;
    }
    write32(f, off, u32(addr) | (lo & 0xf));
    write32(f, off + 4, u32(addr >> 32));
    write32(f, kCommand, cmd | kMemoryEnable);
    return addr;
}

} // namespace mosaic::cpudriver
