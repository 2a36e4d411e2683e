// aarch64 stage-1 EL1 translation (Arm ARM D8): 4 KiB granule, 48-bit VA, four levels,
// 2 MiB blocks at level 2; MAIR attribute 0 = normal write-back, 1 = Device-nGnRnE.
#include "frame.hpp"

#include <mosaic/cpudriver/arch.hpp>

namespace mosaic::arch::mmu {

namespace {
constexpr u64 kValid = 1 << 0, kTableOrPage = 1 << 1;
constexpr u64 kAttrNormal = 0 << 2, kAttrDevice = 1 << 2;
constexpr u64 kApUser = 1 << 6, kApReadOnly = 1 << 7;
constexpr u64 kInnerShareable = 3 << 8, kAccessFlag = 1 << 10;
constexpr u64 kPxn = 1ull << 53, kUxn = 1ull << 54;
constexpr u64 kAddressMask = ((1ull << 48) - 1) & ~0xfffull;

constexpr u64 kMair = 0xff | (0x00 << 8);
// T0SZ = 16 (48-bit), inner/outer write-back walks, inner shareable, 4 KiB granule,
// EPD1 (no TTBR1 walks), IPS = 40 bits.
constexpr u64 kTcr = 16 | (1 << 8) | (1 << 10) | (3 << 12) | (0ull << 14) | (1ull << 23) | (2ull << 32);
constexpr u64 kSctlrM = 1 << 0, kSctlrC = 1 << 2, kSctlrI = 1 << 12;
} // namespace

u32 levels() { return 4; }
u32 root_shift() { return 39; }
// APTable, UXNTable and PXNTable stay 0: the leaves alone decide, also for user pages.
u64 table_entry(u64 table) { return table | kValid | kTableOrPage; }

u64 leaf_entry(u64 pa, const MapFlags& f, u32 level) {
    u64 e = pa | kValid | kAccessFlag | (level == 3 ? kTableOrPage : 0);
    e |= f.device ? kAttrDevice : (kAttrNormal | kInnerShareable);
    if (f.user) e |= kApUser;
    if (!f.write) e |= kApReadOnly;
    if (!f.exec || f.user) e |= kPxn; // the kernel never executes user pages
    if (!f.exec || !f.user) e |= kUxn;
    return e;
}

bool is_valid(u64 e) { return e & kValid; }
MapFlags leaf_flags(u64 e) {
    bool user = e & kApUser;
    return {.write = !(e & kApReadOnly), .exec = user ? !(e & kUxn) : !(e & kPxn), .user = user,
            .device = (e & (7 << 2)) == kAttrDevice};
}
bool is_table(u64 e, u32 level) { return (e & kValid) && (e & kTableOrPage) && level < 3; }
u64 entry_address(u64 e) { return e & kAddressMask; }

void invalidate(u64 va) {
    asm volatile("dsb ishst; tlbi vaae1, %0; dsb ish; isb" ::"r"((va >> 12) & ((1ull << 44) - 1)) : "memory");
}

void activate(u64 root) {
    MOSAIC_SYSREG_WRITE(mair_el1, kMair);
    MOSAIC_SYSREG_WRITE(tcr_el1, kTcr);
    MOSAIC_SYSREG_WRITE(ttbr0_el1, root);
    asm volatile("dsb ish; tlbi vmalle1; dsb ish; isb" ::: "memory");
    u64 sctlr = MOSAIC_SYSREG_READ(sctlr_el1);
    MOSAIC_SYSREG_WRITE(sctlr_el1, sctlr | kSctlrM | kSctlrC | kSctlrI);
    asm volatile("isb" ::: "memory");
}

} // namespace mosaic::arch::mmu
