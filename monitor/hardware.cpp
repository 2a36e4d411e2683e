// See hardware.hpp.
#include "hardware.hpp"

#include <mosaic/fwcfg.hpp>
#include <mosaic/mmio.hpp>
#include <mosaic/pci.hpp>
#include <mosaic/user/caps.hpp>
#include <mosaic/user/sys.hpp>

namespace mosaic::monitor {

namespace {

using caps::CPtr;

// The PCI function that maps the interconnect region: QEMU's ivshmem-plain (Red Hat's ids),
// its shared memory in BAR 2.
constexpr u16 kIvshmemVendor = 0x1af4, kIvshmemDevice = 0x1110;
constexpr u32 kIvshmemSharedBar = 2;

// A device reached through a capability: an I/O port range, or a device frame mapped at `va`.
struct Device {
    CPtr cap;
    bool ports = false;
    u64 va = 0;
    CPtr copy; // the mapped copy, deleted (unmapped) when done
};

// The device in `slot`: NotFound if the CPU driver gave none. A device frame is mapped in
// scratch table 0 of vs (at most its first `max_pages` pages), through a copy made for it.
Result<Device> open_device(u32 slot, user::Vspace& vs, u32 max_pages) {
    Device d{CPtr::at(slot), false, 0, {}};
    auto c = user::cap::identify(d.cap);
    if (!c.ok() || c->type == caps::CapType::Null) return Error::NotFound;
    if (c->type == caps::CapType::IoPort) {
        d.ports = true;
        return d;
    }
    if (c->type != caps::CapType::DevFrame) return Error::WrongType;
    d.copy = vs.fresh_slot();
    if (Error e = user::cap::copy(d.cap, d.copy); e != Error::Ok) return e;
    const u32 pages = u32(min<u64>(c->size / caps::kPageSize, max_pages));
    auto va = vs.map_scratch(0, 0, d.copy, 0, pages, caps::kRead | caps::kWrite);
    if (!va.ok()) {
        (void)user::cap::slot_op(caps::Op::Delete, d.copy);
        return va.error();
    }
    d.va = *va;
    return d;
}

void close_device(const Device& d) {
    if (d.va) (void)user::cap::slot_op(caps::Op::Delete, d.copy);
}

// fw_cfg: selector (16 bits) and data (8 bits), at ports base, base+1 or at +8 and +0 in memory.
struct FwCfgDevice {
    Device dev;
    u64 offset; // of the registers in the mapped page
};
void fw_select(void* c, u16 key) {
    auto& f = *static_cast<FwCfgDevice*>(c);
    if (f.dev.ports) (void)user::cap::io_write(f.dev.cap, 0, key, 2);
    else mmio_write16_be(f.dev.va + f.offset + 8, key);
}
u8 fw_read8(void* c) {
    auto& f = *static_cast<FwCfgDevice*>(c);
    if (!f.dev.ports) return mmio_read8(f.dev.va + f.offset);
    auto v = user::cap::io_read(f.dev.cap, 1, 1);
    return v.ok() ? u8(*v) : 0;
}

// PCI configuration space: bus 0 of ECAM in memory, or the address/data ports
// (configuration mechanism #1: the address register takes enable | device | function | register).
u32 config_address(const PciFunction& f, u32 off) { return 0x80000000u | f.dev << 11 | f.fn << 8 | (off & 0xfc); }
u32 pci_read(void* c, const PciFunction& f, u32 off) {
    auto& d = *static_cast<Device*>(c);
    if (f.bus != 0) return 0xffffffffu; // bus 0 only: the capability covers no more
    if (!d.ports) return mmio_read32(d.va + pci_ecam_offset(f, off));
    if (user::cap::io_write(d.cap, 0, config_address(f, off), 4) != Error::Ok)
        return 0xffffffffu;
    auto v = user::cap::io_read(d.cap, 4, 4);
    return v.ok() ? *v : 0xffffffffu;
}
void pci_write(void* c, const PciFunction& f, u32 off, u32 v) {
    auto& d = *static_cast<Device*>(c);
    if (f.bus != 0) return;
    if (!d.ports) return mmio_write32(d.va + pci_ecam_offset(f, off), v);
    if (user::cap::io_write(d.cap, 0, config_address(f, off), 4) == Error::Ok)
        (void)user::cap::io_write(d.cap, 4, v, 4);
}

// The interconnect region: its BAR, cut from the device memory into kSlotRegion.
Status map_region(BootFacts& f, const BoardProfile& board, const Pci& pci) {
    const PciFunction dev = TRY(pci.find(kIvshmemVendor, kIvshmemDevice));
    auto window = user::cap::identify(CPtr::at(sys::kSlotDeviceMemory));
    if (!window.ok() || window->type != caps::CapType::DevFrame) return Error::NotFound;
    u64 size = 0;
    const u64 base = TRY(pci.map_bar64(dev, kIvshmemSharedBar, window->base, window->size, size));
    if (size < board.interconnect) return Error::OutOfRange;
    if (base < window->base || base - window->base > window->size || window->size - (base - window->base) < size)
        return Error::OutOfRange; // firmware put it outside the device memory we hold
    Error e = user::cap::retype(CPtr::at(sys::kSlotDeviceMemory), CPtr::at(sys::kSlotRegion), caps::CapType::DevFrame,
                                size, 1, base - window->base);
    if (e != Error::Ok) return e;
    f.region_phys = base;
    f.region_size = size;
    return {};
}

} // namespace

void read_boot_params(BootFacts& f, user::Vspace& vs) {
    FwCfgDevice dev{};
    auto opened = open_device(sys::kSlotFwCfg, vs, 1);
    if (opened.ok()) dev = {*opened, f.fw_cfg_base & (caps::kPageSize - 1)};
    const FwCfgAccess io{&dev, fw_select, fw_read8};
    const FwCfg fw(io);
    const bool has_fw = opened.ok() && fw.present();
    f.bootargs[sizeof f.bootargs - 1] = 0;
    for (u32 i = 0; i < kParamCount; ++i) {
        auto v = boot_param(has_fw ? &fw : nullptr, f.bootargs, kBootParamNames[i]);
        if (v.ok()) {
            f.params[i] = *v;
            f.params_given |= 1u << i;
        } else if (v.error() != Error::NotFound) {
            user::print("monitor: boot parameter '{}' ignored: {}\n", kBootParamNames[i], error_name(v.error()));
        }
    }
    if (opened.ok()) close_device(*opened);
}

Result<u32> choose_node(const BoardProfile& board, const BootFacts& f) {
    const Isa isa = Isa(f.isa);
    u32 node = 0;
    const bool named = f.has(kParamNode) && f.params[kParamNode] < board.node_count &&
                       board.nodes[f.params[kParamNode]].isa == isa;
    if (named) {
        node = u32(f.params[kParamNode]);
    } else {
        if (f.has(kParamNode))
            user::print("monitor: the runner names node {}, which is not a {} node of this board\n", f.params[kParamNode],
                        isa_name(isa));
        node = TRY(board.node_of(isa));
    }
    user::print("  board {}: node '{}' ({} of {} nodes, {})\n", board.name, board.nodes[node].name, node + 1,
                board.node_count, named ? "named by the runner" : "the first node of this ISA");
    return node;
}

void find_devices(BootFacts& f, const BoardProfile& board, user::Vspace& vs) {
    auto config = open_device(sys::kSlotPciConfig, vs, 256);
    if (!config.ok()) {
        if (board.node_count > 1) user::print("  interconnect: no PCI ({})\n", error_name(config.error()));
        return;
    }
    Device dev = *config;
    const Pci pci(PciConfigAccess{&dev, pci_read, pci_write});
    PciDevice found[Pci::kMaxScan];
    const u32 n = min(pci.scan(found, Pci::kMaxScan), Pci::kMaxScan);
    f.pci_count = 0;
    for (u32 i = 0; i < n && f.pci_count < BootFacts::kMaxPci; ++i)
        f.pci[f.pci_count++] = {u8(found[i].at.dev), u8(found[i].at.fn), found[i].base_class, found[i].sub_class,
                                found[i].vendor, found[i].device};
    if (board.node_count > 1) {
        Status st = map_region(f, board, pci);
        if (st.ok()) user::print("  interconnect: {} MiB at {:x}\n", f.region_size >> 20, f.region_phys);
        else user::print("  interconnect: no region on PCI ({})\n", error_name(st.error()));
    }
    close_device(dev);
}

} // namespace mosaic::monitor
