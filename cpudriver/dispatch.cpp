// The hardware-neutral checks of dispatch.hpp: no ISA, no CPU-driver state.
#include <mosaic/cpudriver/dispatch.hpp>

namespace mosaic::cpudriver {

bool in_user_window(u64 base, u64 va, u64 len) {
    if (va < base || va + len < va) return false;
    return va + len <= base + kUserWindowSize;
}

Status decode_syscall(const sys::Args& a) {
    using sys::Number;
    if (a.number >= sys::kSyscallCount) return Error::UnknownSyscall;
    switch (Number(a.number)) {
    case Number::Print:
        if (a.arg[1] > sys::kMaxPrint) return Error::InvalidArgument;
        if (a.arg[0] + a.arg[1] < a.arg[0]) return Error::BadAddress;
        return {};
    case Number::LmpSend:
    case Number::LmpReceiveSlot:
        // A capability slot address, if any: depth 1 or 2 in its low 24 bits (caps::CPtr).
        if ((Number(a.number) == Number::LmpSend ? a.arg[5] : a.arg[0]) >> 24) return Error::InvalidSlot;
        return {};
    case Number::Kernel:
        if (a.arg[0] >> 24) return Error::InvalidSlot;
        switch (sys::KernelOp(a.arg[1])) {
#define X(name, value) case sys::KernelOp::name:
            MOSAIC_KERNEL_OPS(X)
#undef X
            return {};
        }
        return Error::InvalidArgument;
    case Number::IrqAttach:
        if (a.arg[0] != sys::kIrqConsoleRx) return Error::InvalidArgument;
        return {};
    default:
        return {};
    }
}

Result<u32> plan_user_image(const elf::File& f, u16 machine, u64 base, UserSegment* out, u32 max) {
    if (f.machine() != machine) return Error::Unsupported;
    const u64 limit = base + sys::kStartDataOffset; // the start data and the stack lie above
    u32 n = 0;
    bool entry_ok = false;
    for (u32 i = 0; i < f.segment_count(); ++i) {
        auto s = f.load_segment(i);
        if (s.error() == Error::NotFound) continue; // not PT_LOAD
        if (!s.ok()) return s.error();
        if (s->memsz == 0) continue;
        if (n == max) return Error::CapacityExceeded;
        UserSegment u{*s, (s->flags & 2) != 0, (s->flags & 1) != 0};
        if (u.write && u.exec) return Error::PermissionDenied;
        if (s->vaddr % kUserPage) return Error::Misaligned;
        if (s->vaddr < base || s->vaddr + s->memsz > limit) return Error::OutOfRange;
        for (u32 k = 0; k < n; ++k) {
            u64 lo = out[k].seg.vaddr, hi = lo + out[k].seg.memsz;
            hi = (hi + kUserPage - 1) & ~(kUserPage - 1);
            if (s->vaddr < hi && lo < s->vaddr + s->memsz) return Error::AlreadyExists;
        }
        if (u.exec && f.entry() >= s->vaddr && f.entry() < s->vaddr + s->memsz) entry_ok = true;
        out[n++] = u;
    }
    if (n == 0) return Error::Malformed;
    if (!entry_ok) return Error::BadAddress;
    return n;
}

} // namespace mosaic::cpudriver
