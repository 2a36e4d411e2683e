// Starting the other cores of the node (see monitor_start.hpp): each gets its own memory (stack,
// CoreState, a copy of the boot facts, its page-table pool and its dispatchers' memory)
// carved after the CPU driver's image, and is started through the ISA's firmware or IPI
// mechanism. The boot core writes that memory before the start and never again; the new
// core reads nothing of the boot core's. From then on only their monitors talk, by messages.

#include "console.hpp"
#include "kmap.hpp"
#include "monitor_start.hpp"
#include "placement.hpp"
#include "sched.hpp"

#include <mosaic/bundle.hpp>

namespace mosaic::cpudriver {

// The cores' slots lie after the CPU driver's image and clear of the image bundle (the board
// may have loaded it right there), all in one usable RAM range; 0 if they fit nowhere.
u64 core_memory(const BootInfo& bi, u32 index) {
    const u64 span = u64(bi.core_count) * kCoreMemory;
    u64 base = align_up(arch::image_end(), 64 * 1024);
    const u64 bundle = u64(uptr(bi.bundle)) & ~u64(0xfff);
    const u64 bundle_end = align_up(u64(uptr(bi.bundle)) + load_le64(bi.bundle + bundle::kHeaderOffset + bundle::kHdrTotal),
                                    64 * 1024);
    if (base < bundle_end && bundle < base + span) base = bundle_end;
    for (u32 i = 0; i < bi.memory_count; ++i)
        if (base >= bi.memory[i].base && base + span <= bi.memory[i].base + bi.memory[i].size)
            return base + u64(index) * kCoreMemory;
    return 0;
}

Result<u64> start_core(u32 index, u64 channel, u64 channel_size) {
    CoreState& me = *arch::core_state();
    const BootInfo& bi = *me.boot;
    if (index >= bi.core_count || index == me.index) return Error::InvalidArgument;
    if (index >= 64 || (me.started >> index) & 1) return Error::AlreadyExists; // started before
    const u64 slot = core_memory(bi, index);
    if (!slot) return Error::NoMemory;
    auto* s = reinterpret_cast<CoreState*>(uptr(slot));
    auto* boot = reinterpret_cast<BootInfo*>(uptr(s) + kCoreBootInfo);
    *boot = bi;
    *s = CoreState{};
    s->boot = boot;
    s->stack_top = uptr(s) + kCoreStackTop;
    s->hw_id = bi.core_ids[index];
    s->index = index;
    s->user_pool = uptr(s) + kCoreUserPool;
    s->user_pool_size = kCoreUserPoolSize;
    s->channel = channel;
    s->channel_size = channel_size;
    s->boot_doorbell = arch::doorbell_id();
    console_share(); // from now on, more than one core may print
    arch::full_barrier();
    // The new core starts with its caches off: what it reads first must be in memory.
    arch::clean_dcache(s, kCorePagePool);
    TRY_STATUS(arch::start_core(s->hw_id, s));
    me.started |= u64(1) << index;
    return s->hw_id;
}

[[noreturn]] void secondary_main(CoreState& self) {
    arch::traps_init();
    // This core's own kernel address space, from its own memory.
    PagePool pool(uptr(&self) + kCorePagePool, kCorePagePoolSize);
    AddressSpace as;
    Status mapped = as.init(pool);
    if (mapped.ok()) mapped = build_kernel_map(as, *self.boot);
    if (!mapped.ok()) panic("core {:x}: no kernel map: {}", self.hw_id, error_name(mapped.error()));
    arch::mmu::activate(as.root());
    auto irq = arch::irq_init(false); // this core's part of the interrupt controller
    self.irq_error = u16(irq.ok() ? Error::Ok : irq.error());
    kprint("  core {:x} ({}) online: own stack at {:x}, own page tables at {:x}\n", self.hw_id,
           isa_name(self.boot->isa), self.stack_top, as.root());
    arch::timer_start(kTimerHz); // time slices for its dispatchers
    start_monitor(self, as.root());
}

} // namespace mosaic::cpudriver

extern "C" [[noreturn]] void cpudriver_secondary_entry(mosaic::cpudriver::CoreState* s) {
    mosaic::arch::set_core_state(s);
    mosaic::cpudriver::secondary_main(*s);
}
