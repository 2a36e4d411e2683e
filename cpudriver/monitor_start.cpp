// The monitor's start (see monitor_start.hpp) and the operations of the Kernel capability
// it invokes (sys::KernelOp). Policy (which core starts when, what runs where) is the
// monitor's; this is the mechanism.
#include "monitor_start.hpp"

#include "console.hpp"
#include "sched.hpp"

#include <mosaic/bundle.hpp>

namespace mosaic::cpudriver {

namespace {

// The monitor's RAM: its page tables and channel frames, and everything of the programs it
// loads (their frames, tables, CNodes and RAM): the core's dispatcher pool but for what the
// CPU driver keeps for the Dispatcher structs (one page each) and slack.
constexpr u64 kKeptForDispatchers = (Scheduler::kMaxDispatchers + 16) * kPageSize;

void fill_facts(BootFacts& f, const CoreState& c, u32 manifest_len) {
    const BootInfo& bi = *c.boot;
    f = BootFacts{};
    f.isa = u32(bi.isa);
    f.core_index = c.index;
    f.core_count = min(bi.core_count, BootFacts::kMaxCores);
    for (u32 i = 0; i < f.core_count; ++i) f.core_ids[i] = bi.core_ids[i];
    f.doorbell = arch::doorbell_id();
    f.boot_doorbell = c.boot_doorbell;
    f.counter_hz = arch::counter_hz();
    f.memory_count = min(bi.memory_count, BootFacts::kMaxRanges);
    for (u32 i = 0; i < f.memory_count; ++i) f.memory[i] = bi.memory[i];
    f.channel_size = c.channel_size;
    str_copy(f.bootargs, sizeof f.bootargs, bi.bootargs);
    f.fw_cfg_base = bi.fw_cfg;
    f.manifest_len = manifest_len;
    f.boot = c.channel_size == 0;
    f.irq_error = c.irq_error;
    const ConsoleDevice con = arch::console_device();
    f.console_kind = con.kind;
    f.console_base = con.base;
}

} // namespace

Result<bundle::View> open_image(const BootInfo& bi, bool check_crc) {
    u64 at = uptr(bi.bundle);
    usize limit = bundle::kDataOffset; // outside known RAM: only the header is trusted to exist
    for (u32 i = 0; i < bi.memory_count; ++i)
        if (at >= bi.memory[i].base && at < bi.memory[i].base + bi.memory[i].size)
            limit = usize(bi.memory[i].base + bi.memory[i].size - at);
    return check_crc ? bundle::View::open(bi.bundle, limit) : bundle::View::open_table(bi.bundle, limit);
}

[[noreturn]] void start_monitor(CoreState& core, u64 kernel_root) {
    const BootInfo& bi = *core.boot;
    auto sched = core_scheduler(core, kernel_root);
    if (!sched.ok()) panic("core {:x}: no scheduler: {}", core.hw_id, error_name(sched.error()));
    Scheduler& s = **sched;
    // The boot core checks the whole image (its CRC) before it starts any core.
    auto opened = open_image(bi, core.channel_size == 0);
    if (!opened.ok()) panic("image bundle unusable: {}", error_name(opened.error()));
    bundle::View view = *opened;
    auto program = view.find_module(bi.isa, "monitor");
    auto manifest = view.find(bundle::Kind::Manifest);
    if (!program.ok() || !manifest.ok()) panic("core {:x}: the image has no {} monitor or no manifest", core.hw_id, isa_name(bi.isa));
    BootFacts facts;
    fill_facts(facts, core, u32(manifest->size));
    StartData data;
    data.kernel[0] = reinterpret_cast<const u8*>(&facts);
    data.kernel_len[0] = sizeof facts;
    data.kernel[1] = view.data(*manifest);
    data.kernel_len[1] = usize(manifest->size);
    // What its own image takes (at most twice its pages, aligned, and its tables) stays out.
    const u64 image_bytes = 2 * (program->size + sys::kMaxStartData + kUserStackSize) + 32 * kPageSize;
    const u64 pool = s.pool_remaining(), kept = kKeptForDispatchers + image_bytes;
    const u64 ram = pool > kept ? (pool - kept) & ~(64 * 1024 - 1) : 0;
    auto m = s.spawn("monitor", view.data(*program), usize(program->size), 0, ram, data);
    if (!m.ok()) panic("core {:x}: the monitor does not load: {}", core.hw_id, error_name(m.error()));
    if ((*m)->id != sys::kMonitorId) panic("core {:x}: the monitor is not the first dispatcher", core.hw_id);
    // Its capabilities beyond its program's: the kernel, and the shared memory it talks over.
    Status st;
    auto give = [&](u32 slot, caps::CapType t, u64 base, u64 size, u8 rights) {
        if (st.ok()) st = s.caps().install((*m)->cnode, slot, t, base, size, rights);
    };
    using T = caps::CapType;
    const u8 rw = caps::kRead | caps::kWrite;
    give(sys::kSlotKernel, T::Kernel, 0, 0, rw);
    if (core.channel_size) give(sys::kSlotChannel, T::Frame, core.channel, core.channel_size, rw);
    // The boot monitor: the node's firmware configuration device, PCI configuration space
    // and the device memory BARs are in (the interconnect region among them), as ports or
    // memory; it finds its node, the devices and the region itself (monitor/hardware.cpp).
    if (!core.channel_size) {
        if (bi.fw_cfg) give(sys::kSlotFwCfg, T::DevFrame, bi.fw_cfg & ~(kPageSize - 1), kPageSize, rw);
        else if (bi.fw_cfg_port) give(sys::kSlotFwCfg, T::IoPort, bi.fw_cfg_port, 2, rw);
        if (bi.pci.ecam_base) // bus 0
            give(sys::kSlotPciConfig, T::DevFrame, bi.pci.ecam_base, min<u64>(bi.pci.ecam_size, 1 << 20), rw);
        else if (bi.pci.config_port) give(sys::kSlotPciConfig, T::IoPort, bi.pci.config_port, 8, rw);
        if (bi.pci.mmio_size) give(sys::kSlotDeviceMemory, T::DevFrame, bi.pci.mmio_base, bi.pci.mmio_size, rw);
    }
    // The console UART's registers, for the console service the monitor starts (Grant: it
    // passes them on): one page of device memory, or the eight ports of a 16550.
    const ConsoleDevice con = arch::console_device();
    if (con.kind == kConsole16550Port) give(sys::kSlotConsole, T::IoPort, con.base, 8, rw | caps::kGrant);
    else if (con.kind != kConsoleNone) give(sys::kSlotConsole, T::DevFrame, con.base & ~(kPageSize - 1), kPageSize, rw | caps::kGrant);
    // The image bundle, read-only: the programs it loads.
    const u64 bundle = uptr(bi.bundle) & ~(kPageSize - 1);
    give(sys::kSlotImageFile, T::Frame, bundle, align_up(uptr(bi.bundle) + view.total_size(), kPageSize) - bundle, caps::kRead);
    if (!st.ok()) panic("core {:x}: the monitor's capabilities: {}", core.hw_id, error_name(st.error()));
    s.run();
}

sys::Return Scheduler::kernel_op(Dispatcher* d, sys::KernelOp op, const sys::Args& a) {
    auto fail = [](Error e) { return sys::Return{u64(e), {}}; };
    CoreState& me = *arch::core_state();
    switch (op) {
    case sys::KernelOp::StartCore: {
        // Only the node's boot core starts cores: the others never touch another core's memory.
        if (me.hw_id != me.boot->boot_core) return fail(Error::PermissionDenied);
        // FIXME: the new core's monitor gets a capability for this frame by its physical
        // address, with no derivation link to this core's copy: if the boot monitor revoked the
        // RAM it came from and retyped it while the core runs, two owners would hold it.
        // Capabilities that span cores come with the distributed capability protocol (2PC).
        auto frame = caps_.find(d->cnode, a.arg[3], caps::CapType::Frame);
        if (!frame.ok()) return fail(frame.error());
        if ((*frame)->size < sys::kChannelBytes) return fail(Error::OutOfRange);
        auto hw = start_core(u32(a.arg[2]), (*frame)->base, (*frame)->size);
        if (!hw.ok()) return fail(hw.error());
        return {0, {*hw}};
    }
    case sys::KernelOp::Dispatch: {
        // Decode: a CNode capability, a root table capability of this ISA's root level with
        // entries only where the user's may be, an entry point in the window.
        sys::DispatchRequest req;
        auto got = copy_from_user(d, a.arg[2], &req, sizeof req);
        if (!got.ok()) return fail(got.error());
        req.name[sizeof req.name - 1] = 0;
        auto cnode = caps_.find(d->cnode, req.cnode, caps::CapType::CNode);
        const caps::CapType root_type = caps::page_table_type(int(caps::kPtLevels - arch::mmu::levels()));
        auto root = caps_.find(d->cnode, req.root, root_type);
        if (!cnode.ok() || !root.ok()) return fail(!cnode.ok() ? cnode.error() : root.error());
        const u8 rw = caps::kRead | caps::kWrite;
        if (((*cnode)->rights & rw) != rw || ((*root)->rights & rw) != rw) return fail(Error::PermissionDenied);
        const u64 window = arch::user_window_base(), shift = arch::mmu::root_shift();
        Status ok = check_new_root(reinterpret_cast<const u64*>(uptr((*root)->base)), arch::mmu::is_valid,
                                   (window >> shift) & 511, (user_heap_base() >> shift) & 511, window, req.entry);
        if (!ok.ok()) return fail(ok.error());
        // Invoke: its Dispatcher capability to the caller, once the slot is known empty.
        auto empty = caps_.table().lookup(d->cnode, caps::CPtr{req.dispatcher}, caps::Want::Empty);
        if (!empty.ok()) return fail(empty.error());
        const u16 space = (*cnode)->object;
        auto child = dispatch(req.name, space, (*root)->base, req.entry, req.arg);
        if (!child.ok()) return fail(child.error());
        const u32 id = (*child)->id;
        (void)caps_.install_at(d->cnode, req.dispatcher, caps::CapType::Dispatcher, id, rw);
        (void)caps_.install(space, sys::kSlotMonitorEp, caps::CapType::Endpoint, d->id, 0, caps::kWrite, id);
        return {0, {id}};
    }
    case sys::KernelOp::Doorbell:
        arch::doorbell_ring(a.arg[2]);
        return {};
    case sys::KernelOp::PowerOff:
        arch::power_off(a.arg[2] == 1);
    case sys::KernelOp::IrqCap: {
        // The console's receive interrupt, routed to this core (the only device kind yet).
        if (a.arg[2] != sys::kIrqConsoleRx) return fail(Error::InvalidArgument);
        if (auto slot = caps_.table().lookup(d->cnode, caps::CPtr{a.arg[3]}, caps::Want::Empty); !slot.ok()) return fail(slot.error());
        auto line = arch::console_rx_irq_enable();
        if (!line.ok()) return fail(line.error());
        return {u64(caps_.install_at(d->cnode, a.arg[3], caps::CapType::Irq, *line, caps::kAllRights & ~caps::kExecute).error()), {*line}};
    }
    }
    return fail(Error::InvalidArgument);
}

} // namespace mosaic::cpudriver
