// The PCI scan and BAR assignment against a fake bus 0: functions, a multi-function device,
// 64-bit BARs that firmware did or did not assign, and devices that lie about their BARs.
#include <doctest.h>
#include <mosaic/pci.hpp>

#include <map>
#include <tuple>

using namespace mosaic;

namespace {
struct FakeFunction {
    u16 vendor, device;
    u8 base_class, sub_class;
    bool multi = false;
    u64 bar_size = 0;  // the 64-bit memory BAR 2 (0: none there)
    u64 bar_addr = 0;  // as firmware left it
    u32 command = 0;
    bool sizing_lo = false, sizing_hi = false;
    u32 bar_lo_mask_override = 0; // a device that lies: this mask instead
};

struct FakeBus {
    std::map<std::tuple<u32, u32>, FakeFunction> fns;

    static u32 read(void* c, const PciFunction& f, u32 off) {
        auto& bus = *static_cast<FakeBus*>(c);
        auto it = bus.fns.find({f.dev, f.fn});
        if (f.bus != 0 || it == bus.fns.end()) return 0xffffffffu;
        FakeFunction& x = it->second;
        switch (off) {
        case 0x00: return u32(x.device) << 16 | x.vendor;
        case 0x04: return x.command;
        case 0x08: return u32(x.base_class) << 24 | u32(x.sub_class) << 16;
        case 0x0c: return x.multi ? 0x800000u : 0;
        case 0x18: {
            if (!x.bar_size) return 0;
            if (x.sizing_lo) return x.bar_lo_mask_override ? x.bar_lo_mask_override : u32(~(x.bar_size - 1)) | 0x4;
            return u32(x.bar_addr) | 0x4; // 64-bit memory
        }
        case 0x1c:
            if (!x.bar_size) return 0;
            return x.sizing_hi ? u32(~(x.bar_size - 1) >> 32) : u32(x.bar_addr >> 32);
        default: return 0;
        }
    }
    static void write(void* c, const PciFunction& f, u32 off, u32 v) {
        auto& bus = *static_cast<FakeBus*>(c);
        auto it = bus.fns.find({f.dev, f.fn});
        if (f.bus != 0 || it == bus.fns.end()) return;
        FakeFunction& x = it->second;
        if (off == 0x04) x.command = v;
        if (off == 0x18) {
            x.sizing_lo = v == 0xffffffffu;
            if (!x.sizing_lo) x.bar_addr = (x.bar_addr & ~0xffffffffull) | (v & ~0xfu);
        }
        if (off == 0x1c) {
            x.sizing_hi = v == 0xffffffffu;
            if (!x.sizing_hi) x.bar_addr = (x.bar_addr & 0xffffffffull) | u64(v) << 32;
        }
    }
    PciConfigAccess access() { return {this, read, write}; }
};
} // namespace

TEST_CASE("PCI: a bus-0 scan finds every function") {
    FakeBus bus;
    bus.fns[{0, 0}] = {0x8086, 0x29c0, 6, 0};
    bus.fns[{1, 0}] = {0x1af4, 0x1110, 5, 0};
    bus.fns[{31, 0}] = {0x8086, 0x2918, 6, 1, true};
    bus.fns[{31, 2}] = {0x8086, 0x2922, 1, 6};
    bus.fns[{31, 3}] = {0x8086, 0x2930, 0x0c, 5};
    bus.fns[{5, 3}] = {0x1234, 0x1111, 3, 0}; // function 3 of a device without function 0: not there
    Pci pci(bus.access());
    PciDevice found[Pci::kMaxScan];
    const u32 n = pci.scan(found, Pci::kMaxScan);
    REQUIRE(n == 5);
    CHECK(found[1].vendor == 0x1af4);
    CHECK(found[1].base_class == 5);
    CHECK(found[4].at.dev == 31);
    CHECK(found[4].at.fn == 3);
    CHECK(pci.scan(found, 2) == 5); // more than fit: the count says so
    CHECK(pci.find(0x1af4, 0x1110)->dev == 1);
    CHECK(pci.find(0x1234, 0x1111).error() == Error::NotFound);
}

TEST_CASE("PCI: a 64-bit BAR, assigned by firmware or from the window") {
    FakeBus bus;
    bus.fns[{1, 0}] = {0x1af4, 0x1110, 5, 0, false, 16 << 20, 0};
    bus.fns[{2, 0}] = {0x1af4, 0x1110, 5, 0, false, 16 << 20, 0xfd000000};
    Pci pci(bus.access());
    u64 size = 0;
    auto fresh = pci.map_bar64({0, 1, 0}, 2, 0x10000000 + 4096, 0x2eff0000, size);
    REQUIRE(fresh.ok());
    CHECK(*fresh == 0x11000000); // the window's start, aligned to 16 MiB
    CHECK(size == 16 << 20);
    CHECK(bus.fns[{1, 0}].bar_addr == 0x11000000);
    CHECK((bus.fns[{1, 0}].command & 2) != 0); // decoding on
    auto firm = pci.map_bar64({0, 2, 0}, 2, 0, 0, size);
    REQUIRE(firm.ok());
    CHECK(*firm == 0xfd000000);
    CHECK(pci.map_bar64({0, 1, 0}, 0, 0x10000000, 1 << 30, size).error() == Error::Unsupported); // BAR 0: none
    CHECK(pci.map_bar64({0, 1, 0}, 5, 0x10000000, 1 << 30, size).error() == Error::InvalidArgument);
}

TEST_CASE("PCI: no room in the window, or a device that lies") {
    FakeBus bus;
    bus.fns[{1, 0}] = {0x1af4, 0x1110, 5, 0, false, 16 << 20, 0};
    Pci pci(bus.access());
    u64 size = 0;
    CHECK(pci.map_bar64({0, 1, 0}, 2, 0x10000000, 8 << 20, size).error() == Error::NoMemory);
    CHECK(pci.map_bar64({0, 1, 0}, 2, ~0ull - 4096, 1 << 30, size).error() == Error::NoMemory); // would wrap
    CHECK(bus.fns[{1, 0}].bar_addr == 0); // left as it was
    CHECK((bus.fns[{1, 0}].command & 2) == 0);
    bus.fns[{1, 0}].bar_lo_mask_override = 0xff00ff04; // a size that is no power of two
    CHECK(pci.map_bar64({0, 1, 0}, 2, 0x10000000, 1 << 30, size).error() == Error::Malformed);
    bus.fns[{1, 0}].bar_lo_mask_override = 0;
    bus.fns[{1, 0}].bar_addr = 0xfd100000; // firmware's address not aligned to 16 MiB
    CHECK(pci.map_bar64({0, 1, 0}, 2, 0, 0, size).error() == Error::Malformed);
}
