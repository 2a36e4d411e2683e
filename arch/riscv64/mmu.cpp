// riscv64 Sv39 page tables (RISC-V privileged spec v1.12, 4.4): three levels, 4 KiB pages,
// 2 MiB megapages; memory types come from the platform's PMAs, not from the entries.
#include "csr.hpp"

#include <mosaic/cpudriver/arch.hpp>

namespace mosaic::arch::mmu {

namespace {
constexpr u64 kV = 1 << 0, kR = 1 << 1, kW = 1 << 2, kX = 1 << 3, kU = 1 << 4, kA = 1 << 6, kD = 1 << 7;
constexpr u64 kPpnMask = ((1ull << 44) - 1) << 10;
constexpr u64 kSatpSv39 = 8ull << 60;
} // namespace

u32 levels() { return 3; }
u32 root_shift() { return 30; }
u64 table_entry(u64 table) { return ((table >> 12) << 10) | kV; }

u64 leaf_entry(u64 pa, const MapFlags& f, u32) {
    // A and D are set up front: this CPU driver does not track accessed/dirty pages.
    return ((pa >> 12) << 10) | kV | kR | kA | kD | (f.write ? kW : 0) | (f.exec ? kX : 0) | (f.user ? kU : 0);
}

bool is_valid(u64 e) { return e & kV; }
MapFlags leaf_flags(u64 e) { return {.write = (e & kW) != 0, .exec = (e & kX) != 0, .user = (e & kU) != 0}; }
bool is_table(u64 e, u32 level) { return (e & kV) && !(e & (kR | kW | kX)) && level < 2; }
u64 entry_address(u64 e) { return ((e & kPpnMask) >> 10) << 12; }

void invalidate(u64 va) { asm volatile("sfence.vma %0, zero" ::"r"(va) : "memory"); }

void activate(u64 root) {
    asm volatile("sfence.vma zero, zero" ::: "memory");
    MOSAIC_CSR_WRITE(satp, kSatpSv39 | (root >> 12));
    asm volatile("sfence.vma zero, zero" ::: "memory");
}

} // namespace mosaic::arch::mmu
