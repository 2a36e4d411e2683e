// aarch64 per-core register (TPIDR_EL1) and starting cores through PSCI CPU_ON
// (Arm PSCI 1.1, DEN0022, 5.1.4), called with hvc or smc as the device tree's /psci says.
#include "frame.hpp"

#include <mosaic/cpudriver/arch.hpp>

extern "C" char aarch64_secondary_start[];
extern "C" char __image_end[];

namespace mosaic::arch {

void set_core_state(cpudriver::CoreState* s) { MOSAIC_SYSREG_WRITE(tpidr_el1, u64(uptr(s))); }

cpudriver::CoreState* core_state() {
    return reinterpret_cast<cpudriver::CoreState*>(uptr(MOSAIC_SYSREG_READ(tpidr_el1)));
}

Status start_core(u64 hw_id, cpudriver::CoreState* s) {
    register u64 x0 asm("x0") = 0xC4000003; // CPU_ON, SMC64/HVC64 calling convention
    register u64 x1 asm("x1") = hw_id;
    register u64 x2 asm("x2") = u64(uptr(aarch64_secondary_start));
    register u64 x3 asm("x3") = u64(uptr(s));
    // SMCCC 1.0 leaves x1-x17 unpredictable on return. The conduit is the tree's /psci method.
#define MOSAIC_PSCI_CALL(insn)                                                                                  \
    asm volatile(insn                                                                                           \
                 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)                                                       \
                 :                                                                                              \
                 : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17", \
                   "memory")
    if (aarch64::g_platform.psci_smc) MOSAIC_PSCI_CALL("smc #0");
    else MOSAIC_PSCI_CALL("hvc #0");
#undef MOSAIC_PSCI_CALL
    if (i64(x0) != 0) return Error::Unsupported;
    return {};
}

u64 image_end() { return u64(uptr(__image_end)); }

} // namespace mosaic::arch
