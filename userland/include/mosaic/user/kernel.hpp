// The Kernel capability's operations (sys::KernelOp), for the one program that holds it:
// the monitor. Any other caller gets PermissionDenied or SlotEmpty from the CPU driver.
#pragma once

#include <mosaic/syscall.hpp>

namespace mosaic::user::kernel {

// Starts core `index` of this node with its channel in the frame at `frame` (a CPtr);
// returns its hardware id.
Result<u64> start_core(u32 index, u64 frame);
// Makes a dispatcher of the capability space and address space the caller built (the last
// step of loading a program, user/loader.hpp), its Dispatcher capability in the slot the
// request names; returns its dispatcher id.
Result<u32> dispatch(const sys::DispatchRequest& req);
// Rings the doorbell another core's CPU driver named.
Error doorbell(u64 id);
// An Irq capability for the device interrupt of `kind` (sys::kIrqConsoleRx) in the empty
// slot `dest`; returns the controller's line.
Result<u32> irq_cap(u64 kind, u64 dest);
// Ends the machine.
[[noreturn]] void power_off(bool pass);

} // namespace mosaic::user::kernel
