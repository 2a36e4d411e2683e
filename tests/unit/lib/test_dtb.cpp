// The DTB reader against device trees dumped from QEMU, and against corrupted copies.
#include <doctest.h>
#include <mosaic/bootinfo.hpp>
#include <mosaic/dtb.hpp>

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
