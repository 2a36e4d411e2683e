// The hardware-neutral checks of dispatch.hpp: no ISA, no CPU-driver state.
#include <mosaic/cpudriver/dispatch.hpp>

namespace mosaic::cpudriver {

Status decode_syscall(const sys::Args& a) {
    using sys::Number;
    if (a.number >= sys::kSyscallCount) return Error::UnknownSyscall;
    switch (Number(a.number)) {
    case Number::Print:
        if (a.arg[1] > sys::kMaxPrint) return Error::InvalidArgument;
        if (a.arg[0] + a.arg[1] < a.arg[0]) return Error::BadAddress;
        return a.arg[2] >> 24 ? Error::InvalidSlot : Status();
    case Number::LmpSend:
        if (a.arg[5] >> 24) return Error::InvalidSlot;
        [[fallthrough]];
    case Number::LmpReceiveSlot:
    case Number::IrqAttach:
    case Number::IrqAck:
        // A capability slot address: depth 1 or 2 in its low 24 bits (caps::CPtr).
        if (a.arg[0] >> 24) return Error::InvalidSlot;
        return {};
    case Number::Dispatcher:
        if (a.arg[0] >> 24) return Error::InvalidSlot;
        switch (sys::DispatcherOp(a.arg[1])) {
#define X(name, value) case sys::DispatcherOp::name:
            MOSAIC_DISPATCHER_OPS(X)
#undef X
            return {};
        }
        return Error::InvalidArgument;
    case Number::Kernel:
        if (a.arg[0] >> 24) return Error::InvalidSlot;
        switch (sys::KernelOp(a.arg[1])) {
#define X(name, value) case sys::KernelOp::name:
            MOSAIC_KERNEL_OPS(X)
#undef X
            return {};
        }
        return Error::InvalidArgument;
    default:
        return {};
    }
}

Status check_new_root(const u64* root, bool (*valid)(u64), u64 window_slot, u64 heap_slot, u64 window_base,
                      u64 entry) {
    if (window_slot >= 512) return Error::InvalidArgument;
    for (u64 i = 0; i < 512; ++i)
        if (i != window_slot && i != heap_slot && valid(root[i])) return Error::PermissionDenied;
    if (!valid(root[window_slot])) return Error::InvalidArgument;
    if (!in_user_window(window_base, entry, 1) || entry >= window_base + sys::kStartDataOffset) return Error::BadAddress;
    return {};
}

} // namespace mosaic::cpudriver
