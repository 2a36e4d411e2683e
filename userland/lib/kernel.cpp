// See kernel.hpp.
#include <mosaic/caps/capability.hpp>
#include <mosaic/user/kernel.hpp>
#include <mosaic/user/sys.hpp>

namespace mosaic::user::kernel {

namespace {
constexpr u64 kKernel = caps::CPtr::at(sys::kSlotKernel).raw;

sys::Return op(sys::KernelOp o, u64 a0 = 0, u64 a1 = 0) { return call(sys::Number::Kernel, kKernel, u64(o), a0, a1); }
} // namespace

Result<u64> start_core(u32 index, u64 frame) {
    auto r = op(sys::KernelOp::StartCore, index, frame);
    if (r.error) return error_of(r);
    return r.value[0];
}

Result<u32> dispatch(const sys::DispatchRequest& req) {
    auto r = op(sys::KernelOp::Dispatch, u64(uptr(&req)));
    if (r.error) return error_of(r);
    return u32(r.value[0]);
}

Result<u32> irq_cap(u64 kind, u64 dest) {
    auto r = op(sys::KernelOp::IrqCap, kind, dest);
    if (r.error) return error_of(r);
    return u32(r.value[0]);
}

Error doorbell(u64 id) { return error_of(op(sys::KernelOp::Doorbell, id)); }

[[noreturn]] void power_off(bool pass) {
    for (;;) op(sys::KernelOp::PowerOff, pass ? 1 : 0);
}

} // namespace mosaic::user::kernel
