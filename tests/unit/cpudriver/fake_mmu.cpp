// A page-table format for host tests of the generic walker: four levels like x86-64,
// entries are the physical (here: host) address of the next table or page plus flag
// bits. Invalidations are counted instead of executed.
#include <mosaic/cpudriver/arch.hpp>

namespace mosaic::arch::mmu {

u64 g_invalidations = 0;
u64 g_activated = 0;

namespace {
constexpr u64 kValid = 1, kTable = 2, kWrite = 4, kExec = 8, kUser = 16, kDevice = 32;
}

u32 levels() { return 4; }
u32 root_shift() { return 39; }
u64 table_entry(u64 table) { return table | kValid | kTable; }
u64 leaf_entry(u64 pa, const MapFlags& f, u32) {
    return pa | kValid | (f.write ? kWrite : 0) | (f.exec ? kExec : 0) | (f.user ? kUser : 0) | (f.device ? kDevice : 0);
}
bool is_valid(u64 e) { return e & kValid; }
MapFlags leaf_flags(u64 e) {
    return {.write = (e & kWrite) != 0, .exec = (e & kExec) != 0, .user = (e & kUser) != 0, .device = (e & kDevice) != 0};
}
bool is_table(u64 e, u32 level) { return (e & kTable) && level < 3; }
u64 entry_address(u64 e) { return e & ~0xfffull; }
void invalidate(u64) { ++g_invalidations; }
void activate(u64 root) { g_activated = root; }

} // namespace mosaic::arch::mmu
