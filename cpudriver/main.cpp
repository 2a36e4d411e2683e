// The generic CPU driver: the boot sequence the boot core's driver runs after its ISA's
// boot code has filled BootInfo. Read top to bottom, it is the list of boot steps; every
// step is mechanism, and everything after the last one is the monitor's: which node of the
// board this is, the runner's boot parameters, the PCI devices and the interconnect region
// included (monitor/hardware.cpp, through the device capabilities the monitor gets).
#include "console.hpp"
#include "kmap.hpp"
#include "monitor_start.hpp"
#include "sched.hpp"

extern "C" char __boot_stack_top[];

namespace mosaic::cpudriver {

namespace {

// The boot core's state; the others carve theirs in smp.cpp.
CoreState g_boot_core;

CoreState& self() { return *arch::core_state(); }

void print_banner(const BootInfo& bi) {
    kprint("\nMosaic CPU driver on {} core {} (firmware: {})\n", isa_name(bi.isa), bi.boot_core, bi.firmware);
    u64 total = 0;
    for (u32 i = 0; i < bi.memory_count; ++i) {
        kprint("  memory {:016x}-{:016x} ({} MiB)\n", bi.memory[i].base, bi.memory[i].base + bi.memory[i].size,
               bi.memory[i].size >> 20);
        total += bi.memory[i].size;
    }
    kprint("  {} MiB usable in {} ranges; {} cores discovered:", total >> 20, bi.memory_count, bi.core_count);
    for (u32 i = 0; i < bi.core_count; ++i) kprint(" {:x}", bi.core_ids[i]);
    kprint("\n");
}

} // namespace

// The common start of the device-tree ISAs (aarch64, riscv64): the firmware's tree gives
// the console and devices (through the ISA's platform hook) and the boot facts.
void boot_from_dtb(BootInfo& bi, const u8* blob, void (*platform)(const Dtb&)) {
    bi.dtb = blob;
    auto dtb = Dtb::parse(blob, 1u << 20);
    const char* why = "its structure";
    Status s = dtb.ok() ? (platform(*dtb), bootinfo_from_dtb(bi, *dtb, &why)) : Status(dtb.error());
    if (!s.ok()) { // the console is the firmware's if the tree named none (arch console_write)
        kprint("PANIC: {}: unusable device tree at {:x}: {}: {}\n", isa_name(bi.isa), blob, why, error_name(s.error()));
        arch::power_off(false);
    }
}

[[noreturn]] void on_trap(const TrapInfo& info) {
    CoreState& me = self();
    kprint("\nPANIC: unexpected trap in the CPU driver on {} core {}: {} (cause {:x}) at pc {:x}, address {:x}\n",
           isa_name(me.boot->isa), me.hw_id, trap_kind_name(info.kind), info.cause, info.pc, info.address);
    arch::power_off(false);
}

void on_tick() { self().ticks = self().ticks + 1; }

void on_doorbell() { self().doorbell = true; }

[[noreturn]] void main(BootInfo& bi) {
    CoreState& core = g_boot_core;
    core.boot = &bi;
    core.hw_id = bi.boot_core;
    // Every entry from user mode starts on the boot stack again (every arch/<isa>/cpudriver.ld
    // defines __boot_stack_top): main's frame is gone once dispatchers run.
    core.stack_top = u64(uptr(__boot_stack_top));
    for (u32 i = 0; i < bi.core_count; ++i)
        if (bi.core_ids[i] == bi.boot_core) core.index = i;
    const u64 slot = core_memory(bi, core.index);
    core.user_pool = slot + kCoreUserPool;
    core.user_pool_size = kCoreUserPoolSize;
    arch::set_core_state(&core);
    if (!slot) panic("no room for {} cores of {} KiB each in one RAM range after the image", bi.core_count,
                     kCoreMemory >> 10);
    // 1. Say who we are and what the firmware told us.
    print_banner(bi);
    // 2. Exceptions and system calls: this core's trap vectors.
    arch::traps_init();
    // 3. This core's own kernel address space, and the MMU on.
    auto root = boot_kernel_map(bi);
    if (!root.ok()) panic("no kernel map: {}", error_name(root.error()));
    // 4. Device interrupts: this node's interrupt controller.
    auto irq = arch::irq_init(true);
    core.irq_error = u16(irq.ok() ? Error::Ok : irq.error());
    if (!irq.ok()) kprint("  interrupt controller: {}\n", error_name(irq.error()));
    // 5. The timer: time slices for the dispatchers.
    arch::timer_start(kTimerHz);
    // 6. The monitor: from here on, everything is its doing.
    start_monitor(core, *root);
}

} // namespace mosaic::cpudriver
