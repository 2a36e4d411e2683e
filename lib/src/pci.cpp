// See pci.hpp.
#include <mosaic/pci.hpp>

namespace mosaic {

namespace {
constexpr u32 kCommand = 0x04, kClass = 0x08, kHeader = 0x0c, kBar0 = 0x10;
constexpr u32 kMemoryEnable = 1u << 1;
} // namespace

u32 Pci::scan(PciDevice* out, u32 cap) const {
    u32 n = 0;
    for (u32 dev = 0; dev < 32; ++dev)
        for (u32 fn = 0; fn < 8; ++fn) {
            const PciFunction f{0, dev, fn};
            const u32 id = read32(f, 0);
            if (id == 0xffffffffu || (id & 0xffff) == 0xffff) {
                if (fn == 0) break; // no device here
                continue;
            }
            const u32 cls = read32(f, kClass); // class, subclass, programming interface, revision
            if (n < cap) out[n] = {f, u16(id), u16(id >> 16), u8(cls >> 24), u8(cls >> 16)};
            ++n;
            if (fn == 0 && !((read32(f, kHeader) >> 16) & 0x80)) break; // header type: one function
        }
    return n;
}

Result<PciFunction> Pci::find(u16 vendor, u16 device) const {
    PciDevice found[kMaxScan];
    const u32 n = scan(found, kMaxScan);
    for (u32 i = 0; i < n && i < kMaxScan; ++i)
        if (found[i].vendor == vendor && found[i].device == device) return found[i].at;
    return Error::NotFound;
}

Result<u64> Pci::map_bar64(const PciFunction& f, u32 bar, u64 window_base, u64 window_size, u64& size) const {
    if (bar > 4) return Error::InvalidArgument; // BARs 0-5: a 64-bit one takes two
    const u32 off = kBar0 + 4 * bar;
    const u32 lo = read32(f, off), hi = read32(f, off + 4);
    if ((lo & 1) || ((lo >> 1) & 3) != 2) return Error::Unsupported; // not a 64-bit memory BAR
    const u32 cmd = read32(f, kCommand);
    write32(f, kCommand, cmd & ~kMemoryEnable); // no decoding while sizing
    write32(f, off, 0xffffffffu);
    write32(f, off + 4, 0xffffffffu);
    const u64 mask = (u64(read32(f, off + 4)) << 32) | (read32(f, off) & ~0xfu);
    size = ~mask + 1;
    u64 addr = (u64(hi) << 32) | (lo & ~0xfu);
    auto restore = [&](Error e) {
        write32(f, off, lo), write32(f, off + 4, hi);
        write32(f, kCommand, cmd);
        return e;
    };
    if (mask == 0 || !is_pow2(size) || size < 16) return restore(Error::Malformed);
    if (addr == 0) {
        // Firmware did not assign it: the start of the window, aligned to the size.
        const u64 base = align_up(window_base, size);
        if (!window_size || base < window_base || base - window_base > window_size ||
            window_size - (base - window_base) < size)
            return restore(Error::NoMemory);
        addr = base;
    } else if (addr & (size - 1)) {
        return restore(Error::Malformed); // firmware's address is not aligned to the size
    }
    write32(f, off, u32(addr) | (lo & 0xf));
    write32(f, off + 4, u32(addr >> 32));
    write32(f, kCommand, cmd | kMemoryEnable);
    return addr;
}

} // namespace mosaic
