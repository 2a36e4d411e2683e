// render_facts(): the text boot code would hand the SKB.
#include "board_profiles.hpp"
#include "skb_test_util.hpp"

#include <doctest.h>

using namespace skbtest;

TEST_CASE("rendered profile facts load and answer") {
    for (auto& p : all_profiles()) {
        CAPTURE(p.board);
        Db db;
        REQUIRE(db.load(p.text()) == Error::Ok);
        CHECK(db.engine.relation_size("core").value() == p.cores.size());
        CHECK(db.engine.relation_size("node").value() == p.nodes.size());
        CHECK(db.engine.relation_size("memory").value() == p.memory.size());
        CHECK(db.engine.relation_size("device").value() == p.devices.size());
        CHECK(db.engine.relation_size("latency").value() == p.latencies.size());
        CHECK(db.ask("?- board(B).") == std::vector<std::string>{p.board});
    }
}

TEST_CASE("rendered text uses the documented forms") {
    Profile p = qemu_hetero();
    std::string t = p.text();
    CHECK(t.find("board(\"qemu-hetero\").\n") != std::string::npos);
    CHECK(t.find("core(2, aarch64, node1).\n") != std::string::npos);
    CHECK(t.find("interconnect(node0, node2).\n") != std::string::npos);
    CHECK(t.find("memory(node1, 0x40000000, 0x2000000).\n") != std::string::npos);
    CHECK(t.find("device(virtio_net0, node1, net).\n") != std::string::npos);
    Db db;
    REQUIRE(db.load(t) == Error::Ok);
    CHECK(db.ask("?- memory(node1, B, S), S > 0x1000000.") == rows({"1073741824,33554432"}));
}

TEST_CASE("render_facts rejects what the syntax cannot carry and small buffers") {
    Profile p = qemu_x86_64();
    std::vector<char> buf(64);
    CHECK(render_facts(p.facts(), buf.data(), buf.size()).error() == Error::CapacityExceeded);
    CHECK(render_facts(p.facts(), nullptr, 0).error() == Error::InvalidArgument);
    std::vector<char> big(1 << 16);
    Profile bad = p;
    bad.devices = {{"quote\"d", 0, "net"}};
    CHECK(render_facts(bad.facts(), big.data(), big.size()).error() == Error::InvalidArgument);
    bad.devices = {{"", 0, "net"}};
    CHECK(render_facts(bad.facts(), big.data(), big.size()).error() == Error::InvalidArgument);
    bad = p;
    bad.memory = {{0, 0, ~0ull}};
    CHECK(render_facts(bad.facts(), big.data(), big.size()).error() == Error::Overflow);
    // The exact size fits; one byte less does not (room for the NUL).
    usize n = render_facts(p.facts(), big.data(), big.size()).value();
    CHECK(render_facts(p.facts(), big.data(), n + 1).value() == n);
    CHECK(render_facts(p.facts(), big.data(), n).error() == Error::CapacityExceeded);
}

TEST_CASE("discovered facts: hardware ids and device memory render and load") {
    CoreFact cores[2] = {{0, "riscv64", 0}, {1, "riscv64", 0}};
    CoreHwFact hw[2] = {{0, 0x3}, {1, 0x10}};
    DeviceFact dev[1] = {{"ivshmem0", 0, "ivshmem"}};
    DeviceMemFact mem[1] = {{"ivshmem0", 0x10000000, 0x1000000}};
    MachineFacts m;
    m.cores = {cores, 2};
    m.devices = {dev, 1};
    m.core_hw = {hw, 2};
    m.device_memory = {mem, 1};
    char buf[1024];
    usize n = render_facts(m, buf, sizeof buf).value();
    std::string t(buf, n);
    CHECK(t.find("core_hw(1, 0x10).\n") != std::string::npos);
    CHECK(t.find("device_mem(ivshmem0, 0x10000000, 0x1000000).\n") != std::string::npos);
    Db db;
    REQUIRE(db.load(t) == Error::Ok);
    CHECK(db.ask("?- core_hw(C, H), core(C, _, node0).") == rows({"0,3", "1,16"}));
    CHECK(db.ask("?- device(D, N, ivshmem), device_mem(D, B, S).") == rows({"ivshmem0,node0,268435456,16777216"}));
    DeviceMemFact bad[1] = {{"ivshmem0", 0, ~0ull}};
    m.device_memory = {bad, 1};
    CHECK(render_facts(m, buf, sizeof buf).error() == Error::Overflow);
}
