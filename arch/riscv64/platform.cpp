// riscv64 boot: device addresses from the device tree, the console UART (the SBI console
// until the tree names one), power off through the SiFive test device (SBI without one),
// and the hand-over to the generic CPU driver.
#include "csr.hpp"

#include <mosaic/cpudriver/arch.hpp>
#include <mosaic/mmio.hpp>
#include <mosaic/uart.hpp>

namespace mosaic::riscv {
Platform g_platform;
}

namespace mosaic::arch {

using riscv::g_platform;

void console_write(const char* s, usize n) {
    for (usize i = 0; i < n; ++i) {
        if (s[i] == '\n') console_write("\r", 1);
        if (!g_platform.uart) { // the device tree named none (or was unusable): the SBI console
            riscv::sbi_call(0x01, 0, u8(s[i]));  // legacy console_putchar
        } else {
            uart::put(g_platform.uart_kind, g_platform.uart, u8(s[i]));
        }
    }
}

ConsoleDevice console_device() {
    if (!g_platform.uart) return {kConsoleNone, 0};
    return {g_platform.uart_kind, g_platform.uart};
}
u32 io_port_read(u16, u32) { return ~0u; } // no I/O ports
void io_port_write(u16, u32, u32) {}

void full_barrier() { asm volatile("fence iorw, iorw" ::: "memory"); }

// Caches are coherent with the accesses of a core that starts with its MMU off.
void clean_dcache(const void*, usize) {}

[[noreturn]] void power_off(bool pass) {
    if (g_platform.test_dev) mmio_write32(g_platform.test_dev, pass ? 0x5555 : (1u << 16) | 0x3333);
    riscv::semihosting_exit(pass); // returns where no debugger or emulator takes it (trap.cpp)
    riscv::sbi_call(0x53525354, 0, 0, pass ? 0 : 1); // no test device: SBI SRST shutdown (reason: failure)
    riscv::sbi_call(0x08, 0);                         // and the legacy shutdown
    for (;;) asm volatile("wfi");
}

} // namespace mosaic::arch

namespace {

using namespace mosaic;

mosaic::BootInfo g_boot;

// Reads the console, test device and timebase from the device tree.
void platform_from_dtb(const Dtb& dtb) {
    // The firmware's console first, if it is a UART uart.hpp drives, else the first of those.
    auto& p = riscv::g_platform;
    if (auto con = uart::console(dtb); con.ok()) p.uart = con->base, p.uart_kind = con->kind;
    if (auto n = dtb.find_compatible("sifive,test0"); n.ok())
        if (auto r = dtb.address(*n, 0); r.ok()) riscv::g_platform.test_dev = r->base;
    if (auto cpus = dtb.find_path("/cpus"); cpus.ok())
        if (auto tb = dtb.prop(*cpus, "timebase-frequency"); tb.ok() && tb->len == 4) riscv::g_platform.timebase = tb->cell(0);
}

} // namespace

extern "C" [[noreturn]] void riscv_boot(u64 hart, const u8* dtb_blob, const u8* bundle) {
    g_boot.isa = Isa::Riscv64;
    g_boot.firmware = "opensbi+dtb";
    g_boot.boot_core = hart;
    g_boot.bundle = bundle;
    cpudriver::boot_from_dtb(g_boot, dtb_blob, platform_from_dtb);
    g_boot.timer_hz = riscv::g_platform.timebase;
    cpudriver::main(g_boot);
}
