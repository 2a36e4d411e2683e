// The DTB reader against device trees dumped from QEMU, and against corrupted copies.
#include <doctest.h>
#include <mosaic/bootinfo.hpp>
#include <mosaic/dtb.hpp>
#include <mosaic/uart.hpp>

#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

using namespace mosaic;

static std::vector<u8> load(const char* name) {
    std::ifstream f(std::string(MOSAIC_TEST_DATA) + "/" + name, std::ios::binary);
    REQUIRE(f);
    return std::vector<u8>(std::istreambuf_iterator<char>(f), {});
}

TEST_CASE("QEMU riscv64 virt device tree: memory, harts, devices") {
    auto blob = load("qemu-virt-riscv64.dtb");
    auto dtb = Dtb::parse(blob.data(), blob.size());
    REQUIRE(dtb.ok());
    Range mem[4];
    auto n = dtb->memory(mem, 4);
    REQUIRE(n.ok());
    CHECK(*n == 1);
    CHECK(mem[0].base == 0x80000000);
    CHECK(mem[0].size == 256ull << 20);
    u64 ids[8];
    auto cpus = dtb->cpus(ids, 8);
    REQUIRE(cpus.ok());
    CHECK(*cpus == 4);
    CHECK(ids[3] == 3);
    auto test = dtb->find_compatible("sifive,test0");
    REQUIRE(test.ok());
    CHECK(dtb->reg(*test, 0)->base == 0x100000);
    auto uart = dtb->find_compatible("ns16550a");
    REQUIRE(uart.ok());
    CHECK(dtb->reg(*uart, 0)->base == 0x10000000);
    auto c = dtb->find_path("/cpus");
    REQUIRE(c.ok());
    CHECK(dtb->prop(*c, "timebase-frequency")->cell(0) == 10000000);
    CHECK(dtb->find_path("/chosen").ok());
    CHECK(dtb->find_path("/no-such-node").error() == Error::NotFound);
    CHECK(dtb->find_compatible("no,such-device").error() == Error::NotFound);
}

TEST_CASE("QEMU aarch64 virt device tree: boot facts for the CPU driver") {
    auto blob = load("qemu-virt-aarch64.dtb");
    auto dtb = Dtb::parse(blob.data(), blob.size());
    REQUIRE(dtb.ok());
    BootInfo bi;
    REQUIRE(bootinfo_from_dtb(bi, *dtb).ok());
    CHECK(bi.memory_count == 1);
    CHECK(bi.memory[0].base == 0x40000000);
    CHECK(bi.core_count == 2);
    CHECK(bi.pci.present);
    CHECK(bi.pci.ecam_base == 0x4010000000ull);
    CHECK(bi.pci.mmio_base == 0x10000000);
    CHECK(bi.pci.mmio_size == 0x2eff0000);
    auto gic = dtb->find_compatible("arm,cortex-a15-gic");
    REQUIRE(gic.ok());
    CHECK(dtb->reg(*gic, 0)->base == 0x08000000);
    CHECK(dtb->reg(*gic, 1)->base == 0x08010000);
}

TEST_CASE("DTB header checks reject bad input") {
    auto blob = load("qemu-virt-riscv64.dtb");
    CHECK(Dtb::parse(nullptr, 0).error() == Error::Truncated);
    CHECK(Dtb::parse(blob.data(), 39).error() == Error::Truncated);
    CHECK(Dtb::parse(blob.data(), blob.size() - 1).error() == Error::Truncated); // totalsize beyond the buffer
    auto bad = blob;
    bad[0] ^= 1;
    CHECK(Dtb::parse(bad.data(), bad.size()).error() == Error::BadMagic);
    bad = blob;
    bad[23] = 3; // version 3
    CHECK(Dtb::parse(bad.data(), bad.size()).error() == Error::BadVersion);
    bad = blob;
    bad[8] = 0x7f; // structure block offset far past the end
    CHECK(Dtb::parse(bad.data(), bad.size()).error() == Error::Malformed);
}

TEST_CASE("random corruption of the structure block never reads out of bounds") {
    auto blob = load("qemu-virt-aarch64.dtb");
    std::mt19937 rng(42);
    int rejected = 0;
    for (int round = 0; round < 2000; ++round) {
        auto bad = blob;
        for (int k = 0; k < 4; ++k) bad[40 + rng() % (bad.size() - 40)] = u8(rng());
        auto dtb = Dtb::parse(bad.data(), bad.size());
        if (!dtb.ok()) { ++rejected; continue; }
        Range mem[4];
        u64 ids[8];
        auto m = dtb->memory(mem, 4);
        auto c = dtb->cpus(ids, 8);
        if (!m.ok() || !c.ok()) ++rejected;
        (void)dtb->find_compatible("arm,pl011");
    }
    CHECK(rejected > 0); // some corruptions must be caught as errors (ASan checks the rest)
}

// A device tree built here, for lies no QEMU machine tells: /cpus with the given hart ids
// and one memory node per group of ranges (2 address and 2 size cells).
namespace {

struct FdtBuilder {
    std::vector<u8> st, strs;
    std::vector<std::pair<u64, u64>> rsv; // the reservation block's (address, size) pairs
    static void be32(std::vector<u8>& v, u32 x) {
        for (int s = 24; s >= 0; s -= 8) v.push_back(u8(x >> s));
    }
    void begin(const std::string& name) {
        be32(st, 1);
        for (char c : name) st.push_back(u8(c));
        st.push_back(0);
        while (st.size() % 4) st.push_back(0);
    }
    void end() { be32(st, 2); }
    void prop(const std::string& name, const std::vector<u8>& value) {
        be32(st, 3);
        be32(st, u32(value.size()));
        be32(st, u32(strs.size()));
        strs.insert(strs.end(), name.begin(), name.end());
        strs.push_back(0);
        st.insert(st.end(), value.begin(), value.end());
        while (st.size() % 4) st.push_back(0);
    }
    void cells(const std::string& name, const std::vector<u32>& c) {
        std::vector<u8> v;
        for (u32 x : c) be32(v, x);
        prop(name, v);
    }
    void str(const std::string& name, const std::string& s) {
        std::vector<u8> v(s.begin(), s.end());
        v.push_back(0);
        prop(name, v);
    }
    std::vector<u8> finish() {
        be32(st, 9);
        std::vector<u8> out;
        const u32 off_rsv = 40, off_struct = off_rsv + 16 * u32(rsv.size() + 1), off_strings = off_struct + u32(st.size());
        for (u32 x : {0xd00dfeedu, off_strings + u32(strs.size()), off_struct, off_strings, off_rsv, 17u, 16u, 0u,
                      u32(strs.size()), u32(st.size())})
            be32(out, x);
        for (auto [base, size] : rsv)
            for (u64 x : {base, size}) be32(out, u32(x >> 32)), be32(out, u32(x));
        out.resize(off_struct, 0);
        out.insert(out.end(), st.begin(), st.end());
        out.insert(out.end(), strs.begin(), strs.end());
        return out;
    }
};

struct Tree {
    std::vector<u64> harts{0, 1};
    std::vector<std::vector<std::pair<u64, u64>>> memory{{{0x80000000, 0x10000000}}};
    std::vector<std::pair<u64, u64>> memreserve;  // the header's reservation block
    std::vector<std::pair<u64, u64>> reserved;    // /reserved-memory children (size 0: no reg)
    std::vector<u8> build() const {
        FdtBuilder b;
        b.rsv = memreserve;
        b.begin("");
        b.cells("#address-cells", {2});
        b.cells("#size-cells", {2});
        b.begin("cpus");
        b.cells("#address-cells", {1});
        b.cells("#size-cells", {0});
        for (u64 h : harts) {
            b.begin("cpu@" + std::to_string(h));
            b.str("device_type", "cpu");
            b.cells("reg", {u32(h)});
            b.end();
        }
        b.end();
        for (usize i = 0; i < memory.size(); ++i) {
            b.begin("ram@" + std::to_string(i));
            b.str("device_type", "memory");
            std::vector<u32> reg;
            for (auto [base, size] : memory[i])
                for (u64 x : {base, size}) reg.push_back(u32(x >> 32)), reg.push_back(u32(x));
            b.cells("reg", reg);
            b.end();
        }
        if (!reserved.empty()) {
            b.begin("reserved-memory");
            b.cells("#address-cells", {2});
            b.cells("#size-cells", {2});
            for (auto [base, size] : reserved) {
                b.begin("held@" + std::to_string(base));
                if (size) b.cells("reg", {u32(base >> 32), u32(base), u32(size >> 32), u32(size)});
                else b.cells("size", {0, 0x100000}); // a pool the OS would place: no range
                b.end();
            }
            b.end();
        }
        b.end();
        return b.finish();
    }
};

Status facts_of(const Tree& t, BootInfo& bi, const char** why) {
    auto blob = t.build();
    auto dtb = Dtb::parse(blob.data(), blob.size());
    REQUIRE(dtb.ok());
    return bootinfo_from_dtb(bi, *dtb, why);
}

} // namespace

TEST_CASE("boot facts: overlapping, repeated and touching memory ranges are merged, sorted") {
    Tree t;
    t.memory = {{{0x90000000, 0x1000}, {0x80000000, 0x2000}}, {{0x81000, 0x1000}}, {{0x80001000, 0x3000}},
                {{0x80000000, 0x2000}}, {{0x80004000, 0x1000}}};
    BootInfo bi;
    const char* why = nullptr;
    REQUIRE(facts_of(t, bi, &why).ok());
    REQUIRE(bi.memory_count == 3);
    CHECK(bi.memory[0].base == 0x81000);
    CHECK(bi.memory[1].base == 0x80000000);
    CHECK(bi.memory[1].size == 0x5000); // 0x80000000-0x80005000: four ranges that overlap or touch
    CHECK(bi.memory[2].base == 0x90000000);
    CHECK(bi.core_count == 2);
}

TEST_CASE("boot facts: the firmware's reserved memory is not usable memory") {
    Tree t;
    t.memory = {{{0, 0x40000000}}};
    t.memreserve = {{0, 0x1000}};                                              // a Pi's spin table
    t.reserved = {{0x8000000, 0x200000}, {0x2000000, 0}, {0x3ff00000, 0x200000}}; // a hole, a pool, the top
    BootInfo bi;
    const char* why = nullptr;
    REQUIRE(facts_of(t, bi, &why).ok());
    REQUIRE(bi.memory_count == 2);
    CHECK(bi.memory[0].base == 0x1000);
    CHECK(bi.memory[0].size == 0x8000000 - 0x1000);
    CHECK(bi.memory[1].base == 0x8200000);
    CHECK(bi.memory[1].size == 0x3ff00000 - 0x8200000);
    t.memreserve = {{0, 0x40000000}}; // everything held back: nothing left to run in
    bi = BootInfo{};
    CHECK(facts_of(t, bi, &why).error() == Error::NotFound);
    CHECK(std::string(why) == "its memory ranges, once the reserved memory is taken out");
    t.memreserve = {{0x10000, ~0ull - 0x1000}}; // wraps around
    CHECK(facts_of(t, bi, &why).error() == Error::Malformed);
    CHECK(std::string(why) == "its reserved memory (/memreserve/, /reserved-memory)");
    auto blob = Tree{}.build();
    blob[17] = 0x01; // the reservation block at 64 KiB: past the end of the blob
    auto dtb = Dtb::parse(blob.data(), blob.size());
    REQUIRE(dtb.ok());
    Range r[4];
    CHECK(dtb->reserved(r, 4).error() == Error::Malformed);
}

TEST_CASE("boot facts: lying device trees are refused, saying what was wrong") {
    BootInfo bi;
    const char* why = nullptr;
    Tree t;
    t.memory = {{{0xfffffffff0000000ull, 0x20000000}}}; // past the top of the address space
    CHECK(facts_of(t, bi, &why).error() == Error::Malformed);
    CHECK(std::string(why) == "its memory ranges");
    t = Tree{};
    t.memory = {};
    CHECK(facts_of(t, bi, &why).error() == Error::NotFound);
    CHECK(std::string(why) == "its memory ranges");
    t = Tree{};
    t.harts = {};
    bi = BootInfo{};
    CHECK(facts_of(t, bi, &why).error() == Error::NotFound);
    CHECK(std::string(why) == "its cores (/cpus)");
    t.harts = {0, 1, 1};
    CHECK(facts_of(t, bi, &why).error() == Error::Malformed);
    t.harts.clear();
    for (u64 i = 0; i < BootInfo::kMaxCores + 1; ++i) t.harts.push_back(i);
    CHECK(facts_of(t, bi, &why).error() == Error::CapacityExceeded);
    CHECK(std::string(why) == "its cores (/cpus)");
    t.harts = {1, 2};
    bi = BootInfo{};
    bi.boot_core = 0; // the core that booted is not in the tree
    CHECK(facts_of(t, bi, &why).error() == Error::NotFound);
    CHECK(std::string(why) == "the core it booted on is not among its cores");
    bi.boot_core = 2;
    CHECK(facts_of(t, bi, &why).ok());
    CHECK(std::string(why).empty());
}

TEST_CASE("the console: /chosen stdout-path, by path or alias, before the first compatible node") {
    for (const char* name : {"qemu-virt-riscv64.dtb", "qemu-virt-aarch64.dtb"}) {
        auto blob = load(name);
        auto dtb = Dtb::parse(blob.data(), blob.size());
        REQUIRE(dtb.ok());
        auto n = dtb->stdout_node();
        REQUIRE(n.ok());
        CHECK((std::string(n->name) == "serial@10000000" || std::string(n->name) == "pl011@9000000"));
    }
    // Two UARTs; the firmware names the second through an alias, with options.
    auto tree = [](const char* stdout_path) {
        FdtBuilder b;
        b.begin("");
        b.cells("#address-cells", {2});
        b.cells("#size-cells", {2});
        b.begin("aliases");
        b.str("serial1", "/soc/uart@2000");
        b.end();
        b.begin("chosen");
        if (stdout_path) b.str("stdout-path", stdout_path);
        b.end();
        b.begin("soc");
        b.cells("#address-cells", {2});
        b.cells("#size-cells", {2});
        for (u32 at : {0x1000u, 0x2000u}) {
            b.begin("uart@" + std::to_string(at == 0x1000 ? 1000 : 2000));
            b.str("compatible", "ns16550a");
            b.cells("reg", {0, at, 0, 0x100});
            b.end();
        }
        b.end();
        b.end();
        return b.finish();
    };
    auto base_of = [](const std::vector<u8>& blob) -> u64 {
        auto dtb = Dtb::parse(blob.data(), blob.size());
        REQUIRE(dtb.ok());
        auto n = dtb->console_node("ns16550a");
        REQUIRE(n.ok());
        return dtb->reg(*n, 0)->base;
    };
    CHECK(base_of(tree("serial1:115200n8")) == 0x2000);
    CHECK(base_of(tree("/soc/uart@2000")) == 0x2000);
    CHECK(base_of(tree(nullptr)) == 0x1000);         // none named: the first one
    CHECK(base_of(tree("serial7")) == 0x1000);       // an alias that is not there
    // Several kinds of UART: the firmware's console if it is one of them, else the first
    // node of the first kind the tree has.
    const char* const kinds[] = {"sifive,uart0", "ns16550a", nullptr};
    auto listed = tree("serial1");
    auto ldtb = Dtb::parse(listed.data(), listed.size());
    CHECK(ldtb->reg(*ldtb->console_node(kinds), 0)->base == 0x2000);
    listed = tree(nullptr);
    ldtb = Dtb::parse(listed.data(), listed.size());
    CHECK(ldtb->reg(*ldtb->console_node(kinds), 0)->base == 0x1000);
    const char* const absent[] = {"sifive,uart0", nullptr};
    CHECK(ldtb->console_node(absent).error() == Error::NotFound);
    auto blob = tree("serial7");
    auto dtb = Dtb::parse(blob.data(), blob.size());
    CHECK(dtb->stdout_node().error() == Error::NotFound);
    blob = tree("");
    dtb = Dtb::parse(blob.data(), blob.size());
    CHECK(dtb->stdout_node().error() == Error::NotFound);
}

TEST_CASE("device addresses are translated through every bus's ranges, as the CPU sees them") {
    // A Raspberry Pi 3 style SoC bus: 0x7e000000 on the bus is 0x3f000000 for the CPU; below
    // it a bus that maps one to one, one that is not mapped and one that shifts again.
    FdtBuilder b;
    b.begin("");
    b.cells("#address-cells", {1});
    b.cells("#size-cells", {1});
    b.begin("soc");
    b.cells("#address-cells", {1});
    b.cells("#size-cells", {1});
    b.cells("ranges", {0x7e000000, 0x3f000000, 0x01000000, 0x40000000, 0x40000000, 0x1000});
    b.begin("serial@7e201000");
    b.cells("reg", {0x7e201000, 0x200});
    b.end();
    b.begin("local@40000000");
    b.cells("reg", {0x40000000, 0x100});
    b.end();
    b.begin("outside@7f000000");
    b.cells("reg", {0x7f000000, 0x100}); // past the end of the first range
    b.end();
    b.begin("straddles@7efffff0");
    b.cells("reg", {0x7efffff0, 0x100}); // runs past its end
    b.end();
    b.begin("flat");
    b.cells("#address-cells", {1});
    b.cells("#size-cells", {1});
    b.prop("ranges", {});
    b.begin("timer@7e003000");
    b.cells("reg", {0x7e003000, 0x20});
    b.end();
    b.end();
    b.begin("closed");
    b.cells("#address-cells", {1});
    b.cells("#size-cells", {1});
    b.begin("thing@0");
    b.cells("reg", {0x0, 0x20});
    b.end();
    b.end();
    b.begin("shift");
    b.cells("#address-cells", {1});
    b.cells("#size-cells", {1});
    b.cells("ranges", {0x0, 0x7e100000, 0x10000});
    b.begin("dev@200");
    b.cells("reg", {0x200, 0x10});
    b.end();
    b.end();
    b.end();
    b.end();
    auto blob = b.finish();
    auto dtb = Dtb::parse(blob.data(), blob.size());
    REQUIRE(dtb.ok());
    auto at = [&](const char* path) { return dtb->address(*dtb->find_path(path), 0); };
    CHECK(at("/soc/serial@7e201000")->base == 0x3f201000);
    CHECK(at("/soc/serial@7e201000")->size == 0x200);
    CHECK(dtb->reg(*dtb->find_path("/soc/serial@7e201000"), 0)->base == 0x7e201000); // reg stays the bus's
    CHECK(at("/soc/local@40000000")->base == 0x40000000);
    CHECK(at("/soc/outside@7f000000").error() == Error::NotFound);
    CHECK(at("/soc/straddles@7efffff0").error() == Error::NotFound);
    CHECK(at("/soc/flat/timer@7e003000")->base == 0x3f003000);
    CHECK(at("/soc/closed/thing@0").error() == Error::NotFound);
    CHECK(at("/soc/shift/dev@200")->base == 0x3f100200);
    // QEMU's trees: what they say is what the CPU sees.
    auto qemu = load("qemu-virt-riscv64.dtb");
    auto q = Dtb::parse(qemu.data(), qemu.size());
    REQUIRE(q.ok());
    CHECK(q->address(*q->find_compatible("ns16550a"), 0)->base == 0x10000000);
}

TEST_CASE("console UARTs: the kind a tree's UART node is driven as (uart.hpp)") {
    struct Case {
        std::vector<std::string> compatible;
        int reg_shift; // -1: no reg-shift property
        u32 kind;
    };
    const Case cases[] = {
        {{"arm,pl011", "arm,primecell"}, -1, kConsolePl011},
        {{"ns16550a"}, -1, kConsole16550Mmio},
        {{"ns16550a"}, 0, kConsole16550Mmio},
        {{"starfive,jh7110-uart", "snps,dw-apb-uart"}, 2, kConsole16550Mmio32}, // a VisionFive 2
        {{"snps,dw-apb-uart"}, 1, kConsoleNone}, // 16-bit spacing: not driven
        {{"brcm,bcm2835-aux-uart"}, -1, kConsole16550Mmio32}, // the Pi's mini UART
        {{"sifive,fu540-c000-uart", "sifive,uart0"}, -1, kConsoleSifive},
        {{"xlnx,xps-uartlite-1.00.a"}, -1, kConsoleNone},
    };
    for (const Case& c : cases) {
        FdtBuilder b;
        b.begin("");
        b.begin("serial@10000000");
        std::vector<u8> compat;
        for (const auto& s : c.compatible) compat.insert(compat.end(), s.c_str(), s.c_str() + s.size() + 1);
        b.prop("compatible", compat);
        if (c.reg_shift >= 0) b.cells("reg-shift", {u32(c.reg_shift)});
        b.end();
        b.end();
        auto blob = b.finish();
        auto dtb = Dtb::parse(blob.data(), blob.size());
        REQUIRE(dtb.ok());
        auto node = dtb->console_node(uart::kCompatibles);
        CAPTURE(c.compatible[0]);
        if (c.kind == kConsoleNone && c.compatible[0] == "xlnx,xps-uartlite-1.00.a") {
            CHECK(!node.ok()); // no UART of ours in the tree
            continue;
        }
        REQUIRE(node.ok());
        CHECK(uart::kind_of(*dtb, *node) == c.kind);
    }
}
