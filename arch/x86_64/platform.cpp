// x86_64 boot: the COM1 console, power off through isa-debug-exit, PCI configuration
// mechanism #1, the Multiboot memory map and the ACPI MADT's cores; then the hand-over
// to the generic CPU driver.
#include "io.hpp"

#include <mosaic/cpudriver/arch.hpp>
#include <mosaic/fmt.hpp>
#include <mosaic/mmio.hpp>

namespace mosaic::arch {

void console_write(const char* s, usize n) {
    constexpr u16 kCom1 = 0x3f8;
    for (usize i = 0; i < n; ++i) {
        if (s[i] == '\n') console_write("\r", 1);
        while (!(x86::inb(kCom1 + 5) & 0x20)) {} // LSR: transmit holding register empty
        x86::outb(kCom1, u8(s[i]));
    }
}

ConsoleDevice console_device() { return {kConsole16550Port, 0x3f8}; }
u32 io_port_read(u16 port, u32 width) {
    if (width == 1) return x86::inb(port);
    if (width == 2) return x86::inw(port);
    return x86::inl(port);
}
void io_port_write(u16 port, u32 value, u32 width) {
    if (width == 1) x86::outb(port, u8(value));
    else if (width == 2) x86::outw(port, u16(value));
    else x86::outl(port, value);
}

void full_barrier() { asm volatile("mfence" ::: "memory"); }

// Caches are coherent with the accesses of a core that starts with its MMU off.
void clean_dcache(const void*, usize) {}

[[noreturn]] void power_off(bool pass) {
    // isa-debug-exit at port 0xf4: QEMU exits with (value << 1) | 1, so 1 = pass, 3 = fail.
    x86::outb(0xf4, pass ? 0 : 1);
    for (;;) asm volatile("cli; hlt");
}

} // namespace mosaic::arch

namespace {

using namespace mosaic;

BootInfo g_boot;
constexpr u32 kMultibootMagic = 0x2badb002;
constexpr u64 k4G = 1ull << 32, kIoApicBase = 0xfec00000; // the PC's APICs and firmware above

// Copies the available (type 1) ranges of the Multiboot memory map (spec 3.3, flags bit 6).
void memory_from_multiboot(const u8* mbi) {
    if (!(load_le32(mbi) & (1u << 6))) return;
    u32 len = load_le32(mbi + 44), addr = load_le32(mbi + 48);
    for (u32 off = 0; off + 24 <= len && g_boot.memory_count < BootInfo::kMaxRanges;) {
        const u8* e = reinterpret_cast<const u8*>(uptr(addr + off));
        u32 size = load_le32(e);
        if (load_le32(e + 20) == 1) g_boot.memory[g_boot.memory_count++] = Range{load_le64(e + 4), load_le64(e + 12)};
        off += size + 4;
    }
}

// Checks an ACPI table's checksum (all bytes sum to zero).
bool acpi_sum_ok(const u8* p, u32 len) {
    u8 sum = 0;
    for (u32 i = 0; i < len; ++i) sum = u8(sum + p[i]);
    return sum == 0;
}

// Finds the RSDP in the BIOS read-only area (ACPI 6.4, 5.2.5.1).
const u8* find_rsdp() {
    for (uptr p = 0xe0000; p < 0x100000; p += 16) {
        auto* r = reinterpret_cast<const u8*>(p);
        if (mem_eq(r, "RSD PTR ", 8) && acpi_sum_ok(r, 20)) return r;
    }
    return nullptr;
}

// Counts the enabled processors of the MADT (local APIC and x2APIC entries).
void cores_from_acpi() {
    const u8* t = x86::find_madt();
    if (!t) return;
    u32 len = load_le32(t + 4);
    for (u32 off = 44; off + 2 <= len;) {
        u8 type = t[off], elen = t[off + 1];
        if (elen < 2 || off + elen > len) break;
        if (type == 0 && elen >= 8 && (load_le32(t + off + 4) & 1) && g_boot.core_count < BootInfo::kMaxCores)
            g_boot.core_ids[g_boot.core_count++] = t[off + 3];
        if (type == 9 && elen >= 16 && (load_le32(t + off + 8) & 1) && g_boot.core_count < BootInfo::kMaxCores)
            g_boot.core_ids[g_boot.core_count++] = load_le32(t + off + 4);
        off += elen;
    }
}

} // namespace

namespace mosaic::x86 {
u64 lapic_base() { return rdmsr(0x1b) & ~0xfffull; }

const u8* find_madt() {
    const u8* rsdp = find_rsdp();
    if (!rsdp) return nullptr;
    auto* rsdt = reinterpret_cast<const u8*>(uptr(load_le32(rsdp + 16)));
    u32 rsdt_len = load_le32(rsdt + 4);
    if (!mem_eq(rsdt, "RSDT", 4) || rsdt_len < 36 || rsdt_len > 65536 || !acpi_sum_ok(rsdt, rsdt_len)) return nullptr;
    for (u32 i = 36; i + 4 <= rsdt_len; i += 4) {
        auto* t = reinterpret_cast<const u8*>(uptr(load_le32(rsdt + i)));
        u32 len = load_le32(t + 4);
        if (mem_eq(t, "APIC", 4) && len >= 44 && len <= 65536 && acpi_sum_ok(t, len)) return t;
    }
    return nullptr;
}
} // namespace mosaic::x86

extern "C" [[noreturn]] void x86_boot(u32 magic, u32 info, u32 bundle) {
    g_boot.isa = Isa::X86_64;
    g_boot.firmware = "multiboot+acpi";
    g_boot.bundle = reinterpret_cast<const u8*>(uptr(bundle));
    if (magic != kMultibootMagic) {
        arch::console_write("PANIC: x86_64: not started by a Multiboot loader\n", 49);
        arch::power_off(false);
    }
    g_boot.boot_core = mmio_read32(x86::lapic_base() + x86::kApicId) >> 24;
    memory_from_multiboot(reinterpret_cast<const u8*>(uptr(info)));
    cores_from_acpi();
    // PCI configuration mechanism #1 and fw_cfg's ports (the PC's fixed I/O map); firmware
    // assigned the BARs, in the 32-bit hole between the top of RAM and the I/O APIC.
    g_boot.pci.present = true;
    g_boot.pci.config_port = 0xcf8;
    g_boot.fw_cfg_port = 0x510;
    u64 top = 0;
    for (u32 i = 0; i < g_boot.memory_count; ++i)
        if (g_boot.memory[i].base < k4G) top = max(top, min(g_boot.memory[i].base + g_boot.memory[i].size, k4G));
    g_boot.pci.mmio_base = align_up(top, 1 << 20);
    g_boot.pci.mmio_size = g_boot.pci.mmio_base < kIoApicBase ? kIoApicBase - g_boot.pci.mmio_base : 0;
    cpudriver::main(g_boot);
}
