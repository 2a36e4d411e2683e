// x86_64 4-level paging (Intel SDM vol. 3 4.5): 4 KiB pages, 2 MiB pages in the page
// directory; device memory uncached (PCD|PWT), no-execute through EFER.NXE.
#include "io.hpp"

#include <mosaic/cpudriver/arch.hpp>

namespace mosaic::arch::mmu {

namespace {
constexpr u64 kPresent = 1 << 0, kWrite = 1 << 1, kUser = 1 << 2, kPwt = 1 << 3, kPcd = 1 << 4;
constexpr u64 kAccessed = 1 << 5, kDirty = 1 << 6, kLarge = 1 << 7, kNoExecute = 1ull << 63;
constexpr u64 kAddressMask = 0x000f'ffff'ffff'f000ull;
constexpr u32 kEfer = 0xc0000080;
constexpr u64 kEferNxe = 1 << 11;
} // namespace

u32 levels() { return 4; }
u32 root_shift() { return 39; }
// Table entries allow everything; the leaf decides.
u64 table_entry(u64 table) { return table | kPresent | kWrite | kUser; }

u64 leaf_entry(u64 pa, const MapFlags& f, u32 level) {
    u64 e = pa | kPresent | kAccessed | kDirty | (level < 3 ? kLarge : 0);
    if (f.write) e |= kWrite;
    if (f.user) e |= kUser;
    if (f.device) e |= kPcd | kPwt;
    if (!f.exec) e |= kNoExecute;
    return e;
}

bool is_valid(u64 e) { return e & kPresent; }
MapFlags leaf_flags(u64 e) {
    return {.write = (e & kWrite) != 0, .exec = !(e & kNoExecute), .user = (e & kUser) != 0, .device = (e & kPcd) != 0};
}
bool is_table(u64 e, u32 level) { return (e & kPresent) && level < 3 && !(e & kLarge); }
// Bit 12 of a 2 MiB entry is its PAT bit, not an address bit.
u64 entry_address(u64 e) { return e & kAddressMask & ((e & kLarge) ? ~0x1fffffull : ~0ull); }

void invalidate(u64 va) { asm volatile("invlpg (%0)" ::"r"(va) : "memory"); }

void activate(u64 root) {
    u64 efer = x86::rdmsr(kEfer) | kEferNxe;
    asm volatile("wrmsr" ::"c"(kEfer), "a"(u32(efer)), "d"(u32(efer >> 32)));
    // CR0.WP: read-only pages are read-only for the CPU driver too.
    u64 cr0;
    asm volatile("mov %%cr0, %0" : "=r"(cr0));
    asm volatile("mov %0, %%cr0" ::"r"(cr0 | (1u << 16)));
    asm volatile("mov %0, %%cr3" ::"r"(root) : "memory");
}

} // namespace mosaic::arch::mmu
