// x86_64 device interrupts: the legacy 8259 PICs masked, the local APIC enabled on every
// core, and the I/O APICs and interrupt source overrides of the ACPI MADT (ACPI 6.4, 5.2.12;
// 82093AA I/O APIC datasheet). The console is COM1's 16550 on ISA IRQ 4.
#include "io.hpp"

#include <mosaic/cpudriver/arch.hpp>
#include <mosaic/mmio.hpp>

namespace mosaic::arch {

namespace {

constexpr u16 kCom1 = 0x3f8;
constexpr u32 kComIsaIrq = 4;
constexpr u32 kMaxIoApics = 4, kMaxOverrides = 16;

// Redirection entry bits (low word).
constexpr u32 kRteActiveLow = 1u << 13, kRteLevel = 1u << 15, kRteMasked = 1u << 16;

struct IoApic {
    u64 base;
    u32 gsi_base, pins;
};

// An ISA IRQ that the firmware connected to another GSI or with other polarity/trigger.
struct Override {
    u8 isa_irq;
    u32 gsi;
    u16 flags; // MPS INTI flags: bits 0-1 polarity, bits 2-3 trigger mode
};

// Filled by the boot core's irq_init from the MADT; read-only afterwards.
IoApic g_ioapics[kMaxIoApics];
u32 g_ioapic_count = 0;
Override g_overrides[kMaxOverrides];
u32 g_override_count = 0;

u32 ioapic_read(const IoApic& a, u32 reg) {
    mmio_write32(a.base, reg); // IOREGSEL, then the window at +0x10
    return mmio_read32(a.base + 0x10);
}

void ioapic_write(const IoApic& a, u32 reg, u32 v) {
    mmio_write32(a.base, reg);
    mmio_write32(a.base + 0x10, v);
}

// The I/O APIC with the given GSI among its pins, or nullptr.
const IoApic* ioapic_of(u32 gsi) {
    for (u32 i = 0; i < g_ioapic_count; ++i)
        if (gsi >= g_ioapics[i].gsi_base && gsi < g_ioapics[i].gsi_base + g_ioapics[i].pins) return &g_ioapics[i];
    return nullptr;
}

// Sets or clears the mask bit of a GSI's redirection entry (entry n: registers 0x10 + 2n, +1).
void set_masked(u32 gsi, bool masked) {
    const IoApic* a = ioapic_of(gsi);
    if (!a) return;
    u32 reg = 0x10 + 2 * (gsi - a->gsi_base);
    u32 low = ioapic_read(*a, reg);
    ioapic_write(*a, reg, masked ? low | kRteMasked : low & ~kRteMasked);
}

// Reads the MADT's I/O APICs (type 1) and interrupt source overrides (type 2), and the
// local APIC address (header, or type 5 override), which must be where this core's is.
Status read_madt() {
    const u8* t = x86::find_madt();
    if (!t) return Error::NotFound;
    u64 lapic = load_le32(t + 36);
    u32 len = load_le32(t + 4);
    for (u32 off = 44; off + 2 <= len;) {
        const u8* e = t + off;
        u8 type = e[0], elen = e[1];
        if (elen < 2 || off + elen > len) return Error::Malformed;
        if (type == 1 && elen >= 12) {
            if (g_ioapic_count == kMaxIoApics) return Error::CapacityExceeded;
            g_ioapics[g_ioapic_count++] = IoApic{load_le32(e + 4), load_le32(e + 8), 0};
        } else if (type == 2 && elen >= 10 && e[2] == 0) { // bus 0: ISA
            if (g_override_count == kMaxOverrides) return Error::CapacityExceeded;
            g_overrides[g_override_count++] = Override{e[3], load_le32(e + 4), load_le16(e + 8)};
        } else if (type == 5 && elen >= 12) {
            lapic = load_le64(e + 4);
        }
        off += elen;
    }
    if (lapic != x86::lapic_base()) return Error::Unsupported; // relocated or x2APIC-only: not handled
    if (g_ioapic_count == 0) return Error::NotFound;
    return {};
}

// Enables this core's local APIC (spurious vector register) and accepts every priority.
void lapic_enable() {
    constexpr u32 kApicTpr = 0x80;
    mmio_write32(x86::lapic_base() + kApicTpr, 0);
    mmio_write32(x86::lapic_base() + x86::kApicSvr, 0x100 | x86::kVectorSpurious);
}

} // namespace

Status irq_init(bool boot_core) {
    x86::outb(0x21, 0xff); // mask both legacy PICs: only the APICs deliver interrupts
    x86::outb(0xa1, 0xff);
    lapic_enable();
    if (!boot_core) return {};
    g_ioapic_count = g_override_count = 0;
    TRY_STATUS(read_madt());
    // Every redirection entry starts masked; console_rx_irq_enable routes the one it needs.
    for (u32 i = 0; i < g_ioapic_count; ++i) {
        IoApic& a = g_ioapics[i];
        a.pins = ((ioapic_read(a, 1) >> 16) & 0xff) + 1; // version register: maximum redirection entry
        for (u32 pin = 0; pin < a.pins; ++pin) ioapic_write(a, 0x10 + 2 * pin, kRteMasked);
    }
    return {};
}

Result<u32> console_rx_irq_enable() {
    // ISA interrupts are edge-triggered and active high unless an override says otherwise.
    u32 gsi = kComIsaIrq;
    u16 flags = 0;
    for (u32 i = 0; i < g_override_count; ++i)
        if (g_overrides[i].isa_irq == kComIsaIrq) gsi = g_overrides[i].gsi, flags = g_overrides[i].flags;
    const IoApic* a = ioapic_of(gsi);
    if (!a) return Error::NotFound;
    if (gsi >= x86::kVectorIrqCount) return Error::OutOfRange; // no vector for it in the IDT
    u32 low = (x86::kVectorIrqBase + gsi) | kRteMasked; // fixed delivery, physical destination
    if ((flags & 3) == 3) low |= kRteActiveLow;
    if (((flags >> 2) & 3) == 3) low |= kRteLevel;
    u32 reg = 0x10 + 2 * (gsi - a->gsi_base);
    u32 apic_id = mmio_read32(x86::lapic_base() + x86::kApicId) >> 24;
    ioapic_write(*a, reg, low);
    ioapic_write(*a, reg + 1, apic_id << 24);
    // The 16550: no divisor latch access, FIFOs on and cleared with a 1-byte trigger, OUT2
    // (which gates the interrupt line on PCs), then the received-data interrupt.
    x86::outb(kCom1 + 3, x86::inb(kCom1 + 3) & 0x7f);
    x86::outb(kCom1 + 2, 0x07);
    x86::outb(kCom1 + 4, 0x0b);
    for (u8 b; console_read(b);) {} // drop stale bytes
    x86::outb(kCom1 + 1, 0x01);
    ioapic_write(*a, reg, low & ~kRteMasked);
    return gsi;
}

void irq_mask(u32 irq) { set_masked(irq, true); }
void irq_unmask(u32 irq) { set_masked(irq, false); }

bool console_read(u8& out) {
    if (!(x86::inb(kCom1 + 5) & 0x01)) return false; // LSR: data ready
    out = x86::inb(kCom1);
    return true;
}

} // namespace mosaic::arch

bool mosaic::x86::irq_handle(u64 vector) {
    if (vector < kVectorIrqBase || vector >= kVectorIrqBase + kVectorIrqCount) return false;
    u32 gsi = u32(vector - kVectorIrqBase);
    arch::irq_mask(gsi);
    mmio_write32(lapic_base() + kApicEoi, 0);
    cpudriver::on_irq(gsi);
    return true;
}
