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

// The hart id the last hart to reach riscv_secondary_start wrote (boot.S), ~0 before.
extern "C" volatile u64 riscv_arrived = ~0ull;

Status start_core(u64 hw_id, cpudriver::CoreState* s) {
    constexpr u64 kSbiHsm = 0x48534D, kHartStart = 0, kHartStatus = 2;
    constexpr i64 kAlreadyAvailable = -6; // SBI_ERR_ALREADY_AVAILABLE: the hart runs
    constexpr u64 kStopped = 1;
    auto stopped = [&] { return u64(riscv::sbi_call(kSbiHsm, kHartStatus, hw_id).value) == kStopped; };
    // A hart the firmware sent to the image's entry stops itself there (head.S); until it
    // has, hart_start finds it running: wait for it to be stopped, a bounded while. The
    // same happens after hart_start said yes (seen with QEMU 7.2's OpenSBI 1.1, about once
    // in 30 boots: the hart never reached riscv_secondary_start, most likely because it
    // woke on the start-pending state before the new start address was stored and took the
    // old one, the image's entry): the boot hart waits for it to arrive, and starts it
    // again if it finds it stopped instead.
    u32 restarts = 0;
    for (u32 tries = 0;; ++tries) {
        riscv_arrived = ~0ull;
        asm volatile("fence rw, rw" ::: "memory");
        auto r = riscv::sbi_call(kSbiHsm, kHartStart, hw_id, u64(uptr(riscv_secondary_start)), u64(uptr(s)));
        if (r.error == 0) {
            bool strayed = false;
            for (u32 i = 0; i < 4000000 && riscv_arrived != hw_id && !strayed; ++i)
                strayed = (i % 1024) == 1023 && stopped();
            if (!strayed || ++restarts == 8) return {}; // arrived (or the monitor's deadline decides)
            static const char kSaid[] = "  a hart took the image's entry after SBI hart_start (firmware race): started again\n";
            console_write(kSaid, sizeof kSaid - 1);
            continue;
        }
        if (i64(r.error) != kAlreadyAvailable || tries == 1000000) return Error::Unsupported;
        while (!stopped() && tries++ < 1000000) {}
    }
}

u64 image_end() { return u64(uptr(__image_end)); }

} // namespace mosaic::arch
