// Starting the other cores of the node: each gets its own memory (stack and CoreState)
// carved after the CPU driver's image and a boot channel on the route the SKB gives, is
// started through the ISA's firmware or IPI mechanism, and from then on talks to the boot
// core only by messages on that channel. Cores start one at a time, so the console has
// one writer at a time.
#include "smp.hpp"

#include "channels.hpp"
#include "console.hpp"
#include "kmap.hpp"
#include "pingpong.hpp"
#include "placement.hpp"
#include "sched.hpp"

#include <mosaic/transports/interfaces/boot.hpp>

namespace mosaic::cpudriver {

namespace {
namespace boot = ifaces::boot;
using transports::Message;
using transports::RingMemory;
using transports::Route;

constexpr u64 kStartTimeoutTicks = 200; // 2 s at 100 Hz
// The boot channel in each core's memory: its two rings, then the core's Channel object.
constexpr u32 kBootSlots = 16;
constexpr u64 kBootRingBytes = transports::urpc_region_bytes(kBootSlots);
constexpr u64 kCoreBootLink = kCoreBootRings + 2 * kBootRingBytes;
static_assert(kCoreBootLink % 64 == 0 && kCoreBootLink + sizeof(transports::Channel) <= kCorePagePool,
              "the boot channel fits between a core's CoreState and its page-table pool");
// Polls of an idle boot channel before a core sleeps on it until its doorbell rings: enough
// that it stays awake between the pings of a round-trip measurement once the first woke it.
constexpr u32 kBootPollSpins = 1u << 17;

CoreLink g_links[BootInfo::kMaxCores]; // the boot core's; no other core touches them

RingPair rings_of(u64 base, bool boot_side) {
    u8* to_core = reinterpret_cast<u8*>(uptr(base));
    u8* to_boot = to_core + kBootRingBytes;
    return boot_side ? RingPair{to_core, to_boot, kBootSlots} : RingPair{to_boot, to_core, kBootSlots};
}

// The channel hooks: ring the boot core's doorbell (ctx: the u64 id), ring another core's
// once it said what rings it (ctx: its CoreLink); sleep until an interrupt, called with
// interrupts masked so that a doorbell rung after the channel's last poll still ends it.
void ring(void* id) { arch::doorbell_ring(*static_cast<const u64*>(id)); }
void ring_link(void* l) {
    const CoreLink* link = static_cast<const CoreLink*>(l);
    if (link->has_doorbell) arch::doorbell_ring(link->doorbell);
}
void sleep(void*) { arch::wait_for_interrupt_masked(); }

void record(CoreLink& link, const Message& m) {
    if (auto on = transports::decode_message<boot::online_message>(m); on.ok()) {
        link.online = true;
        link.online_status = on->status;
        link.doorbell = on->doorbell;
        link.has_doorbell = true;
        return;
    }
    if (auto r = transports::decode_message<boot::report_message>(m); r.ok()) {
        link.reported = true;
        link.report_status = r->status;
        link.exit_code = r->exit_code;
        return;
    }
    ++link.refused;
}

// Sets up core i's memory and boot channel (me: the board's number of this core, first_core:
// of this node's core 0); false (said why) if the SKB gives no route this node can bind.
bool prepare(const BootInfo& bi, u32 i, u32 me, u32 first_core, RouteFn route, const u8* program, u64 program_size) {
    CoreLink& link = g_links[i];
    link = CoreLink{};
    link.hw_id = bi.core_ids[i];
    auto r = route(me, first_core + i);
    auto* s = reinterpret_cast<CoreState*>(uptr(core_memory(i)));
    *s = CoreState{};
    s->boot_rings = uptr(s) + kCoreBootRings;
    u8* rings = reinterpret_cast<u8*>(uptr(s->boot_rings));
    for (u64 k = 0; k < 2 * kBootRingBytes; ++k) rings[k] = 0; // zeroed rings are empty
    transports::Hooks hooks{.notify = ring_link, .wait = sleep, .ctx = &link};
    Status bound = r.ok() ? bind_route(link.ch, *r, RingMemory::NodeRam, rings_of(s->boot_rings, true), hooks)
                          : Status(r.error());
    if (!bound.ok()) {
        kprint("  core {:x}: no boot channel on the SKB's route ({}): {}\n", link.hw_id,
               r.ok() ? transports::route_name(*r) : "no answer", error_name(bound.error()));
        return false;
    }
    s->boot_route = u8(*r);
    s->boot_doorbell = arch::doorbell_id();
    s->stack_top = uptr(s) + kCoreStackTop;
    s->boot = &bi;
    s->hw_id = link.hw_id;
    s->index = i;
    s->user_pool = uptr(s) + kCoreUserPool;
    s->user_pool_size = kCoreUserPoolSize;
    s->first_program = program;
    s->first_program_size = program_size;
    return true;
}

// The new core's side: binds its end of the boot channel, says it is up (with `status`),
// and, if it is, answers pings until released, sleeping on the channel with its timer
// stopped, so that only the boot core's doorbell can wake it. False if it has no channel
// or is not up (the boot core then gives up on it).
bool join_boot_channel(CoreState& self, u16 status, u64 page_root) {
    auto* link = new (reinterpret_cast<void*>(uptr(&self) + kCoreBootLink)) transports::Channel();
    transports::Hooks hooks{.notify = ring, .wait = sleep, .ctx = &self.boot_doorbell};
    Status bound = bind_route(*link, Route(self.boot_route), RingMemory::NodeRam, rings_of(self.boot_rings, false), hooks);
    if (!bound.ok()) {
        kprint("  core {:x}: cannot bind its boot channel: {}\n", self.hw_id, error_name(bound.error()));
        return false;
    }
    self.boot_link = link;
    if (!transports::send_message(*link, boot::online_message{self.index, self.hw_id, status, page_root,
                                                              arch::doorbell_id()})
             .ok() ||
        status != 0)
        return false;
    arch::timer_stop();
    arch::interrupts_disable(); // the sleep hook takes interrupts only while it halts
    Message m;
    for (;;) {
        Status got = link->wait(m, kBootPollSpins);
        if (!got.ok()) continue; // a malformed frame was refused: the channel goes on
        if (is_ping_interface(m)) (void)answer_ping(*link, m);
        else if (transports::decode_message<boot::release_message>(m).ok()) break;
    }
    arch::interrupts_enable();
    arch::timer_start(kTimerHz); // time slices for its dispatchers
    return true;
}
} // namespace

u64 core_memory(u32 index) { return align_up(arch::image_end(), 64 * 1024) + u64(index) * kCoreMemory; }

CoreLink* core_link(u32 index) {
    if (index >= BootInfo::kMaxCores || !g_links[index].started) return nullptr;
    return &g_links[index];
}

u32 poll_core_link(CoreLink& link) {
    u32 n = 0;
    Message m;
    for (;;) {
        Status s = link.ch.poll(m);
        if (s.ok()) record(link, m);
        else if (s.error() == Error::Malformed) ++link.refused;
        else return n;
        ++n;
    }
}

Status release_core(u32 index) {
    CoreLink* link = core_link(index);
    if (!link) return Error::NotFound;
    return transports::send_message(link->ch, boot::release_message{index});
}

u32 start_secondaries(const BootInfo& bi, u32 first_core, u32 me, RouteFn route, u64 (*ticks)(),
                      const u8* first_program, u64 first_program_size) {
    u32 online = 0;
    console_share();
    for (u32 i = 0; i < bi.core_count; ++i) {
        if (bi.core_ids[i] == bi.boot_core) continue;
        if (!prepare(bi, i, me, first_core, route, first_program, first_program_size)) continue;
        auto* s = reinterpret_cast<CoreState*>(uptr(core_memory(i)));
        CoreLink& link = g_links[i];
        arch::full_barrier();
        // The new core starts with its caches off: what it reads first must be in memory.
        arch::clean_dcache(s, kCorePagePool);
        auto started = arch::start_core(link.hw_id, s);
        if (!started.ok()) {
            kprint("  core {:x}: start refused: {}\n", link.hw_id, error_name(started.error()));
            continue;
        }
        link.started = true;
        u64 t0 = ticks();
        while (!link.online && ticks() - t0 < kStartTimeoutTicks)
            if (poll_core_link(link) == 0) arch::wait_for_interrupt();
        if (link.online && link.online_status == 0) ++online;
        else if (link.online) kprint("  core {:x}: came up without {}\n", link.hw_id, error_name(Error(link.online_status)));
        else kprint("  core {:x}: no sign of life after {} ticks\n", link.hw_id, kStartTimeoutTicks);
    }
    return online;
}

void report_first_dispatcher(u16 status, u64 exit_code) {
    CoreState& self = *arch::core_state();
    if (!self.boot_link) return;
    Status s = transports::send_message(*self.boot_link, boot::report_message{self.index, status, exit_code});
    if (!s.ok()) kprint("  core {:x}: report to the boot core not sent: {}\n", self.hw_id, error_name(s.error()));
}

[[noreturn]] void secondary_main(CoreState& self) {
    arch::traps_init();
    // This core's own kernel address space, from its own memory, before it touches
    // memory shared with other cores.
    PagePool pool(uptr(&self) + kCorePagePool, kCorePagePoolSize);
    AddressSpace as;
    Status mapped = as.init(pool);
    if (mapped.ok()) mapped = build_kernel_map(as, *self.boot);
    if (mapped.ok()) arch::mmu::activate(as.root());
    auto irq = arch::irq_init(false); // this core's part of the interrupt controller
    if (!irq.ok()) kprint("  core {:x}: interrupt controller: {}\n", self.hw_id, error_name(irq.error()));
    self.expect_breakpoint = true;
    arch::trigger_breakpoint();
    self.expect_breakpoint = false;
    kprint("  core {:x} ({}) online: own stack at {:x}, own page tables at {:x} ({}), breakpoint traps taken: {}\n",
           self.hw_id, isa_name(self.boot->isa), self.stack_top, as.root(), mapped.ok() ? "MMU on" : "MAP FAILED",
           u32(self.breakpoints));
    // The timer, checked here before the core says it is up (it is stopped while the core
    // sleeps on its boot channel, and runs again for its dispatchers' time slices).
    arch::timer_start(kTimerHz);
    arch::interrupts_enable();
    Error status = !mapped.ok() ? mapped.error() : !irq.ok() ? irq.error()
                                : self.breakpoints != 1 ? Error::Unsupported : Error::Ok;
    if (!join_boot_channel(self, u16(status), as.root())) {
        arch::timer_stop(); // not up, as the boot core knows: halted for good
        for (;;) arch::wait_for_interrupt();
    }
    // User mode: this core's first dispatcher, told which core it is on.
    auto sched = core_scheduler(self, as.root());
    Result<Dispatcher*> first = Error::NotFound;
    if (sched.ok() && self.first_program) first = (*sched)->spawn("hello", self.first_program, self.first_program_size, self.hw_id);
    if (first.ok()) (*sched)->run();
    kprint("  core {:x}: no dispatcher to run: {}\n", self.hw_id, error_name(sched.ok() ? first.error() : sched.error()));
    report_first_dispatcher(boot::kNoDispatcher, 0);
    arch::timer_stop();
    for (;;) arch::wait_for_interrupt(); // idle, halted
}

} // namespace mosaic::cpudriver

extern "C" [[noreturn]] void cpudriver_secondary_entry(mosaic::cpudriver::CoreState* s) {
    mosaic::arch::set_core_state(s);
    mosaic::cpudriver::secondary_main(*s);
}
