// Device register access by physical address (identity-mapped at boot on every ISA).
#pragma once

#include <mosaic/types.hpp>

namespace mosaic {

inline u32 mmio_read32(u64 addr) { return *reinterpret_cast<volatile u32*>(uptr(addr)); }
inline void mmio_write32(u64 addr, u32 v) { *reinterpret_cast<volatile u32*>(uptr(addr)) = v; }
inline u8 mmio_read8(u64 addr) { return *reinterpret_cast<volatile u8*>(uptr(addr)); }
inline void mmio_write8(u64 addr, u8 v) { *reinterpret_cast<volatile u8*>(uptr(addr)) = v; }
// A 16-bit big-endian device register (QEMU's fw_cfg selector on the device-tree machines).
inline void mmio_write16_be(u64 addr, u16 v) {
    *reinterpret_cast<volatile u16*>(uptr(addr)) = u16((v >> 8) | (v << 8));
}
inline u64 mmio_read64(u64 addr) { return *reinterpret_cast<volatile u64*>(uptr(addr)); }
inline void mmio_write64(u64 addr, u64 v) { *reinterpret_cast<volatile u64*>(uptr(addr)) = v; }

} // namespace mosaic
