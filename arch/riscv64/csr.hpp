// riscv64 control and status registers and SBI calls (RISC-V privileged spec v1.12,
// SBI spec v1.0), private to arch/riscv64.
#pragma once

#include <mosaic/types.hpp>

namespace mosaic::riscv {

#define MOSAIC_CSR_READ(name) ({ u64 _v; asm volatile("csrr %0, " #name : "=r"(_v)); _v; })
#define MOSAIC_CSR_WRITE(name, v) asm volatile("csrw " #name ", %0" ::"r"(u64(v)))
#define MOSAIC_CSR_SET(name, v) asm volatile("csrs " #name ", %0" ::"r"(u64(v)))

constexpr u64 kSstatusSie = 1u << 1, kSstatusSpp = 1u << 8;
constexpr u64 kSieSsie = 1u << 1, kSieStie = 1u << 5, kSieSeie = 1u << 9;
constexpr u64 kIrqSupervisorSoftware = 1;
constexpr u64 kCauseInterrupt = 1ull << 63;
constexpr u64 kIrqSupervisorTimer = 5;

struct SbiRet {
    i64 error;
    i64 value;
};

inline SbiRet sbi_call(u64 eid, u64 fid, u64 a0 = 0, u64 a1 = 0, u64 a2 = 0) {
    register u64 r0 asm("a0") = a0;
    register u64 r1 asm("a1") = a1;
    register u64 r2 asm("a2") = a2;
    register u64 r6 asm("a6") = fid;
    register u64 r7 asm("a7") = eid;
    asm volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r6), "r"(r7) : "memory");
    return SbiRet{i64(r0), i64(r1)};
}

constexpr u64 kSbiTime = 0x54494D45; // "TIME": set_timer
constexpr u64 kSbiIpi = 0x735049;   // "sPI": send_ipi(hart_mask, hart_mask_base)

inline u64 read_time() {
    u64 v;
    asm volatile("rdtime %0" : "=r"(v));
    return v;
}

// Device addresses and rates found in the device tree at boot.
struct Platform {
    u64 uart = 0;            // the console UART; 0: none named (the SBI console)
    u32 uart_kind = 0;       // its ConsoleKind (bootfacts.hpp, uart.hpp)
    u64 test_dev = 0;        // sifive,test0 (power off with a status); 0: SBI shutdown
    u64 timebase = 10000000; // time CSR frequency
};
extern Platform g_platform;

// Device interrupts (irq.cpp): handles an interrupt cause; for the supervisor external
// interrupt claims each PLIC source, masks and completes it, and calls cpudriver::on_irq.
void irq_handle(u64 code);

// Semihosting SYS_EXIT with the status (trap.cpp): returns where no emulator or debugger
// takes the call (the breakpoint it then raises is stepped over), and before the trap
// vector is ours (a breakpoint then would go nowhere known).
void semihosting_exit(bool pass);

} // namespace mosaic::riscv
