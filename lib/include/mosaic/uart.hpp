// The memory-mapped console UARTs, driven the same way by the CPU drivers (at the device's
// physical address) and by the console service (through its mapping of the registers):
//   kConsolePl011        Arm PL011 (TRM DDI 0183): DR at 0x00, FR at 0x18 (TXFF bit 5,
//                        RXFE bit 4)
//   kConsole16550Mmio    NS16550 registers one byte apart (QEMU's virt machines)
//   kConsole16550Mmio32  the same registers 4 bytes apart, read and written 32 bits wide:
//                        DesignWare APB UARTs (reg-shift 2, reg-io-width 4; a VisionFive 2)
//                        and the Raspberry Pi's mini UART (BCM2835 peripherals 2.2.2),
//                        whose IO, IER and LSR sit where a 16550's do
//   kConsoleSifive       SiFive UART (FU540/FU740 manual ch. 13): txdata at 0x00 (bit 31
//                        full), rxdata at 0x04 (bit 31 empty)
// and which kind a device-tree node is.
#pragma once

#include <mosaic/bootfacts.hpp>
#include <mosaic/dtb.hpp>
#include <mosaic/mmio.hpp>

namespace mosaic::uart {

// The device-tree compatibles of the UARTs above, in the order a console is chosen by
// when the firmware names none (Dtb::console_node).
inline constexpr const char* kCompatibles[] = {"arm,pl011", "ns16550a", "ns16550", "snps,dw-apb-uart",
                                               "brcm,bcm2835-aux-uart", "sifive,uart0", nullptr};

// The kind of a UART node (kConsoleNone for one this file does not drive).
inline u32 kind_of(const Dtb& dtb, const DtbNode& node) {
    auto compat = dtb.prop(node, "compatible");
    if (!compat.ok()) return kConsoleNone;
    if (compat->has_string("arm,pl011")) return kConsolePl011;
    if (compat->has_string("sifive,uart0")) return kConsoleSifive;
    if (compat->has_string("brcm,bcm2835-aux-uart")) return kConsole16550Mmio32;
    if (compat->has_string("ns16550a") || compat->has_string("ns16550") || compat->has_string("snps,dw-apb-uart")) {
        auto shift = dtb.prop(node, "reg-shift");
        u32 s = shift.ok() ? shift->cell(0) : 0;
        return s == 0 ? kConsole16550Mmio : s == 2 ? kConsole16550Mmio32 : kConsoleNone;
    }
    return kConsoleNone;
}

// The console a device-tree CPU driver uses: the firmware's (/chosen stdout-path) if it is
// a UART this file drives, else the first node of those (Dtb::console_node), with its kind
// and the address the CPU sees it at.
inline Result<ConsoleDevice> console(const Dtb& dtb) {
    auto node = TRY(dtb.console_node(kCompatibles));
    const u32 kind = kind_of(dtb, node);
    if (kind == kConsoleNone) return Error::Unsupported;
    auto regs = TRY(dtb.address(node, 0));
    return ConsoleDevice{kind, regs.base};
}

// 16550 register i (0 THR/RBR, 1 IER, 2 FCR, 3 LCR, 4 MCR, 5 LSR) of either layout.
inline u32 reg_read(u32 kind, u64 base, u32 i) {
    return kind == kConsole16550Mmio32 ? mmio_read32(base + 4 * i) : mmio_read8(base + i);
}
inline void reg_write(u32 kind, u64 base, u32 i, u32 v) {
    if (kind == kConsole16550Mmio32) mmio_write32(base + 4 * i, v);
    else mmio_write8(base + i, u8(v));
}

// Puts one byte once there is room (a UART that never has room loses it after a bound).
inline void put(u32 kind, u64 base, u8 c) {
    for (u32 spin = 0; spin < 10000000; ++spin) {
        bool room = kind == kConsolePl011    ? !(mmio_read32(base + 0x18) & (1u << 5))
                    : kind == kConsoleSifive ? !(mmio_read32(base) & (1u << 31))
                                             : (reg_read(kind, base, 5) & 0x20) != 0; // LSR: THR empty
        if (room) break;
    }
    if (kind == kConsolePl011 || kind == kConsoleSifive) mmio_write32(base, c);
    else reg_write(kind, base, 0, c);
}

// One received byte, if there is one.
inline bool get(u32 kind, u64 base, u8& c) {
    switch (kind) {
    case kConsolePl011:
        if (mmio_read32(base + 0x18) & (1u << 4)) return false;
        c = u8(mmio_read32(base)); // the byte, error flags above it
        return true;
    case kConsoleSifive: {
        u32 v = mmio_read32(base + 4);
        if (v & (1u << 31)) return false;
        c = u8(v);
        return true;
    }
    case kConsole16550Mmio:
    case kConsole16550Mmio32:
        if (!(reg_read(kind, base, 5) & 1)) return false; // LSR: data ready
        c = u8(reg_read(kind, base, 0));
        return true;
    default: return false;
    }
}

} // namespace mosaic::uart
