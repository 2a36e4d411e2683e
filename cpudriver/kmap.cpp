// Building the kernel's identity map (see kmap.hpp).
#include "kmap.hpp"

namespace mosaic::cpudriver {

namespace {
constexpr u64 k4G = 4ull << 30;

bool overlaps_ram(const BootInfo& bi, u64 base, u64 size) {
    for (u32 i = 0; i < bi.memory_count; ++i)
        if (bi.memory[i].base < base + size && base < bi.memory[i].base + bi.memory[i].size) return true;
    return false;
}
} // namespace

Status build_kernel_map(AddressSpace& as, const BootInfo& bi) {
    const arch::mmu::MapFlags ram{.write = true, .exec = true}, device{.write = true, .device = true};
    for (u64 b = 0; b < k4G; b += kBlockSize)
        TRY_STATUS(as.map(b, b, kBlockSize, overlaps_ram(bi, b, kBlockSize) ? ram : device));
    for (u32 i = 0; i < bi.memory_count; ++i) {
        u64 lo = max(bi.memory[i].base & ~(kBlockSize - 1), k4G);
        u64 hi = align_up(bi.memory[i].base + bi.memory[i].size, kBlockSize);
        if (hi > lo) TRY_STATUS(as.map(lo, lo, hi - lo, ram));
    }
    if (bi.pci.ecam_base >= k4G) TRY_STATUS(as.map(bi.pci.ecam_base, bi.pci.ecam_base, align_up(bi.pci.ecam_size, kBlockSize), device));
    return {};
}

} // namespace mosaic::cpudriver
