// The rule files of skb/rules/ against the facts of each board profile.
#include "board_profiles.hpp"
#include "skb_test_util.hpp"

#include <doctest.h>

#include <map>
#include <set>

using namespace skbtest;

namespace {

// An engine loaded with a profile's facts and one rule file.
struct Board {
    Profile p;
    Db db;
    Board(Profile profile, const char* rules) : p(std::move(profile)) {
        if (db.load(p.text()) != Error::Ok) throw std::runtime_error("facts rejected");
        if (db.load(rule_text(rules)) != Error::Ok)
            throw std::runtime_error(std::string("rules rejected: ") + db.err.message + " line " + std::to_string(db.err.line));
    }
};

std::vector<std::pair<int, int>> edges_of(Db& db) {
    std::vector<std::pair<int, int>> edges;
    for (auto& row : db.ask("?- mc_edge(P, C).")) {
        auto comma = row.find(',');
        edges.emplace_back(std::stoi(row.substr(0, comma)), std::stoi(row.substr(comma + 1)));
    }
    return edges;
}

// Checks that the tree from root reaches every member exactly once and uses one
// cross-node edge per other node; returns the parent of each child.
std::map<int, int> check_tree(Board& b, int root, const std::set<int>& members) {
    auto edges = edges_of(b.db);
    std::map<int, int> parent;
    for (auto [p, c] : edges) {
        CHECK(parent.count(c) == 0); // a core is the child of at most one edge
        parent[c] = p;
    }
    CHECK(parent.count(root) == 0);
    std::set<int> expect = members;
    expect.erase(root);
    std::set<int> children;
    for (auto& [c, p] : parent) children.insert(c);
    CHECK(children == expect);
    // Every child reaches the root by parents (no cycles).
    for (auto& [c, p] : parent) {
        int at = c;
        for (size_t hops = 0; at != root && hops <= parent.size(); ++hops) at = parent.count(at) ? parent[at] : -1;
        CHECK(at == root);
    }
    std::set<u32> other_nodes;
    for (int m : members)
        if (b.p.node_of(m) != b.p.node_of(root)) other_nodes.insert(b.p.node_of(m));
    size_t cross = 0;
    for (auto [p, c] : edges) cross += b.p.node_of(p) != b.p.node_of(c);
    CHECK(cross == other_nodes.size());
    return parent;
}

std::string members_text(int root, const std::set<int>& members) {
    std::string t = "mc_root(" + std::to_string(root) + ").\n";
    for (int m : members) t += "mc_member(" + std::to_string(m) + ").\n";
    return t;
}

} // namespace

TEST_CASE("every rule file is embedded and loads") {
    u32 n = 0;
    const RuleFile* files = rule_files(n);
    CHECK(n == 4);
    for (u32 i = 0; i < n; ++i) {
        CAPTURE(files[i].name);
        Db db;
        CHECK(db.load(std::string(files[i].text.data, files[i].text.len)) == Error::Ok);
        CHECK(db.engine.rule_count() > 0);
        CHECK(db.engine.solve().ok());
    }
    CHECK(rule_file("nonesuch").error() == Error::NotFound);
}

TEST_CASE("transport: lmp on one core, urpc in a node, urpc_interconnect across nodes") {
    for (auto& profile : all_profiles()) {
        CAPTURE(profile.board);
        Board b(profile, "transport");
        std::map<std::pair<int, int>, std::string> kind;
        for (auto& row : b.db.ask("?- transport(A, B, T).")) {
            auto c1 = row.find(','), c2 = row.rfind(',');
            auto key = std::make_pair(std::stoi(row.substr(0, c1)), std::stoi(row.substr(c1 + 1, c2 - c1 - 1)));
            CHECK(kind.count(key) == 0); // exactly one transport per pair
            kind[key] = row.substr(c2 + 1);
        }
        CHECK(kind.size() == b.p.cores.size() * b.p.cores.size());
        for (auto& a : b.p.cores)
            for (auto& c : b.p.cores) {
                std::string want = a.id == c.id ? "lmp" : a.node == c.node ? "urpc" : "urpc_interconnect";
                CHECK(kind[{int(a.id), int(c.id)}] == want);
            }
    }
    Board x86(qemu_x86_64(), "transport");
    CHECK(x86.db.ask("?- transport(0, 1, T).") == rows({"urpc"}));
    CHECK(x86.db.ask("?- transport(2, 2, T).") == rows({"lmp"}));
    Board het(qemu_hetero(), "transport");
    CHECK(het.db.ask("?- transport(0, 5, T).") == rows({"urpc_interconnect"}));
    CHECK(het.db.ask("?- transport(4, 5, T).") == rows({"urpc"}));
}

TEST_CASE("transport: nodes without a shared region get none") {
    Profile p = qemu_hetero();
    p.interconnects = {{0, 1}}; // node2 shares no region
    Board b(p, "transport");
    CHECK(b.db.ask("?- transport(0, 2, T).") == rows({"urpc_interconnect"}));
    CHECK(b.db.ask("?- transport(3, 1, T).") == rows({"urpc_interconnect"})); // read both ways
    CHECK(b.db.ask("?- transport(0, 4, T).") == rows({"none"}));
    CHECK(b.db.ask("?- transport(5, 2, T).") == rows({"none"}));
    CHECK(b.db.ask("?- transport(4, 5, T).") == rows({"urpc"}));
}

TEST_CASE("multicast: a tree over all cores of every board") {
    for (auto& profile : all_profiles()) {
        for (int root : {0, int(profile.cores.size()) - 1}) {
            CAPTURE(profile.board);
            CAPTURE(root);
            Board b(profile, "multicast");
            std::set<int> members;
            for (auto& c : b.p.cores) members.insert(int(c.id));
            REQUIRE(b.db.load(members_text(root, members)) == Error::Ok);
            auto parent = check_tree(b, root, members);
            // Each other node's aggregator is its member closest to the root.
            for (auto& [child, par] : parent) {
                if (par != root || b.p.node_of(child) == b.p.node_of(root)) continue;
                for (int m : members)
                    if (b.p.node_of(m) == b.p.node_of(child)) {
                        long long lc = b.p.round_trip(root, child), lm = b.p.round_trip(root, m);
                        CHECK((lc < lm || (lc == lm && child <= m)));
                    }
            }
        }
    }
}

TEST_CASE("multicast: the closest core aggregates, and measurements change the choice") {
    Profile p = qemu_hetero();
    p.latencies.push_back({0, 3, 900});  // a second, faster measurement of 0 -> 3
    p.latencies.push_back({0, 4, 2500}); // ties with nothing: 5 stays further? set both
    p.latencies.push_back({0, 5, 2500});
    Board b(p, "multicast");
    REQUIRE(b.db.load(members_text(0, {0, 1, 2, 3, 4, 5})) == Error::Ok);
    auto parent = check_tree(b, 0, {0, 1, 2, 3, 4, 5});
    CHECK(parent[3] == 0);
    CHECK(parent[2] == 3);
    CHECK(parent[4] == 0); // a tie at 2500 goes to the lower id
    CHECK(parent[5] == 4);
    CHECK(parent[1] == 0);
}

TEST_CASE("multicast: a subset of members, a root on another node, unmeasured nodes") {
    Profile p = qemu_hetero();
    p.latencies.clear();
    Board b(p, "multicast");
    REQUIRE(b.db.load(members_text(3, {0, 1, 5})) == Error::Ok);
    auto parent = check_tree(b, 3, {0, 1, 5});
    CHECK(parent[0] == 3); // without measurements the lowest id aggregates
    CHECK(parent[1] == 0);
    CHECK(parent[5] == 3);
    CHECK(parent.count(2) == 0);
}

TEST_CASE("placement: a device's driver runs on the least-loaded core of its node") {
    for (auto& profile : all_profiles()) {
        CAPTURE(profile.board);
        Board b(profile, "placement");
        for (auto& d : b.p.devices) {
            auto got = b.db.ask(std::string("?- place(\"") + d.name + "\", C).");
            REQUIRE(got.size() == 1);
            u32 core = u32(std::stoul(got[0]));
            CHECK(b.p.node_of(core) == d.node);
            for (auto& c : b.p.cores)
                if (c.node == d.node) CHECK(core <= c.id); // no loads: the lowest id
        }
    }
    Profile p = qemu_hetero();
    p.loads = {{2, 50}, {3, 10}, {4, 7}, {5, 7}};
    Board b(p, "placement");
    REQUIRE(b.db.load("serves(netd, virtio_net0). serves(blkd, virtio_blk0).") == Error::Ok);
    CHECK(b.db.ask("?- place(virtio_net0, C).") == rows({"3"}));
    CHECK(b.db.ask("?- place(virtio_blk0, C).") == rows({"4"})); // tie on load: lower id
    CHECK(b.db.ask("?- place(ivshmem0, C).") == rows({"0"}));    // unloaded cores count as 0
    CHECK(b.db.ask("?- place_service(S, C).") == rows({"blkd,4", "netd,3"}));
}

TEST_CASE("memory: each core allocates from the largest free range of its node") {
    for (auto& profile : all_profiles()) {
        CAPTURE(profile.board);
        Board b(profile, "memory");
        for (auto& c : b.p.cores) {
            auto got = b.db.ask("?- alloc_from(" + std::to_string(c.id) + ", B, S).");
            REQUIRE(got.size() == 1);
            u64 best_base = 0, best_size = 0;
            for (auto& m : b.p.memory)
                if (m.node == c.node && (m.size > best_size || (m.size == best_size && m.base < best_base)))
                    best_base = m.base, best_size = m.size;
            CHECK(got[0] == std::to_string(best_base) + "," + std::to_string(best_size));
        }
    }
    Profile p = qemu_hetero();
    p.memory = {{0, 0x1000, 0x4000}, {0, 0x100000, 0x4000}, {1, 0x40000000, 0x10}};
    Board b(p, "memory");
    CHECK(b.db.ask("?- alloc_from(0, B, S).") == rows({"4096,16384"})); // tie: the lower base
    CHECK(b.db.ask("?- alloc_from(4, B, S).").empty());                // node2 has no memory
}

TEST_CASE("all four rule files together fit a guest-sized engine on qemu-hetero") {
    Limits guest{1024, 16384, 64, 64, 8192, 32768, 32768, 8192, 1000000};
    CHECK(Engine::arena_bytes(guest) < 1024 * 1024);
    Db db(guest);
    REQUIRE(db.load(qemu_hetero().text()) == Error::Ok);
    for (const char* f : {"transport", "multicast", "placement", "memory"}) REQUIRE(db.load(rule_text(f)) == Error::Ok);
    REQUIRE(db.load("mc_root(0). mc_member(1). mc_member(2). mc_member(3). mc_member(4). mc_member(5).") == Error::Ok);
    CHECK(db.engine.solve().ok());
    CHECK(db.ask("?- mc_edge(P, C).").size() == 5);
    CHECK(db.ask("?- transport(0, 2, T).") == rows({"urpc_interconnect"}));
    CHECK(db.ask("?- place(virtio_net0, C).") == rows({"2"}));
    CHECK(db.ask("?- alloc_from(5, B, S).") == rows({"2147483648,50331648"}));
}
