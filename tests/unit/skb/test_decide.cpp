// The SKB's decisions as the CPU driver asks them (decide.hpp): the transport between two
// cores, and the multicast tree from measured round trips, measured one way only as at boot.
#include "board_profiles.hpp"
#include "skb_test_util.hpp"

#include <doctest.h>
#include <mosaic/skb/board.hpp>
#include <mosaic/skb/decide.hpp>

using namespace skbtest;

namespace {

Db loaded(const Profile& p) {
    Db db(kBoardLimits);
    REQUIRE(db.load(p.text()) == Error::Ok);
    for (const char* f : {"transport", "multicast", "placement", "memory"}) REQUIRE(db.load(rule_text(f)) == Error::Ok);
    return db;
}

std::string transport(Db& db, u32 a, u32 b) {
    auto r = transport_between(db.engine, a, b);
    REQUIRE(r.ok());
    return std::string(r->data, r->len);
}

// Measurements as a boot makes them: each node's boot core to every core of its node, and
// each boot core to every other node's boot core, one direction only.
Profile boot_measured(Profile p) {
    p.latencies.clear();
    std::vector<u32> boot; // the first core of every node
    for (auto& c : p.cores)
        if (boot.size() <= c.node) boot.push_back(c.id);
    for (auto& c : p.cores)
        if (c.id != boot[c.node]) p.latencies.push_back({boot[c.node], c.id, 100 + c.id});
    for (u32 a = 0; a < boot.size(); ++a)
        for (u32 b = 0; b < boot.size(); ++b)
            if (a != b) p.latencies.push_back({boot[a], boot[b], 30000 + 1000 * (a + b) + a});
    return p;
}

} // namespace

TEST_CASE("transport_between gives the route transport.dl derives for each core pair") {
    Db db = loaded(qemu_hetero());
    CHECK(transport(db, 0, 0) == "lmp");
    CHECK(transport(db, 0, 1) == "urpc");
    CHECK(transport(db, 1, 4) == "urpc_interconnect");
    CHECK(transport(db, 5, 2) == "urpc_interconnect");
    CHECK(transport_between(db.engine, 0, 99).error() == Error::NotFound);
}

TEST_CASE("transport_between: cores with no interconnect have no route") {
    Profile p = qemu_hetero();
    p.interconnects = {{0, 1}}; // node 2 shares memory with nobody
    Db db = loaded(p);
    CHECK(transport(db, 0, 2) == "urpc_interconnect");
    CHECK(transport(db, 0, 4) == "none");
    CHECK(transport(db, 4, 5) == "urpc");
}

TEST_CASE("transport_between refuses an SKB that gives two transports for one pair") {
    Db db = loaded(qemu_x86_64());
    REQUIRE(db.load("transport(0, 1, lmp).") == Error::Ok);
    CHECK(transport_between(db.engine, 0, 1).error() == Error::Malformed);
}

TEST_CASE("multicast_tree over boot-time measurements reaches every core once, one hop per other node") {
    Profile p = boot_measured(qemu_hetero());
    Db db = loaded(p);
    u32 members[] = {1, 2, 3, 4, 5};
    McEdge edges[16];
    auto n = multicast_tree(db.engine, 0, members, 5, edges, 16);
    REQUIRE(n.ok());
    CHECK(*n == 5);
    CHECK(check_tree(0, members, 5, edges, *n).ok());
    int cross = 0;
    for (u32 i = 0; i < *n; ++i) {
        if (p.node_of(edges[i].parent) == p.node_of(edges[i].child)) continue;
        ++cross;
        CHECK(edges[i].parent == 0);
        // The aggregator of each other node is the core the root measured: its boot core.
        CHECK((edges[i].child == 2 || edges[i].child == 4));
    }
    CHECK(cross == 2);
}

TEST_CASE("multicast_tree counts a round trip measured from the far side") {
    Profile p = qemu_hetero();
    p.latencies = {{3, 0, 500}, {2, 0, 900}, {4, 1, 10}}; // node 1 measured the root, not the other way
    Db db = loaded(p);
    u32 members[] = {1, 2, 3, 4, 5};
    McEdge edges[16];
    auto n = multicast_tree(db.engine, 0, members, 5, edges, 16);
    REQUIRE(n.ok());
    CHECK(check_tree(0, members, 5, edges, *n).ok());
    bool root_to_3 = false;
    for (u32 i = 0; i < *n; ++i) root_to_3 |= edges[i].parent == 0 && edges[i].child == 3;
    CHECK(root_to_3); // core 3 is closer to the root than core 2
}

TEST_CASE("multicast_tree: too little room is an error, not a cut tree") {
    Db db = loaded(boot_measured(qemu_hetero()));
    u32 members[] = {1, 2, 3, 4, 5};
    McEdge edges[2];
    CHECK(multicast_tree(db.engine, 0, members, 5, edges, 2).error() == Error::CapacityExceeded);
}

TEST_CASE("check_tree rejects trees that miss, repeat or loop") {
    u32 members[] = {1, 2, 3};
    McEdge good[] = {{0, 1}, {0, 2}, {2, 3}};
    CHECK(check_tree(0, members, 3, good, 3).ok());
    McEdge missing[] = {{0, 1}, {0, 2}};
    CHECK(check_tree(0, members, 3, missing, 2).error() == Error::InvalidArgument);
    McEdge twice[] = {{0, 1}, {0, 2}, {2, 3}, {1, 3}};
    CHECK(check_tree(0, members, 3, twice, 4).error() == Error::InvalidArgument);
    McEdge loop[] = {{0, 1}, {3, 2}, {2, 3}};
    CHECK(check_tree(0, members, 3, loop, 3).error() == Error::InvalidArgument);
    McEdge to_root[] = {{0, 1}, {0, 2}, {2, 3}, {1, 0}};
    CHECK(check_tree(0, members, 3, to_root, 4).error() == Error::InvalidArgument);
    McEdge stranger[] = {{0, 1}, {0, 2}, {2, 3}, {2, 9}};
    CHECK(check_tree(0, members, 3, stranger, 4).error() == Error::InvalidArgument);
}
