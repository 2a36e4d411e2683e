// riscv64 per-core register (tp) and starting harts through the SBI HSM extension
// (SBI spec v1.0 ch. 9).
#include "csr.hpp"

#include <mosaic/cpudriver/arch.hpp>

extern "C" char riscv_secondary_start[];
extern "C" char __image_end[];

namespace mosaic::arch {

void set_core_state(cpudriver::CoreState* s) { asm volatile("mv tp, %0" ::"r"(s)); }

cpudriver::CoreState* core_state() {
    cpudriver::CoreState* s;
    asm volatile("mv %0, tp" : "=r"(s));
    return s;
}

Status start_core(u64 hw_id, cpudriver::CoreState* s) {
    constexpr u64 kSbiHsm = 0x48534D, kHartStart = 0, kHartStatus = 2;
    constexpr i64 kAlreadyAvailable = -6; // SBI_ERR_ALREADY_AVAILABLE: the hart runs
    constexpr u64 kStopped = 1;
    // A hart the firmware sent to the image's entry stops itself there (head.S); until it
    // has, hart_start finds it running: wait for it to be stopped, a bounded while.
    for (u32 tries = 0;; ++tries) {
        auto r = riscv::sbi_call(kSbiHsm, kHartStart, hw_id, u64(uptr(riscv_secondary_start)), u64(uptr(s)));
        if (r.error == 0) return {};
        if (i64(r.error) != kAlreadyAvailable || tries == 1000000) return Error::Unsupported;
        while (u64(riscv::sbi_call(kSbiHsm, kHartStatus, hw_id).value) != kStopped && tries++ < 1000000) {}
    }
}

u64 image_end() { return u64(uptr(__image_end)); }

} // namespace mosaic::arch
