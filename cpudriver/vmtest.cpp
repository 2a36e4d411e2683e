// The boot core builds its own kernel address space, turns it on, and checks through a
// probe page at a high alias address that map, protect and unmap take effect: a write to
// the alias lands in the page, a write after making it read-only faults, and a read
// after unmapping faults; the faults are taken as traps and the core goes on.
#include "vmtest.hpp"

#include "kmap.hpp"

namespace mosaic::cpudriver {

namespace {
// Page tables of the boot core (secondaries carve theirs from their own memory).
alignas(4096) u8 g_boot_tables[kCorePagePoolSize];
AddressSpace g_boot_space;
PagePool g_boot_pool;
u64 g_kernel_root = 0;

constexpr u64 kAliasVa = 0x20'0000'0000ull; // 128 GiB: inside every ISA's user/kernel VA range
constexpr u64 kPattern = 0x6d6f'7361'6963'2121ull;

// Runs a probe with faults expected; returns whether it faulted at va.
template <typename F> bool faults_at(CoreState& me, u64 va, F probe) {
    u32 before = me.faults;
    me.expect_fault = true;
    bool ok = probe();
    me.expect_fault = false;
    return !ok && me.faults == before + 1 && me.fault_address == va;
}
} // namespace

u64 kernel_root() { return g_kernel_root; }

void test_mmu(SelfTest& t, const BootInfo& bi, CoreState& me) {
    g_boot_pool = PagePool(uptr(g_boot_tables), sizeof g_boot_tables);
    Status built = g_boot_space.init(g_boot_pool);
    if (built.ok()) built = build_kernel_map(g_boot_space, bi);
    if (!t.check(built.ok(), "mmu-kernel-map", "building the kernel map failed: {}", error_name(built.error()))) return;
    arch::mmu::activate(g_boot_space.root());
    g_kernel_root = g_boot_space.root();
    auto self = g_boot_space.translate(uptr(&me));
    t.check(self.ok() && *self == uptr(&me), "mmu-on", "the kernel is not mapped one to one");
    kprint("  mmu: own page tables at {:x}, {} KiB of the page pool left\n", g_boot_space.root(), g_boot_pool.remaining() >> 10);

    auto page = g_boot_pool.alloc();
    if (!page.ok()) {
        t.check(false, "mmu-alias", "no page for the probe: {}", error_name(page.error()));
        return;
    }
    auto* direct = reinterpret_cast<volatile u64*>(uptr(*page));
    Status m = g_boot_space.map(kAliasVa, *page, kPageSize, {.write = true});
    bool wrote = m.ok() && mosaic_probe_write(kAliasVa, kPattern);
    t.check(wrote && *direct == kPattern, "mmu-alias", "write through {:x} did not reach page {:x}", kAliasVa, *page);

    Status p = g_boot_space.protect(kAliasVa, kPageSize, {});
    u64 value = 0;
    bool read_ok = mosaic_probe_read(kAliasVa, &value) && value == kPattern;
    bool write_faulted = p.ok() && faults_at(me, kAliasVa, [] { return mosaic_probe_write(kAliasVa, 0); });
    t.check(read_ok && write_faulted && *direct == kPattern, "mmu-readonly-fault",
            "read-only page: read {}, write fault {}", read_ok, write_faulted);

    Status u = g_boot_space.unmap(kAliasVa, kPageSize);
    bool read_faulted = u.ok() && faults_at(me, kAliasVa, [] { u64 v; return mosaic_probe_read(kAliasVa, &v); });
    t.check(read_faulted && g_boot_space.translate(kAliasVa).error() == Error::NotFound, "mmu-unmap-fault",
            "unmapped page still readable");
    kprint("  mmu: probe page {:x} at alias {:x}: faults taken {}, last at {:x}\n", *page, kAliasVa, u32(me.faults),
           u64(me.fault_address));
}

} // namespace mosaic::cpudriver
