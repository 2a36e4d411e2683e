// Building the kernel's identity map (see kmap.hpp).
#include "kmap.hpp"

namespace mosaic::cpudriver {

namespace {
constexpr u64 k4G = 4ull << 30;

// The boot core's page tables (the other cores carve theirs from their own memory).
alignas(4096) u8 g_boot_tables[kCorePagePoolSize];
PagePool g_boot_pool;
AddressSpace g_boot_space;

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
    return {};
}

Result<u64> boot_kernel_map(const BootInfo& bi) {
    g_boot_pool = PagePool(uptr(g_boot_tables), sizeof g_boot_tables);
    TRY_STATUS(g_boot_space.init(g_boot_pool));
    TRY_STATUS(build_kernel_map(g_boot_space, bi));
    arch::mmu::activate(g_boot_space.root());
    return g_boot_space.root();
}

} // namespace mosaic::cpudriver
