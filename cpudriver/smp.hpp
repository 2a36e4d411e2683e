// Bringing up the other cores of this node (see smp.cpp), and the boot core's end of each
// one's boot channel (the boot interface, transports/interfaces/boot.hpp).
#pragma once

#include <mosaic/cpudriver/arch.hpp>
#include <mosaic/transports/channel.hpp>
#include <mosaic/transports/route.hpp>

namespace mosaic::cpudriver {

// What the boot core knows of another core of its node: only what that core said on its
// boot channel. All zero to start with, so that the table costs the image nothing.
struct CoreLink {
    transports::Channel ch;
    u64 hw_id = 0;
    bool has_doorbell = false;  // it said what rings its doorbell (online_message)
    u64 doorbell = 0;           //   and that is this
    bool started = false;  // its channel is bound and the core was started
    bool online = false;   // it said it is up (online_message)
    u16 online_status = 0; //   with this status (0: traps, page tables and interrupts are up)
    bool reported = false; // it said how its first dispatcher ended (report_message)
    u16 report_status = 0; //   ifaces::boot::kExited, kFaulted or kNoDispatcher
    u64 exit_code = 0;
    u32 refused = 0; // messages on the channel that were not the boot interface's, or malformed
};

// The SKB's route between two of the board's cores.
using RouteFn = Result<transports::Route> (*)(u32 from, u32 to);

// Starts every discovered core but the boot core, one at a time, each on a boot channel
// bound on the route `route` gives between the boot core and it (cores are the board's
// numbers: first_core is this node's core 0, me the boot core); waits for each to say it is up.
// Returns how many came online. Each core runs first_program (an ELF of this ISA) as its
// first dispatcher once released.
u32 start_secondaries(const BootInfo& bi, u32 first_core, u32 me, RouteFn route, u64 (*ticks)(),
                      const u8* first_program, u64 first_program_size);

// The boot core's link to core `index` (its position in BootInfo::core_ids), or null for
// the boot core itself and cores that were never started.
CoreLink* core_link(u32 index);

// Takes every message waiting on a link and records what it says; returns how many.
u32 poll_core_link(CoreLink& link);

// Tells core `index` to go on to user mode.
Status release_core(u32 index);

// On a core other than the boot core: tells the boot core how this core's first dispatcher
// ended (status as in CoreLink::report_status). Does nothing on the boot core.
void report_first_dispatcher(u16 status, u64 exit_code);

// The timer rate of every core.
constexpr u32 kTimerHz = 100;

} // namespace mosaic::cpudriver
