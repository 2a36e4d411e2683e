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
