// libFuzzer target for the readers that face untrusted bytes at boot: the input's first byte
// picks one, the rest is its input. 0: the image bundle (View::open and every entry found),
// 1: a board manifest, 2: a device tree and the boot facts read from it (bootinfo_from_dtb),
// 3: an ELF file and the plan of a user image from it, 4: a fw_cfg device whose bytes are the
// input (the runner's parameters read through it), 5: a PCI configuration space whose
// registers are the input (scan and BAR assignment). Any crash or sanitizer report fails.
#include <mosaic/board.hpp>
#include <mosaic/bootinfo.hpp>
#include <mosaic/bundle.hpp>
#include <mosaic/dtb.hpp>
#include <mosaic/elf.hpp>
#include <mosaic/fwcfg.hpp>
#include <mosaic/pci.hpp>
#include <mosaic/user_image.hpp>

#include <cstring>
#include <vector>

using namespace mosaic;

namespace {

// A device whose every byte comes from the input, in order, then zeros.
struct Stream {
    const u8* p;
    usize n, at = 0;
    u8 next() { return at < n ? p[at++] : 0; }
    u32 next32() { return u32(next()) | u32(next()) << 8 | u32(next()) << 16 | u32(next()) << 24; }
};

void bundle_input(const u8* p, usize n) {
    std::vector<u8> copy(p, p + n); // View keeps pointers: a buffer that lives through the run
    auto v = bundle::View::open_table(copy.data(), copy.size()); // past the CRC: the table itself
    if (!v.ok()) return;
    for (auto kind : {bundle::Kind::Manifest, bundle::Kind::Facts})
        if (auto e = v->find(kind); e.ok()) (void)v->data(*e);
    for (Isa isa : {Isa::X86_64, Isa::Aarch64, Isa::Riscv64}) {
        (void)v->find(bundle::Kind::CpuDriver, isa);
        (void)v->find_module(isa, "monitor");
    }
}

void board_input(const u8* p, usize n) {
    BoardError err;
    auto b = parse_board(reinterpret_cast<const char*>(p), n, err);
    if (b.ok()) (void)b->total_cores();
}

void dtb_input(const u8* p, usize n) {
    std::vector<u8> copy(p, p + n);
    auto d = Dtb::parse(copy.data(), copy.size());
    if (!d.ok()) return;
    BootInfo bi;
    (void)bootinfo_from_dtb(bi, *d);
    if (auto c = d->console_node("ns16550a"); c.ok()) (void)d->address(*c, 0); // the console, by stdout-path
}

void elf_input(const u8* p, usize n) {
    auto f = elf::File::open(p, n);
    if (!f.ok()) return;
    for (u32 i = 0; i < f->segment_count(); ++i) (void)f->load_segment(i);
    (void)plan_image(*f, elf_machine(Isa::Riscv64), 0x8000000000ull, 4096, 1);
}

void fwcfg_input(const u8* p, usize n) {
    Stream s{p, n};
    FwCfgAccess io{&s, [](void*, u16) {}, [](void* c) { return static_cast<Stream*>(c)->next(); }};
    FwCfg fw(io);
    (void)boot_param(&fw, "mosaic.node=1", "node");
}

void pci_input(const u8* p, usize n) {
    Stream s{p, n};
    PciConfigAccess io{&s, [](void* c, const PciFunction&, u32) { return static_cast<Stream*>(c)->next32(); },
                       [](void*, const PciFunction&, u32, u32) {}};
    Pci pci(io);
    PciDevice found[Pci::kMaxScan];
    (void)pci.scan(found, Pci::kMaxScan);
    u64 size = 0;
    (void)pci.map_bar64({0, 1, 0}, 2, 0x10000000, 0x2eff0000, size);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const u8* data, usize size) {
    if (size == 0) return 0;
    const u8* p = data + 1;
    const usize n = size - 1;
    switch (data[0] % 6) {
    case 0: bundle_input(p, n); break;
    case 1: board_input(p, n); break;
    case 2: dtb_input(p, n); break;
    case 3: elf_input(p, n); break;
    case 4: fwcfg_input(p, n); break;
    default: pci_input(p, n); break;
    }
    return 0;
}
