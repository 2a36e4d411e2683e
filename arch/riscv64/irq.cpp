// riscv64 device interrupts: the PLIC (RISC-V PLIC spec v1.0.0), its supervisor context
// for each hart found from the device tree's interrupts-extended, and the console's receive
// interrupt (an NS16550, or a SiFive UART: FU540-C000 manual ch. 13). A line is masked by giving its source priority 0, which holds for
// every context.
#include "csr.hpp"

#include <mosaic/cpudriver/arch.hpp>
#include <mosaic/fmt.hpp>
#include <mosaic/mmio.hpp>
#include <mosaic/uart.hpp>

namespace mosaic::arch {

namespace {
using riscv::g_platform;

constexpr u64 kPlicEnable = 0x2000, kPlicEnableStride = 0x80, kPlicContext = 0x200000, kPlicContextStride = 0x1000;
constexpr u32 kIrqSupervisorExternal = 9;
constexpr u32 kMaxSources = 1023;

// Set by the boot core's irq_init; each core writes only its own slot of g_context.
u64 g_plic = 0;
u32 g_plic_phandle = 0, g_sources = 0;
u32 g_context[BootInfo::kMaxCores];

Result<Dtb> device_tree() {
    const u8* blob = core_state()->boot->dtb;
    if (!blob) return Error::NotFound;
    return Dtb::parse(blob, 1u << 20);
}

Result<DtbNode> find_plic(const Dtb& dtb) {
    auto n = dtb.find_compatible("sifive,plic-1.0.0");
    return n.ok() ? n : dtb.find_compatible("riscv,plic0");
}

bool name_starts(const char* name, const char* prefix) {
    while (*prefix)
        if (*name++ != *prefix++) return false;
    return true;
}

// The phandle of the interrupt controller ("riscv,cpu-intc") inside /cpus/cpu@N for hart.
Result<u32> hart_intc_phandle(const Dtb& dtb, u64 hart) {
    bool in_cpus = false, this_cpu = false;
    u32 phandle = 0;
    TRY_STATUS(dtb.walk([&](const DtbNode& n) {
        if (n.depth == 1) in_cpus = str_eq(n.name, "cpus");
        if (n.depth == 2) {
            auto r = dtb.reg(n, 0);
            this_cpu = in_cpus && name_starts(n.name, "cpu@") && r.ok() && r->base == hart;
        }
        if (n.depth == 3 && this_cpu) {
            auto c = dtb.prop(n, "compatible");
            auto p = dtb.prop(n, "phandle");
            if (c.ok() && c->has_string("riscv,cpu-intc") && p.ok()) phandle = p->cell(0);
        }
        return phandle == 0;
    }));
    if (phandle == 0) return Error::NotFound;
    return phandle;
}

// The PLIC context that raises hart's supervisor external interrupt: the position of the
// (this hart's cpu-intc, 9) pair in interrupts-extended. The cpu-intc has one interrupt
// cell, so every entry is two cells (OpenSBI hides M-mode contexts as phandle -1).
Result<u32> supervisor_context(const Dtb& dtb, const DtbNode& plic, u64 hart) {
    u32 intc = TRY(hart_intc_phandle(dtb, hart));
    auto ext = TRY(dtb.prop(plic, "interrupts-extended"));
    for (u32 i = 0; 2 * i + 1 < ext.len / 4; ++i)
        if (ext.cell(2 * i) == intc && ext.cell(2 * i + 1) == kIrqSupervisorExternal) return i;
    return Error::NotFound;
}

u64 priority_reg(u32 src) { return g_plic + 4 * src; }
u64 enable_reg(u32 ctx, u32 src) { return g_plic + kPlicEnable + kPlicEnableStride * ctx + 4 * (src / 32); }
u64 threshold_reg(u32 ctx) { return g_plic + kPlicContext + kPlicContextStride * ctx; }
u64 claim_reg(u32 ctx) { return threshold_reg(ctx) + 4; }

u32 my_slot() { return u32(core_state()->hw_id); }

} // namespace

Status irq_init(bool boot_core) {
    auto dtb = TRY(device_tree());
    auto plic = TRY(find_plic(dtb));
    u64 hart = core_state()->hw_id;
    if (hart >= BootInfo::kMaxCores) return Error::OutOfRange;
    if (boot_core) {
        g_plic = TRY(dtb.address(plic, 0)).base;
        auto ndev = TRY(dtb.prop(plic, "riscv,ndev"));
        auto ph = TRY(dtb.prop(plic, "phandle"));
        g_sources = ndev.cell(0) < kMaxSources ? ndev.cell(0) : kMaxSources;
        g_plic_phandle = ph.cell(0);
        for (u32 src = 1; src <= g_sources; ++src) mmio_write32(priority_reg(src), 0); // all masked
    }
    if (!g_plic) return Error::NotFound; // the boot core has not found the PLIC
    u32 ctx = TRY(supervisor_context(dtb, plic, hart));
    g_context[hart] = ctx;
    for (u32 src = 0; src <= g_sources; src += 32) mmio_write32(enable_reg(ctx, src), 0);
    mmio_write32(threshold_reg(ctx), 0); // every priority above 0 interrupts
    MOSAIC_CSR_SET(sie, riscv::kSieSeie | riscv::kSieSsie); // devices, and the doorbell
    return {};
}

Result<u32> console_rx_irq_enable() {
    auto dtb = TRY(device_tree());
    auto uart = TRY(dtb.console_node(uart::kCompatibles)); // the one platform.cpp chose
    auto irqs = TRY(dtb.prop(uart, "interrupts"));
    if (auto parent = dtb.prop(uart, "interrupt-parent"); parent.ok() && parent->cell(0) != g_plic_phandle)
        return Error::Unsupported; // wired to another interrupt controller
    u32 src = irqs.cell(0);
    if (src == 0 || src > g_sources) return Error::OutOfRange;
    u32 ctx = g_context[my_slot()];
    mmio_write32(enable_reg(ctx, src), mmio_read32(enable_reg(ctx, src)) | 1u << (src % 32));
    u64 u = g_platform.uart;
    const u32 kind = g_platform.uart_kind;
    if (kind == kConsoleSifive) { // transmit and receive on, stale bytes dropped, then the
        mmio_write32(u + 0x08, mmio_read32(u + 0x08) | 1); // receive watermark interrupt
        mmio_write32(u + 0x0c, 1);                           // (rxcnt 0: any byte)
        for (u8 b; console_read(b);) {}
        mmio_write32(u + 0x10, 2);
        irq_unmask(src);
        return src;
    }
    // The 16550: no divisor latch access, FIFOs on and cleared with a 1-byte trigger, OUT2,
    // stale bytes dropped, then the received-data interrupt.
    if (kind != kConsole16550Mmio && kind != kConsole16550Mmio32) return Error::Unsupported;
    uart::reg_write(kind, u, 3, uart::reg_read(kind, u, 3) & 0x7f);
    uart::reg_write(kind, u, 2, 0x07);
    uart::reg_write(kind, u, 4, 0x0b);
    for (u8 b; console_read(b);) {}
    uart::reg_write(kind, u, 1, 0x01);
    irq_unmask(src);
    return src;
}

void irq_mask(u32 irq) {
    if (irq >= 1 && irq <= g_sources) mmio_write32(priority_reg(irq), 0);
}
void irq_unmask(u32 irq) {
    if (irq >= 1 && irq <= g_sources) mmio_write32(priority_reg(irq), 1);
}

bool console_read(u8& out) { return g_platform.uart && uart::get(g_platform.uart_kind, g_platform.uart, out); }

} // namespace mosaic::arch

namespace mosaic::arch {
// The doorbell is the supervisor software interrupt, sent through the SBI IPI extension.
u64 doorbell_id() { return core_state()->hw_id; }
void doorbell_ring(u64 id) { riscv::sbi_call(riscv::kSbiIpi, 0, 1, id); }
} // namespace mosaic::arch

void mosaic::riscv::irq_handle(u64 code) {
    if (code == kIrqSupervisorSoftware) { // a doorbell: it woke us
        asm volatile("csrc sip, %0" ::"r"(kSieSsie));
        cpudriver::on_doorbell();
        return;
    }
    if (code != arch::kIrqSupervisorExternal || !arch::g_plic) return;
    u32 ctx = arch::g_context[arch::my_slot()];
    // Claim every pending source of this context; each is masked and completed before it is reported.
    for (u32 src; (src = mmio_read32(arch::claim_reg(ctx))) != 0;) {
        arch::irq_mask(src);
        mmio_write32(arch::claim_reg(ctx), src);
        cpudriver::on_irq(src);
    }
}
