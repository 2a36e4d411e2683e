// Boot facts from a device tree (aarch64 and riscv64 firmware hand one over):
// memory, cores, and the PCI host bridge with its 32-bit memory window.
#include <mosaic/bootinfo.hpp>

namespace mosaic {

namespace {

// Reads ECAM and the first 32-bit memory window of a generic PCIe host bridge.
void pci_from_dtb(BootInfo& bi, const Dtb& dtb) {
    auto host = dtb.find_compatible("pci-host-ecam-generic");
    if (!host.ok()) return;
    auto ecam = dtb.address(*host, 0);
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

// Sorts the memory ranges and merges those that overlap or touch: a device tree that lists
// a range twice, or ranges that overlap, must not make the allocators hand out a frame twice.
static Status normalise_memory(BootInfo& bi) {
    Range* m = bi.memory;
    for (u32 i = 0; i < bi.memory_count; ++i)
        if (m[i].base + m[i].size < m[i].base) return Error::Malformed; // wraps around
    for (u32 i = 1; i < bi.memory_count; ++i)
        for (u32 j = i; j > 0 && m[j].base < m[j - 1].base; --j) {
            Range t = m[j];
            m[j] = m[j - 1];
            m[j - 1] = t;
        }
    u32 n = 0;
    for (u32 i = 0; i < bi.memory_count; ++i) {
        if (n && m[i].base <= m[n - 1].base + m[n - 1].size) {
            u64 end = m[i].base + m[i].size;
            if (end > m[n - 1].base + m[n - 1].size) m[n - 1].size = end - m[n - 1].base;
        } else {
            m[n++] = m[i];
        }
    }
    bi.memory_count = n;
    return {};
}

// Takes the firmware's reservations out of the memory ranges (a range may split in two).
static Status take_out_reserved(BootInfo& bi, const Dtb& dtb) {
    Range held[BootInfo::kMaxRanges];
    u32 count = TRY(dtb.reserved(held, BootInfo::kMaxRanges));
    for (u32 h = 0; h < count; ++h) {
        const u64 lo = held[h].base, hi = held[h].base + held[h].size;
        if (hi < lo) return Error::Malformed; // wraps around
        for (u32 i = 0; i < bi.memory_count; ++i) {
            Range& m = bi.memory[i];
            const u64 end = m.base + m.size;
            if (hi <= m.base || lo >= end) continue;
            if (lo > m.base && hi < end) { // a hole in the middle: the part above becomes a new range
                if (bi.memory_count == BootInfo::kMaxRanges) return Error::CapacityExceeded;
                bi.memory[bi.memory_count++] = {hi, end - hi};
                m.size = lo - m.base;
            } else if (lo > m.base) {
                m.size = lo - m.base;
            } else {
                m.base = hi < end ? hi : end;
                m.size = end - m.base;
            }
        }
    }
    u32 n = 0; // ranges reserved away entirely are dropped
    for (u32 i = 0; i < bi.memory_count; ++i)
        if (bi.memory[i].size) bi.memory[n++] = bi.memory[i];
    bi.memory_count = n;
    return normalise_memory(bi); // (back in address order)
}

Status bootinfo_from_dtb(BootInfo& bi, const Dtb& dtb, const char** why) {
    const char* unused;
    if (!why) why = &unused;
    *why = "its memory ranges";
    bi.memory_count = TRY(dtb.memory(bi.memory, BootInfo::kMaxRanges));
    if (!bi.memory_count) return Error::NotFound;
    TRY_STATUS(normalise_memory(bi));
    *why = "its reserved memory (/memreserve/, /reserved-memory)";
    TRY_STATUS(take_out_reserved(bi, dtb));
    *why = "its memory ranges, once the reserved memory is taken out";
    if (!bi.memory_count) return Error::NotFound;
    *why = "its cores (/cpus)";
    bi.core_count = TRY(dtb.cpus(bi.core_ids, BootInfo::kMaxCores));
    if (!bi.core_count) return Error::NotFound;
    bool booted_here = false;
    for (u32 i = 0; i < bi.core_count; ++i) {
        booted_here |= bi.core_ids[i] == bi.boot_core;
        for (u32 j = 0; j < i; ++j)
            if (bi.core_ids[j] == bi.core_ids[i]) return Error::Malformed; // one core listed twice
    }
    *why = "the core it booted on is not among its cores";
    if (!booted_here) return Error::NotFound;
    *why = "";
    pci_from_dtb(bi, dtb);
    if (auto chosen = dtb.find_path("/chosen"); chosen.ok())
        if (auto args = dtb.prop(*chosen, "bootargs"); args.ok() && args->len && args->data[args->len - 1] == 0)
            bi.bootargs = reinterpret_cast<const char*>(args->data);
    if (auto fw = dtb.find_compatible("qemu,fw-cfg-mmio"); fw.ok())
        if (auto r = dtb.address(*fw, 0); r.ok()) bi.fw_cfg = r->base;
    return {};
}

} // namespace mosaic
