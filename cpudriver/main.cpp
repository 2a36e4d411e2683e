// The generic CPU driver: the boot sequence the boot core's driver runs after its ISA's
// boot code has filled BootInfo. Read top to bottom, it is the list of boot steps; every
// step is mechanism, and everything after the last one is the monitor's.
#include "console.hpp"
#include "fwcfg.hpp"
#include "kmap.hpp"
#include "monitor_start.hpp"
#include "pci.hpp"
#include "sched.hpp"

#include <mosaic/board.hpp>
#include <mosaic/bundle.hpp>

extern "C" char __boot_stack_top[];

namespace mosaic::cpudriver {

namespace {

// The boot core's state; the others carve theirs in smp.cpp.
CoreState g_boot_core;

CoreState& self() { return *arch::core_state(); }

// The PCI function that maps the interconnect region: QEMU's ivshmem-plain (Red Hat's ids),
// its shared memory in BAR 2.
constexpr u16 kIvshmemVendor = 0x1af4, kIvshmemDevice = 0x1110;
constexpr u32 kIvshmemSharedBar = 2;

void print_banner(const BootInfo& bi) {
    kprint("\nMosaic CPU driver on {} core {} (firmware: {})\n", isa_name(bi.isa), bi.boot_core, bi.firmware);
    u64 total = 0;
    for (u32 i = 0; i < bi.memory_count; ++i) {
        kprint("  memory {:016x}-{:016x} ({} MiB)\n", bi.memory[i].base, bi.memory[i].base + bi.memory[i].size,
               bi.memory[i].size >> 20);
        total += bi.memory[i].size;
    }
    kprint("  {} MiB usable in {} ranges; {} cores discovered:", total >> 20, bi.memory_count, bi.core_count);
    for (u32 i = 0; i < bi.core_count; ++i) kprint(" {:x}", bi.core_ids[i]);
    kprint("\n");
}

// Finds and parses the board manifest from the bundle.
Result<BoardProfile> read_manifest(const BootInfo& bi) {
    auto view = TRY(open_image(bi, true));
    auto entry = TRY(view.find(bundle::Kind::Manifest));
    BoardError err;
    auto board = parse_board(reinterpret_cast<const char*>(view.data(entry)), usize(entry.size), err);
    if (!board.ok()) kprint("  manifest line {} field '{}': {}\n", err.line, err.field, err.message);
    return board;
}

// Which node of the board this is: as the runner says (fw_cfg or bootargs) when it does (and
// the ISA agrees), otherwise the first node of this ISA.
Result<u32> node_index(const BoardProfile& board, const CoreState& c) {
    const BootInfo& bi = *c.boot;
    if (c.params_given & (1u << kParamNode)) {
        u64 given = c.params[kParamNode];
        if (given < board.node_count && board.nodes[given].isa == bi.isa) return u32(given);
        kprint("  the runner names node {}, which is not a {} node of this board\n", given, isa_name(bi.isa));
    }
    return board.node_of(bi.isa);
}

// The runner's boot parameters, read once here; every other core gets a copy.
void read_params(CoreState& c) {
    for (u32 i = 0; i < kParamCount; ++i) {
        auto v = boot_param(*c.boot, kBootParamNames[i]);
        if (!v.ok()) continue;
        c.params[i] = *v;
        c.params_given |= 1u << i;
    }
}

// The functions on PCI bus 0 and, on a board of several nodes, the interconnect region
// (its BAR assigned here where no firmware did), for the monitor.
void find_devices(CoreState& c, const BoardProfile& board) {
    const BootInfo& bi = *c.boot;
    if (!bi.pci.present) return;
    Pci pci(bi.pci);
    PciDevice found[Pci::kMaxScan];
    u32 n = min(pci.scan(found, Pci::kMaxScan), Pci::kMaxScan);
    for (u32 i = 0; i < n && c.pci_count < BootFacts::kMaxPci; ++i)
        c.pci[c.pci_count++] = {u8(found[i].at.dev), u8(found[i].at.fn), found[i].base_class, found[i].sub_class,
                                found[i].vendor, found[i].device};
    if (board.node_count < 2) return;
    auto dev = pci.find(kIvshmemVendor, kIvshmemDevice);
    u64 size = 0;
    auto base = dev.ok() ? pci.map_bar64(*dev, kIvshmemSharedBar, size) : Result<u64>(dev.error());
    if (!base.ok() || size < board.interconnect) {
        kprint("  interconnect: no region on PCI ({})\n", base.ok() ? "too small" : error_name(base.error()));
        return;
    }
    c.region = *base;
    c.region_size = size;
    kprint("  interconnect: {} MiB at {:x}\n", size >> 20, *base);
}

} // namespace

[[noreturn]] void on_trap(const TrapInfo& info) {
    CoreState& me = self();
    kprint("\nPANIC: unexpected trap in the CPU driver on {} core {}: {} (cause {:x}) at pc {:x}, address {:x}\n",
           isa_name(me.boot->isa), me.hw_id, trap_kind_name(info.kind), info.cause, info.pc, info.address);
    arch::power_off(false);
}

void on_tick() { self().ticks = self().ticks + 1; }

void on_doorbell() { self().doorbell = true; }

[[noreturn]] void main(BootInfo& bi) {
    CoreState& core = g_boot_core;
    core.boot = &bi;
    core.hw_id = bi.boot_core;
    // Every entry from user mode starts on the boot stack again (every arch/<isa>/cpudriver.ld
    // defines __boot_stack_top): main's frame is gone once dispatchers run.
    core.stack_top = u64(uptr(__boot_stack_top));
    for (u32 i = 0; i < bi.core_count; ++i)
        if (bi.core_ids[i] == bi.boot_core) core.index = i;
    const u64 slot = core_memory(bi, core.index);
    core.user_pool = slot + kCoreUserPool;
    core.user_pool_size = kCoreUserPoolSize;
    arch::set_core_state(&core);
    if (!slot) panic("no room for {} cores of {} KiB each in one RAM range after the image", bi.core_count,
                     kCoreMemory >> 10);
    // 1. Say who we are and what the firmware told us.
    print_banner(bi);
    // 2. Find the board manifest in the image we were booted from, and our node in it.
    read_params(core);
    auto board = read_manifest(bi);
    if (!board.ok()) panic("image bundle or manifest unusable: {}", error_name(board.error()));
    auto node = node_index(*board, core);
    if (!node.ok()) panic("board '{}' has no {} node", board->name, isa_name(bi.isa));
    core.node = *node;
    kprint("  board {}: node '{}' ({} of {} nodes, {})\n", board->name, board->nodes[*node].name, *node + 1,
           board->node_count, core.params_given & (1u << kParamNode) ? "named by the runner" : "the first node of this ISA");
    // 3. Exceptions and system calls: this core's trap vectors.
    arch::traps_init();
    // 4. This core's own kernel address space, and the MMU on.
    auto root = boot_kernel_map(bi);
    if (!root.ok()) panic("no kernel map: {}", error_name(root.error()));
    // 5. Device interrupts: this node's interrupt controller.
    auto irq = arch::irq_init(true);
    core.irq_error = u16(irq.ok() ? Error::Ok : irq.error());
    if (!irq.ok()) kprint("  interrupt controller: {}\n", error_name(irq.error()));
    // 6. The devices the monitor needs to know of: PCI bus 0 and the interconnect region.
    find_devices(core, *board);
    // 7. The timer: time slices for the dispatchers.
    arch::timer_start(kTimerHz);
    // 8. The monitor: from here on, everything is its doing.
    start_monitor(core, *root);
}

} // namespace mosaic::cpudriver
