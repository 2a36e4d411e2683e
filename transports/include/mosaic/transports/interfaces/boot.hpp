// The boot interface: what a core that was just started and the boot core of its node say
// to each other over the URPC channel the boot core set up for it (each side rings the
// other's doorbell when the other sleeps on the channel). The new core reports
// that it is up, answers the ping interface for the round-trip measurement, is released to
// user mode, and reports how its first dispatcher ended. Each message fits one frame.
#pragma once

#include <mosaic/transports/interface.hpp>

// clang-format off
#define MOSAIC_BOOT_INTERFACE(IFACE, MESSAGE, RPC, EVENT, F)                                 \
    IFACE(boot, 0x0004)                                                                     \
    /* status: 0 when the core's traps, page tables and interrupt controller are up, */    \
    /* otherwise the mosaic::Error that stopped it */                                       \
    /* doorbell: what the boot core rings to wake this core (arch::doorbell_id) */           \
    MESSAGE(online_message, 1, F(u32, index) F(u64, hw_id) F(u16, status) F(u64, page_root)  \
                               F(u64, doorbell))                                            \
    /* boot core -> new core: go on to user mode */                                         \
    MESSAGE(release_message, 2, F(u32, index))                                              \
    /* how the core's first dispatcher ended: ended 1 with its exit code, or a fault */     \
    MESSAGE(report_message, 3, F(u32, index) F(u16, status) F(u64, exit_code))              \
    EVENT(online, online_message)                                                           \
    EVENT(release, release_message)                                                         \
    EVENT(report, report_message)
// clang-format on

namespace mosaic::ifaces::boot {
using namespace mosaic;
MOSAIC_DEFINE_INTERFACE(MOSAIC_BOOT_INTERFACE)

// report_message::status values.
inline constexpr u16 kExited = 0, kFaulted = 1, kNoDispatcher = 2;
} // namespace mosaic::ifaces::boot
