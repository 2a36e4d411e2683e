// Boot facts from a device tree (aarch64 and riscv64 firmware hand one over):
// memory, cores, and the PCI host bridge with its 32-bit memory window.
#include <mosaic/bootinfo.hpp>

namespace mosaic {

namespace {

// Reads ECAM and the first 32-bit memory window of a generic PCIe host bridge.
void pci_from_dtb(BootInfo& bi, const Dtb& dtb) {
    auto host = dtb.find_compatible("pci-host-ecam-generic");
    if (!host.ok()) return;
    auto ecam = dtb.reg(*host, 0);
    auto ranges = dtb.prop(*host, "ranges");
    if (!ecam.ok() || !ranges.ok()) return;
    // Each range: child address (3 cells: space code, high, low), parent address, size.
    u32 parent = host->addr_cells, child = host->child_addr_cells, size = 2;
    u32 per = child + parent + size;
    if (child != 3 || parent > 2) return;
    for (u32 i = 0; (i + 1) * per * 4 <= ranges->len; ++i) {
        u32 space = (ranges->cell(i * per) >> 24) & 3;
        if (space != 2) continue; // 32-bit memory space
        bi.pci.mmio_base = ranges->cells(i * per + child, parent);
        bi.pci.mmio_size = ranges->cells(i * per + child + parent, size);
        bi.pci.ecam_base = ecam->base;
        bi.pci.ecam_size = ecam->size;
        bi.pci.present = true;
        return;
    }
}

} // namespace

Status bootinfo_from_dtb(BootInfo& bi, const Dtb& dtb) {
    bi.memory_count = TRY(dtb.memory(bi.memory, BootInfo::kMaxRanges));
    bi.core_count = TRY(dtb.cpus(bi.core_ids, BootInfo::kMaxCores));
    pci_from_dtb(bi, dtb);
    if (auto chosen = dtb.find_path("/chosen"); chosen.ok())
        if (auto args = dtb.prop(*chosen, "bootargs"); args.ok() && args->len && args->data[args->len - 1] == 0)
            bi.bootargs = reinterpret_cast<const char*>(args->data);
    if (auto fw = dtb.find_compatible("qemu,fw-cfg-mmio"); fw.ok())
        if (auto r = dtb.reg(*fw, 0); r.ok()) bi.fw_cfg = r->base;
    return {};
}

} // namespace mosaic
