// x86_64 per-core descriptor tables for user mode: each core's own GDT (kernel and user
// segments) and 64-bit TSS, whose RSP0 is the kernel stack every entry from user mode
// starts on (Intel SDM vol. 3 3.4.5, 7.7); and the control bits that user mode depends on.
#include "io.hpp"

#include <mosaic/cpudriver/core.hpp>

namespace mosaic::x86 {

namespace {

struct [[gnu::packed]] Tss {
    u32 reserved0;
    u64 rsp[3];    // the stack for an entry into privilege level i from a less privileged one
    u64 reserved1;
    u64 ist[7];
    u64 reserved2;
    u16 reserved3;
    u16 iomap_base; // at the limit: no I/O permission bitmap, so user mode has no ports
};
static_assert(sizeof(Tss) == 104);

// One core's tables. Each core writes only its own entry (by its core index); the CPU
// sets the TSS descriptor's busy bit in its own core's GDT.
struct alignas(64) CoreTables {
    u64 gdt[7]; // null, kernel code, kernel data, user data, user code, TSS (two slots)
    Tss tss;
};
CoreTables g_tables[BootInfo::kMaxCores];

constexpr u64 kKernelCode = 0x00af9a000000ffff; // 64-bit code, DPL 0 (as boot.S and the trampoline)
constexpr u64 kKernelData = 0x00cf92000000ffff;
constexpr u64 kUserData = 0x00cff2000000ffff;   // DPL 3
constexpr u64 kUserCode = 0x00affa000000ffff;   // 64-bit code, DPL 3

struct [[gnu::packed]] GdtPointer {
    u16 limit;
    u64 base;
};

u32 cpuid_ebx_ecx(u32 leaf, u32 sub, u32& ecx) {
    u32 a, b, c, d;
    asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(leaf), "c"(sub));
    ecx = c;
    return b;
}

// CR4: no TSD (user mode reads the TSC), and where the CPU has them SMEP (the CPU driver
// never executes user pages) and UMIP (user mode cannot read the GDT/IDT addresses).
void control_bits() {
    constexpr u64 kTsd = 1 << 2, kUmip = 1 << 11, kSmep = 1 << 20;
    u32 ecx, max_leaf;
    asm volatile("cpuid" : "=a"(max_leaf) : "a"(0) : "ebx", "ecx", "edx");
    u64 cr4;
    asm volatile("mov %%cr4, %0" : "=r"(cr4));
    cr4 &= ~kTsd;
    if (max_leaf >= 7) {
        u32 ebx = cpuid_ebx_ecx(7, 0, ecx);
        if (ebx & (1u << 7)) cr4 |= kSmep;
        if (ecx & (1u << 2)) cr4 |= kUmip;
    }
    asm volatile("mov %0, %%cr4" ::"r"(cr4) : "memory");
}

} // namespace

void cpu_init(u32 index, u64 kernel_stack) {
    CoreTables& t = g_tables[index];
    t.tss = Tss{};
    t.tss.rsp[0] = kernel_stack;
    t.tss.iomap_base = sizeof(Tss);
    const u64 base = u64(uptr(&t.tss)), limit = sizeof(Tss) - 1;
    t.gdt[0] = 0;
    t.gdt[kSelKernelCode >> 3] = kKernelCode;
    t.gdt[kSelKernelData >> 3] = kKernelData;
    t.gdt[kSelUserData >> 3] = kUserData;
    t.gdt[kSelUserCode >> 3] = kUserCode;
    // An available 64-bit TSS (type 9), present, DPL 0; the upper half holds base 63:32.
    t.gdt[kSelTss >> 3] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ull << 40 | ((limit >> 16) & 0xf) << 48 |
                          ((base >> 24) & 0xff) << 56;
    t.gdt[(kSelTss >> 3) + 1] = base >> 32;
    GdtPointer p{sizeof t.gdt - 1, u64(uptr(t.gdt))};
    // Loads the GDT, reloads CS with a far return and the stack and data selectors, then
    // the task register. FS and GS are left alone: loading them would clear the GS base,
    // which holds this core's CoreState.
    asm volatile("lgdt %0\n\t"
                 "pushq %1\n\t"
                 "leaq 1f(%%rip), %%rax\n\t"
                 "pushq %%rax\n\t"
                 "lretq\n"
                 "1:\n\t"
                 "movw %w2, %%ss\n\t"
                 "movw %w2, %%ds\n\t"
                 "movw %w2, %%es\n\t"
                 "ltr %w3"
                 :
                 : "m"(p), "i"(kSelKernelCode), "r"(kSelKernelData), "r"(kSelTss)
                 : "rax", "memory");
    control_bits();
}

} // namespace mosaic::x86
