// aarch64 per-core register (TPIDR_EL1) and starting cores: through PSCI CPU_ON (Arm
// PSCI 1.1, DEN0022, 5.1.4), called with hvc or smc as the device tree's /psci says, or
// where a core's enable-method is "spin-table" (a Raspberry Pi 3: its firmware parks the
// cores in WFE, each polling its cpu-release-addr) by writing the entry there (Linux's
// arm64 booting protocol, "spin-table" in the devicetree spec's cpus binding).
#include "frame.hpp"

#include <mosaic/cpudriver/arch.hpp>

extern "C" char aarch64_secondary_start[];
extern "C" char aarch64_spin_start[];
extern "C" char __image_end[];

// Spin-table cores enter with x0 = 0: boot.S finds its CoreState here by MPIDR affinity.
// Read with the MMU and caches off, so every store is cleaned to memory.
extern "C" mosaic::u64 aarch64_spin_table[64][2] = {}; // {affinity, CoreState}

namespace mosaic::arch {

void set_core_state(cpudriver::CoreState* s) { MOSAIC_SYSREG_WRITE(tpidr_el1, u64(uptr(s))); }

cpudriver::CoreState* core_state() {
    return reinterpret_cast<cpudriver::CoreState*>(uptr(MOSAIC_SYSREG_READ(tpidr_el1)));
}

namespace {

// The release address of the core with this MPIDR if its enable-method is "spin-table".
Result<u64> release_address(u64 hw_id) {
    const u8* blob = core_state()->boot->dtb;
    if (!blob) return Error::NotFound;
    auto dtb = TRY(Dtb::parse(blob, 1u << 20));
    u64 found = 0;
    bool spin = false;
    TRY_STATUS(dtb.walk([&](const DtbNode& n) {
        auto dev = dtb.prop(n, "device_type");
        auto reg = dtb.prop(n, "reg");
        if (!dev.ok() || !dev->has_string("cpu") || !reg.ok() || reg->cells(0, n.addr_cells) != hw_id) return true;
        auto method = dtb.prop(n, "enable-method");
        auto release = dtb.prop(n, "cpu-release-addr");
        spin = method.ok() && method->has_string("spin-table") && release.ok() && release->len == 8;
        if (spin) found = release->cells(0, 2);
        return false;
    }));
    if (!spin || !found || (found & 7)) return Error::Unsupported;
    return found;
}

Status start_spinning_core(u64 hw_id, cpudriver::CoreState* s) {
    const u64 release = TRY(release_address(hw_id));
    u32 slot = 0;
    while (slot < 64 && aarch64_spin_table[slot][0] != hw_id && aarch64_spin_table[slot][1]) ++slot;
    if (slot == 64) return Error::NoMemory;
    aarch64_spin_table[slot][0] = hw_id;
    aarch64_spin_table[slot][1] = u64(uptr(s));
    clean_dcache(aarch64_spin_table[slot], 16);
    auto* word = reinterpret_cast<volatile u64*>(uptr(release));
    *word = u64(uptr(aarch64_spin_start));
    clean_dcache(const_cast<u64*>(word), 8); // (ends with dsb sy)
    asm volatile("sev" ::: "memory");
    return {};
}

} // namespace

Status start_core(u64 hw_id, cpudriver::CoreState* s) {
    if (!aarch64::g_platform.psci) return start_spinning_core(hw_id, s);
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
