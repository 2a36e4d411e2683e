// Starting the other cores of the node: each gets its own memory (stack and CoreState)
// carved after the CPU driver's image, is started through the ISA's firmware or IPI
// mechanism, and reports through its boot mailbox. Cores start one at a time, so the
// console has one writer at a time.
#include "smp.hpp"

#include "console.hpp"
#include "kmap.hpp"
#include "pingpong.hpp"
#include "sched.hpp"

namespace mosaic::cpudriver {

namespace {
constexpr u64 kStartTimeoutTicks = 200; // 2 s at 100 Hz
}

u64 core_memory(u32 index) { return align_up(arch::image_end(), 64 * 1024) + u64(index) * kCoreMemory; }

u32 start_secondaries(const BootInfo& bi, CoreState*& ping_peer, u64 (*ticks)(), const u8* first_program,
                      u64 first_program_size) {
    u32 online = 0;
    console_share();
    for (u32 i = 0; i < bi.core_count; ++i) {
        if (bi.core_ids[i] == bi.boot_core) continue;
        auto* s = reinterpret_cast<CoreState*>(uptr(core_memory(i)));
        *s = CoreState{};
        s->stack_top = uptr(s) + kCoreStackTop;
        s->boot = &bi;
        s->hw_id = bi.core_ids[i];
        s->index = i;
        s->user_pool = uptr(s) + kCoreUserPool;
        s->user_pool_size = kCoreUserPoolSize;
        s->first_program = first_program;
        s->first_program_size = first_program_size;
        if (!ping_peer) { // the first other core to come up answers the boot core's pings
            u8* rings = reinterpret_cast<u8*>(s) + kCorePingRings;
            for (u64 k = 0; k < 2 * transports::urpc_region_bytes(kPingSlots); ++k) rings[k] = 0;
            s->ping_rings = uptr(rings);
            s->ping_count = kCorePingPongs;
            ping_peer = s;
        }
        arch::full_barrier();
        // The new core starts with its caches off: what it reads first must be in memory.
        arch::clean_dcache(s, kCorePagePool);
        auto started = arch::start_core(s->hw_id, s);
        if (!started.ok()) {
            kprint("  core {:x}: start refused: {}\n", s->hw_id, error_name(started.error()));
            continue;
        }
        u64 t0 = ticks();
        while (!s->online && ticks() - t0 < kStartTimeoutTicks) arch::wait_for_interrupt();
        if (s->online == 1) ++online;
        else if (ping_peer == s) ping_peer = nullptr; // the next core that starts answers instead
        else kprint("  core {:x}: no sign of life after {} ticks\n", s->hw_id, kStartTimeoutTicks);
    }
    return online;
}

[[noreturn]] void secondary_main(CoreState& self) {
    arch::traps_init();
    // This core's own kernel address space, from its own memory, before it touches
    // memory shared with other cores.
    PagePool pool(uptr(&self) + kCorePagePool, kCorePagePoolSize);
    AddressSpace as;
    bool mapped = as.init(pool).ok() && build_kernel_map(as, *self.boot).ok();
    if (mapped) arch::mmu::activate(as.root());
    auto irq = arch::irq_init(false); // this core's part of the interrupt controller
    if (!irq.ok()) kprint("  core {:x}: interrupt controller: {}\n", self.hw_id, error_name(irq.error()));
    self.expect_breakpoint = true;
    arch::trigger_breakpoint();
    self.expect_breakpoint = false;
    kprint("  core {:x} ({}) online: own stack at {:x}, own page tables at {:x} ({}), breakpoint traps taken: {}\n",
           self.hw_id, isa_name(self.boot->isa), self.stack_top, as.root(), mapped ? "MMU on" : "MAP FAILED",
           u32(self.breakpoints));
    // The timer, for time slices once dispatchers run here (started before `online` so
    // that cores do not start their timers at the same time).
    arch::timer_start(kTimerHz);
    arch::full_barrier();
    self.online = self.breakpoints == 1 && mapped && irq.ok() ? 1 : 2;
    arch::full_barrier();
    if (self.ping_rings) {
        auto* rings = reinterpret_cast<u8*>(uptr(self.ping_rings));
        transports::Channel server;
        if (bind_urpc(server, rings + transports::urpc_region_bytes(kPingSlots), rings).ok()) {
            auto st = ping_pong(nullptr, 0, &server, self.ping_count, [](void*) { return false; }, nullptr);
            self.ping_served = st.served;
        }
    }
    // User mode: this core's first dispatcher, told which core it is on.
    auto sched = mapped ? core_scheduler(self, as.root()) : Result<Scheduler*>(Error::Unsupported);
    Result<Dispatcher*> first = Error::NotFound;
    if (sched.ok() && self.first_program) first = (*sched)->spawn("hello", self.first_program, self.first_program_size, self.hw_id);
    if (first.ok()) (*sched)->run();
    kprint("  core {:x}: no dispatcher to run: {}\n", self.hw_id, error_name(sched.ok() ? first.error() : sched.error()));
    self.user_report = ~0ull;
    for (;;) arch::wait_for_interrupt(); // idle, halted
}

} // namespace mosaic::cpudriver

extern "C" [[noreturn]] void cpudriver_secondary_entry(mosaic::cpudriver::CoreState* s) {
    mosaic::arch::set_core_state(s);
    mosaic::cpudriver::secondary_main(*s);
}
