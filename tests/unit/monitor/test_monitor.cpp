// The monitor's protocol core (monitor/*.cpp) on the host: whole boards with one Monitor per
// core over real URPC rings, stepped by a seeded scheduler on a simulated clock (and once
// with one thread per monitor on the real clock), with hostile, late and silent peers, and
// spawn requests routed across nodes.
#include "../transports/helpers.hpp"

#include <doctest.h>
#include <mosaic/monitor/monitor.hpp>
#include <mosaic/monitor/names.hpp>
#include <mosaic/skb/value.hpp>
#include <mosaic/transports/conformance.hpp>
#include <mosaic/transports/interfaces/intermon.hpp>
#include <mosaic/transports/interfaces/ping.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

using namespace mosaic;
using namespace mosaic::monitor;
namespace im = ifaces::intermon;
namespace pi = ifaces::ping;

namespace {

constexpr u32 kSlots = 32;

// A board keeps its monitor in a global, and runs no global constructors.
[[maybe_unused]] constinit Monitor g_constant_initialized;

BoardProfile board_of(u32 nodes, u32 cores) {
    BoardProfile b;
    const Isa isas[3] = {Isa::X86_64, Isa::Aarch64, Isa::Riscv64};
    b.node_count = nodes;
    b.interconnect = nodes > 1 ? 16 << 20 : 0;
    for (u32 i = 0; i < nodes; ++i) {
        b.nodes[i].isa = isas[i % 3];
        b.nodes[i].cores = cores;
        b.nodes[i].name[0] = char('a' + i);
        b.nodes[i].name[1] = 'n';
    }
    return b;
}

u64 hw_of(u32 core) { return 0x100 + core; }

u64 steady_ns() {
    return u64(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
                   .count());
}

struct SpawnCall {
    std::string name;
    u64 arg;
    std::string args;
};

struct Sim;

// One core of the simulated board: its monitor and what its Env saw.
struct Core {
    Sim* sim = nullptr;
    u32 id = 0, node = 0;
    bool boot = false, active = false;
    std::unique_ptr<Monitor> m = std::make_unique<Monitor>();
    std::vector<SpawnCall> spawns;
    std::vector<SpawnResult> results;
    std::vector<std::string> missing; // names Env::spawn says it does not have
    std::vector<Query> queries;       // what Env::query ran here
    std::vector<Answer> answers;      // what Env::answered brought here
};

// What a test changes about a board.
struct Options {
    u32 nodes = 3, cores = 2;
    std::set<u32> silent_nodes; // never start
    std::map<u32, u64> late_nodes; // start at this tick
    std::set<u32> raw_nodes;    // driven by the test, by hand
    std::set<u32> raw_cores;    // a core monitor the test drives by hand (or never)
    u64 core_timeout = 5 * kTickHz, greet_timeout = 30 * kTickHz, node_timeout = 60 * kTickHz;
    u32 picks_per_tick = 64;
    bool real_clock = false;
};

struct Sim {
    Options o;
    BoardProfile b;
    u64 ticks = 0, counter = 0;
    std::vector<std::unique_ptr<Core>> cores;
    std::vector<std::unique_ptr<test::UrpcPair>> core_links; // by core: a at the boot monitor, b at the core
    std::unique_ptr<test::UrpcPair> node_links[BoardProfile::kMaxNodes][BoardProfile::kMaxNodes]; // [i][j], i < j

    explicit Sim(const Options& opt) : o(opt), b(board_of(opt.nodes, opt.cores)) {
        u32 total = b.total_cores();
        for (u32 c = 0; c < total; ++c) {
            auto core = std::make_unique<Core>();
            core->sim = this;
            core->id = c;
            core->node = c / o.cores;
            core->boot = c == b.first_core(core->node);
            cores.push_back(std::move(core));
            core_links.push_back(std::make_unique<test::UrpcPair>(kSlots, false));
            REQUIRE(core_links.back()->ok);
        }
        for (u32 i = 0; i < o.nodes; ++i)
            for (u32 j = i + 1; j < o.nodes; ++j) {
                node_links[i][j] = std::make_unique<test::UrpcPair>(kSlots, false);
                REQUIRE(node_links[i][j]->ok);
            }
        for (u32 n = 0; n < o.nodes; ++n)
            if (!o.silent_nodes.count(n) && !o.raw_nodes.count(n) && !o.late_nodes.count(n)) start_node(n);
    }

    // Node i's end of its channel to node j.
    transports::Channel* node_channel(u32 i, u32 j) {
        return i < j ? &node_links[i][j]->a : &node_links[j][i]->b;
    }
    // The ring node i writes towards node j.
    void* node_tx_ring(u32 i, u32 j) { return i < j ? node_links[i][j]->ab.base() : node_links[j][i]->ba.base(); }

    static u64 now_of(void* ctx) {
        Core* c = static_cast<Core*>(ctx);
        return c->sim->o.real_clock ? steady_ns() / 10'000'000 : c->sim->ticks;
    }
    static u64 counter_of(void* ctx) {
        Core* c = static_cast<Core*>(ctx);
        return c->sim->o.real_clock ? steady_ns() : c->sim->counter;
    }
    static Result<u32> spawn_of(void* ctx, const char* name, u64 arg, const char* args) {
        Core* c = static_cast<Core*>(ctx);
        c->spawns.push_back({name, arg, args});
        for (auto& n : c->missing)
            if (n == name) return Error::NotFound;
        return u32(100 + c->spawns.size());
    }
    static void result_of(void* ctx, const SpawnResult& r) { static_cast<Core*>(ctx)->results.push_back(r); }
    // Queries: the answer says where it ran (a = the core, b = the op, c = the argument + 1).
    static Answer query_of(void* ctx, const Query& q) {
        Core* c = static_cast<Core*>(ctx);
        c->queries.push_back(q);
        if (q.op == QueryOp::Kill && q.a == 1) return {q.origin, q.tag, c->id, Error::PermissionDenied, 0, 0, 0};
        if (q.op == QueryOp::NameWait) return {q.origin, q.tag, c->id, Error::WouldBlock, 0, 0, 0}; // later
        return {q.origin, q.tag, c->id, Error::Ok, c->id, u64(q.op), q.a + 1};
    }
    static void answered_of(void* ctx, const Answer& a) { static_cast<Core*>(ctx)->answers.push_back(a); }

    Config config_of(const Core& c) const {
        return {.board = &b, .node = c.node, .core = c.id, .hw_id = hw_of(c.id), .boot = c.boot,
                .boot_core = b.first_core(c.node), .core_timeout = o.core_timeout, .node_timeout = o.node_timeout,
                .greet_timeout = o.greet_timeout};
    }

    void start_node(u32 n) {
        u32 first = b.first_core(n);
        Core& boot = *cores[first];
        Env env{.ctx = &boot, .now = now_of, .counter = counter_of, .counter_hz = 1'000'000'000, .print = nullptr,
                .spawn = spawn_of, .result = result_of, .query = query_of, .answered = answered_of};
        boot.m->init(config_of(boot), env);
        for (u32 c = first + 1; c < first + o.cores; ++c) REQUIRE(boot.m->add_core(c, hw_of(c), &core_links[c]->a).ok());
        for (u32 j = 0; j < o.nodes; ++j)
            if (j != n) REQUIRE(boot.m->add_node(j, node_channel(n, j)).ok());
        boot.m->cores_added();
        boot.active = true;
        for (u32 c = first + 1; c < first + o.cores; ++c) {
            if (o.raw_cores.count(c)) continue;
            Core& core = *cores[c];
            env.ctx = &core;
            core.m->init(config_of(core), env);
            REQUIRE(core.m->set_boot_channel(&core_links[c]->b, 0x40 + c).ok());
            core.active = true;
        }
    }

    std::vector<Core*> active() {
        std::vector<Core*> v;
        for (auto& c : cores)
            if (c->active) v.push_back(c.get());
        return v;
    }

    // Every running monitor agreed, and every boot monitor's cores acknowledged.
    bool all_agreed() {
        for (Core* c : active())
            if (!c->m->agreed() || (c->boot && !c->m->cores_acked())) return false;
        return true;
    }
    bool all_settled() {
        for (Core* c : active())
            if (!c->m->settled()) return false;
        return true;
    }

    // Steps running monitors in a seeded random order, `picks` times or until `stop`.
    template <typename Stop> u64 run(std::mt19937_64& rng, u64 picks, Stop stop) {
        u64 i = 0;
        for (; i < picks && !stop(); ++i) {
            for (auto it = o.late_nodes.begin(); it != o.late_nodes.end();)
                if (ticks >= it->second) {
                    start_node(it->first);
                    it = o.late_nodes.erase(it);
                } else ++it;
            auto v = active();
            if (!v.empty()) v[rng() % v.size()]->m->step();
            counter += 20 + rng() % 40;
            if (i % o.picks_per_tick == 0) ++ticks;
        }
        return i;
    }
    u64 run_until_agreed(std::mt19937_64& rng, u64 picks = 2'000'000) {
        return run(rng, picks, [&] { return all_agreed(); });
    }
    void run_more(std::mt19937_64& rng, u64 picks) {
        run(rng, picks, [] { return false; });
    }
};

using FactSet = std::set<std::tuple<u32, u32, u64>>;
FactSet facts_of(const Monitor& m) {
    FactSet s;
    for (u32 i = 0; i < m.fact_count(); ++i) s.insert({m.facts()[i].from, m.facts()[i].to, m.facts()[i].ns});
    return s;
}

// Checks what every running monitor of an agreed board holds against the board.
void check_agreed_board(Sim& s, const std::set<u32>& absent_nodes, const std::set<u32>& down_cores) {
    auto v = s.active();
    REQUIRE(!v.empty());
    const u64 digest = v[0]->m->membership().digest();
    for (Core* c : v) {
        CAPTURE(c->id);
        CHECK(c->m->agreed());
        CHECK(c->m->settled());
        const Membership& mem = c->m->membership();
        CHECK(mem.count == s.b.total_cores());
        CHECK(mem.digest() == digest);
        for (u32 k = 0; k < mem.count; ++k) {
            CAPTURE(k);
            const Member& m = mem.members[k];
            u32 node = k / s.o.cores;
            CHECK(m.core == k);
            CHECK(m.node == node);
            CHECK(m.isa == s.b.nodes[node].isa);
            MemberState want = absent_nodes.count(node) ? MemberState::Absent
                               : down_cores.count(k)    ? MemberState::Down
                                                        : MemberState::Up;
            CHECK(member_state_name(m.state) == std::string(member_state_name(want)));
            CHECK(m.hw_id == (want == MemberState::Absent ? 0 : hw_of(k)));
        }
    }
}

// The latency facts every boot monitor should hold: each node's boot core to each of its Up
// cores, and to every other expected node's boot core.
void check_facts(Sim& s, const std::set<u32>& absent_nodes, const std::set<u32>& down_cores) {
    std::set<std::pair<u32, u32>> want;
    for (u32 n = 0; n < s.o.nodes; ++n) {
        if (absent_nodes.count(n)) continue;
        u32 boot = s.b.first_core(n);
        for (u32 c = boot + 1; c < boot + s.o.cores; ++c)
            if (!down_cores.count(c)) want.insert({boot, c});
        for (u32 j = 0; j < s.o.nodes; ++j)
            if (j != n && !absent_nodes.count(j)) want.insert({boot, s.b.first_core(j)});
    }
    FactSet first;
    bool have_first = false;
    for (Core* c : s.active()) {
        if (!c->boot) {
            CHECK(c->m->fact_count() == 0);
            continue;
        }
        CAPTURE(c->id);
        FactSet f = facts_of(*c->m);
        std::set<std::pair<u32, u32>> pairs;
        for (auto& [from, to, ns] : f) {
            pairs.insert({from, to});
            CHECK(ns > 0);
            CHECK(ns <= u64(skb::Value::kMaxInt));
        }
        CHECK(c->m->fact_count() == want.size());
        CHECK(pairs == want);
        if (!have_first) first = f, have_first = true;
        CHECK(f == first);
    }
}

// A peer written by hand: frames put straight into the ring it writes (including broken ones).
struct RawWriter {
    transports::UrpcWriter w;
    u32 seq = 0;
    explicit RawWriter(void* base) { REQUIRE(w.init(base, kSlots, false).ok()); }
    bool frames(const transports::Outgoing& o, bool corrupt = false) {
        transports::Frame f[transports::kMaxFragments];
        auto n = transports::encode_message(o, seq++, f, transports::kMaxFragments);
        if (!n.ok()) return false;
        if (corrupt) f[0].bytes[transports::field::kFlags] |= 0x80; // a flag bit no frame has
        return w.send_frames(f, *n).ok();
    }
    template <typename M> bool send(const M& m, u16 length = transports::wire_size_of<M>()) {
        u8 buf[transports::wire_size_of<M>() + 1];
        encode_fields(m, buf);
        return frames({.interface = M::kInterface, .type = M::kType, .payload = buf, .length = length});
    }
};

im::NodeName name_of(const BoardProfile& b, u32 node) {
    im::NodeName n = {};
    for (u32 i = 0; i < 16 && b.nodes[node].name[i]; ++i) n.bytes[i] = u8(b.nodes[node].name[i]);
    return n;
}

bool has_result(const Core& c, u64 tag, bool ended) {
    for (auto& r : c.results)
        if (r.tag == tag && r.ended == ended) return true;
    return false;
}
const SpawnResult* result_for(const Core& c, u64 tag, bool ended) {
    for (auto& r : c.results)
        if (r.tag == tag && r.ended == ended) return &r;
    return nullptr;
}

} // namespace

TEST_CASE("membership digest: FNV-1a 64 over each member's fields, so any field changes it") {
    Membership a;
    a.count = 2;
    a.members[0] = {0, 0, Isa::X86_64, 7, MemberState::Up};
    a.members[1] = {1, 1, Isa::Aarch64, 9, MemberState::Down};
    Membership b = a;
    CHECK(a.digest() == b.digest());
    CHECK(a.digest() != transports::kFnv1a64Offset);
    b.members[1].state = MemberState::Up;
    CHECK(a.digest() != b.digest());
    b = a;
    b.members[0].hw_id = 8;
    CHECK(a.digest() != b.digest());
    b = a;
    b.members[1].isa = Isa::Riscv64;
    CHECK(a.digest() != b.digest());
    // The layout is fixed: core, node, isa as u32, hw_id as u64, state as u8, little-endian.
    u8 bytes[42] = {};
    bytes[12] = 7;
    bytes[20] = 1;
    bytes[21] = 1;
    bytes[25] = 1;
    bytes[29] = 1;
    bytes[33] = 9;
    bytes[41] = 2;
    CHECK(a.digest() == transports::fnv1a64(bytes, sizeof bytes));
}

TEST_CASE("simulated boards: every monitor agrees on the same membership and facts, for many schedules") {
    struct Shape {
        u32 nodes, cores;
    };
    for (Shape shape : {Shape{3, 2}, Shape{1, 4}, Shape{2, 2}}) {
        for (u64 seed = 1; seed <= 20; ++seed) {
            CAPTURE(shape.nodes);
            CAPTURE(shape.cores);
            CAPTURE(seed);
            Options o;
            o.nodes = shape.nodes;
            o.cores = shape.cores;
            Sim s(o);
            std::mt19937_64 rng(seed);
            s.run_until_agreed(rng);
            REQUIRE(s.all_agreed());
            check_agreed_board(s, {}, {});
            check_facts(s, {}, {});
            for (Core* c : s.active()) CHECK(c->m->refused() == 0);
            CHECK(s.ticks < o.greet_timeout); // nobody had to wait for a deadline
        }
    }
}

TEST_CASE("a node that greets late, before the greeting deadline, is still included") {
    for (u64 seed = 1; seed <= 4; ++seed) {
        CAPTURE(seed);
        Options o;
        o.late_nodes[2] = 1000; // ticks; greet_timeout is 3000
        Sim s(o);
        std::mt19937_64 rng(seed);
        s.run_until_agreed(rng);
        REQUIRE(s.all_agreed());
        CHECK(s.ticks > 1000);
        CHECK(s.active().size() == 6);
        check_agreed_board(s, {}, {});
        check_facts(s, {}, {});
    }
}

TEST_CASE("a node that never answers is given up: its cores Absent everywhere, the others agree") {
    for (u64 seed = 1; seed <= 3; ++seed) {
        CAPTURE(seed);
        Options o;
        o.silent_nodes = {1};
        o.greet_timeout = 300;
        o.node_timeout = 3000;
        Sim s(o);
        std::mt19937_64 rng(seed);
        s.run_until_agreed(rng);
        REQUIRE(s.all_agreed());
        CHECK(s.ticks >= 300); // it waited for the greeting deadline
        CHECK(s.active().size() == 4);
        check_agreed_board(s, {1}, {});
        check_facts(s, {1}, {});
        for (Core* c : s.active()) CHECK(c->m->refused() == 0);

        // A spawn towards a core of the silent node is refused at once, where it was asked.
        Core& asker = *s.cores[1];
        asker.m->spawn_remote(3, "prog", 1, 77);
        REQUIRE(asker.results.size() == 1);
        CHECK(asker.results[0].status == Error::NotFound);
        CHECK(asker.results[0].tag == 77);
        CHECK(asker.results[0].core == 3);
    }
}

TEST_CASE("views that disagree settle without agreement by the node deadline at the latest") {
    // Node 2's only channel to node 1 is never read nor written: node 1 gives it up, node 0
    // hears it. FIXME (membership.cpp): nobody tells node 0, so nobody agrees.
    Options o;
    o.nodes = 3;
    o.cores = 1;
    o.greet_timeout = 200;
    o.node_timeout = 1500;
    Sim s(o);
    // Cut node 1 <-> node 2 by replacing node 1's boot monitor's view of it: re-init node 1
    // without add_node(2).
    Core& n1 = *s.cores[1];
    Env env{.ctx = &n1, .now = Sim::now_of, .counter = Sim::counter_of, .counter_hz = 1'000'000'000,
            .spawn = Sim::spawn_of, .result = Sim::result_of};
    n1.m->init(s.config_of(n1), env);
    REQUIRE(n1.m->add_node(0, s.node_channel(1, 0)).ok());
    n1.m->cores_added();
    std::mt19937_64 rng(5);
    s.run(rng, 2'000'000, [&] { return s.all_settled(); });
    CHECK(s.all_settled());
    for (u32 n = 0; n < 3; ++n) CHECK(!s.cores[n]->m->agreed());
    CHECK(s.ticks <= o.node_timeout + 2);
}

TEST_CASE("a node that greets and then goes silent: settled, not agreed, by the node deadline") {
    Options o;
    o.nodes = 2;
    o.cores = 2;
    o.raw_nodes = {1};
    o.node_timeout = 800;
    Sim s(o);
    RawWriter w(s.node_tx_ring(1, 0));
    const u32 isa = u32(s.b.nodes[1].isa);
    CHECK(w.send(im::node_hello_message{1, isa, 2, 2, hw_of(2), name_of(s.b, 1)}));
    CHECK(w.send(im::member_message{2, 1, isa, hw_of(2), 1}));
    CHECK(w.send(im::member_message{3, 1, isa, hw_of(3), 1}));
    CHECK(w.send(im::done_message{1, 2, 0})); // right, but it never answers a ping nor sends a view
    std::mt19937_64 rng(2);
    s.run(rng, 2'000'000, [&] { return s.all_settled(); });
    CHECK(s.all_settled());
    CHECK(s.ticks >= 800);
    CHECK(s.ticks <= 802);
    CHECK(!s.cores[0]->m->agreed());
    CHECK(!s.cores[1]->m->agreed()); // its core monitor never got a membership
    CHECK(s.cores[0]->m->refused() == 0);
}

TEST_CASE("a flood of random frames from a node neither crashes nor hangs a boot monitor") {
    for (u64 seed = 1; seed <= 5; ++seed) {
        CAPTURE(seed);
        Options o;
        o.nodes = 2;
        o.cores = 2;
        o.raw_nodes = {1};
        o.greet_timeout = 300;
        o.node_timeout = 600;
        Sim s(o);
        s.cores[0]->missing = {""};
        RawWriter w(s.node_tx_ring(1, 0));
        std::mt19937_64 rng(seed);
        u32 sent = 0;
        for (u32 i = 0; i < 3000; ++i) {
            u8 payload[transports::kMaxPayload];
            // Mostly small bytes, so that many fields hold plausible core, node and ISA numbers.
            for (auto& b : payload) b = rng() % 4 ? u8(rng() % 3) : u8(rng());
            u16 type = u16(rng() % 11);
            u16 iface = rng() % 8 ? im::kInterfaceId : u16(rng() % 8);
            u16 len = u16(rng() % 4 ? 21 + rng() % 20 : rng() % 100);
            if (type == 0) continue;
            bool corrupt = rng() % 16 == 0;
            if (w.frames({.interface = iface, .type = type, .payload = payload, .length = len}, corrupt)) ++sent;
            s.run_more(rng, 3);
        }
        s.run(rng, 2'000'000, [&] { return s.all_settled(); });
        CHECK(sent > 1000);
        CHECK(s.all_settled());
        CHECK(s.cores[0]->m->refused() > 0);
        // Whatever it did, the membership is still one of this board's.
        const Membership& m = s.cores[0]->m->membership();
        CHECK(m.count == 4);
        CHECK(m.members[0].state == MemberState::Up);
        CHECK(m.members[1].state == MemberState::Up);
    }
}

TEST_CASE("core monitors: one that never says core_up, and one that fails, are Down in every view") {
    Options o;
    o.nodes = 2;
    o.cores = 3; // cores 0 1 2 | 3 4 5
    o.raw_cores = {2, 4};
    o.core_timeout = 100;
    Sim s(o);
    // Core 4 reports a failure; core 2 lies (wrong ISA) and then stays silent.
    CHECK(transports::send_message(s.core_links[4]->b, im::core_up_message{4, 1, u32(s.b.nodes[1].isa), hw_of(4), 5, 0})
              .ok());
    CHECK(transports::send_message(s.core_links[2]->b, im::core_up_message{2, 0, u32(Isa::Riscv64), hw_of(2), 0, 0})
              .ok());
    std::mt19937_64 rng(9);
    s.run_until_agreed(rng);
    REQUIRE(s.all_agreed());
    CHECK(s.ticks >= 100); // node 0 waited for core 2's deadline
    check_agreed_board(s, {}, {2, 4});
    check_facts(s, {}, {2, 4});
    CHECK(s.cores[0]->m->refused() == 1); // the lie
    CHECK(s.cores[3]->m->refused() == 0); // a failure is no lie
    // The doorbells the Up core monitors named in their core_up.
    CHECK(s.cores[0]->m->doorbell_of(1).value() == 0x41);
    CHECK(s.cores[3]->m->doorbell_of(5).value() == 0x45);
    CHECK(s.cores[0]->m->doorbell_of(2).error() == Error::NotFound);
    CHECK(s.cores[3]->m->doorbell_of(4).error() == Error::NotFound);
    CHECK(s.cores[0]->m->doorbell_of(5).error() == Error::NotFound); // not its node's
}

TEST_CASE("a hostile node's garbage and lies are refused and counted; the others still agree") {
    Options o; // nodes 0, 1 real; node 2 (cores 4 5, riscv64) by hand
    o.raw_nodes = {2};
    Sim s(o);
    const BoardProfile& b = s.b;
    for (u32 target : {0u, 1u}) {
        CAPTURE(target);
        RawWriter w(s.node_tx_ring(2, target));
        const u32 isa = u32(b.nodes[2].isa);
        u8 junk[8] = {1, 2, 3};
        CHECK(w.send(im::done_message{2, 2, 0}, 0)); // a done of the wrong length
        CHECK(w.frames({.interface = im::kInterfaceId, .type = 5, .payload = junk, .length = 8}, true)); // garbage frame
        CHECK(w.frames({.interface = 0x7777, .type = 1, .payload = junk, .length = 8}));        // unknown interface
        CHECK(w.frames({.interface = im::kInterfaceId, .type = 99, .payload = junk, .length = 8})); // unknown type
        CHECK(w.send(im::node_hello_message{1, isa, 2, 4, hw_of(4), name_of(b, 2)}));           // says it is node 1
        CHECK(w.send(im::node_hello_message{2, u32(Isa::X86_64), 2, 4, hw_of(4), name_of(b, 2)})); // wrong ISA
        CHECK(w.send(im::node_hello_message{2, isa, 2, 4, hw_of(4), name_of(b, 2)}));           // right
        CHECK(w.send(im::member_message{0, 2, isa, hw_of(0), 1}));                              // another node's core
        CHECK(w.send(im::member_message{4, 2, u32(Isa::X86_64), hw_of(4), 1}));                 // wrong ISA
        CHECK(w.send(im::member_message{4, 2, isa, hw_of(4), 1}));
        CHECK(w.send(im::member_message{5, 2, isa, hw_of(5), 1}));
        CHECK(w.send(im::latency_message{4, 99, 5}));                         // no such core
        CHECK(w.send(im::latency_message{4, 0, 0}));                          // no time at all
        CHECK(w.send(im::latency_message{4, 0, u64(skb::Value::kMaxInt) + 1})); // not an SKB integer
        CHECK(w.send(im::latency_message{4, 5, 1234}));                       // a good one
        im::ProgramName unterminated;
        for (auto& c : unterminated.bytes) c = 'x';
        CHECK(w.send(im::spawn_message{s.b.first_core(target), unterminated, 0, 4, 1, {}})); // a name without NUL
        CHECK(w.send(im::done_message{2, 2, 7}));                             // wrong fact count
    }
    std::mt19937_64 rng(3);
    s.run_until_agreed(rng);
    REQUIRE(s.all_agreed());
    check_agreed_board(s, {2}, {});
    check_facts(s, {2}, {}); // its good fact was dropped with it
    for (u32 boot : {0u, 2u}) {
        CAPTURE(boot);
        // the short done + garbage + unknown interface +
        // unknown type + two hellos + two members + three facts + the name + the done.
        CHECK(s.cores[boot]->m->refused() == 13);
        for (auto& c : s.cores) CHECK(c->spawns.empty());
    }
}

// A board of one node with two cores whose core 1's monitor the test drives by hand, in its
// boot monitor's place (core 0's monitor never steps).
Options one_node_two_cores() {
    Options o;
    o.nodes = 1;
    o.cores = 2;
    o.raw_cores = {};
    return o;
}
struct ByHand {
    Sim s{one_node_two_cores()};
    Core& c1 = *s.cores[1];
    transports::Channel& boot = s.core_links[1]->a;
    ByHand() { s.cores[0]->active = false; }
};
// The same, its core_up already taken from the boot channel.
struct ByHandUp : ByHand {
    transports::Message m;
    ByHandUp() { REQUIRE(boot.poll(m).ok()); }
};

TEST_CASE("a core monitor checks the membership it is sent, refuses a wrong one, takes a right one") {
    ByHand h;
    Core& c1 = h.c1;
    transports::Channel& boot = h.boot;
    transports::Message m;
    REQUIRE(boot.poll(m).ok());
    auto up = transports::decode_message<im::core_up_message>(m);
    REQUIRE(up.ok());
    CHECK(up->core == 1);
    CHECK(up->node == 0);
    CHECK(up->isa == u32(Isa::X86_64));
    CHECK(up->hw_id == hw_of(1));
    CHECK(up->status == 0);
    CHECK(up->doorbell == 0x41);
    // It answers pings with the transformed payload.
    CHECK(transports::send_message(boot, pi::ping_request{3, 77}).ok());
    c1.m->step();
    REQUIRE(boot.poll(m).ok());
    auto pong = transports::decode_message<pi::pong_reply>(m);
    REQUIRE(pong.ok());
    CHECK(m.reply);
    CHECK(pong->seq == 3);
    CHECK(pong->payload == pong_payload(77));

    Membership want;
    want.count = 2;
    want.members[0] = {0, 0, Isa::X86_64, hw_of(0), MemberState::Up};
    want.members[1] = {1, 0, Isa::X86_64, hw_of(1), MemberState::Up};
    auto send_members = [&] {
        for (u32 i = 0; i < 2; ++i) {
            const Member& x = want.members[i];
            CHECK(transports::send_message(boot, im::member_message{x.core, x.node, u32(x.isa), x.hw_id, u8(x.state)})
                      .ok());
        }
    };
    send_members();
    CHECK(transports::send_message(boot, im::view_message{0, 2, want.digest() ^ 1}).ok()); // wrong digest
    c1.m->step();
    CHECK(c1.m->refused() == 1);
    CHECK(!c1.m->agreed());
    CHECK(!boot.poll(m).ok()); // no ack
    send_members();
    CHECK(transports::send_message(boot, im::view_message{0, 3, want.digest()}).ok()); // wrong count
    c1.m->step();
    CHECK(c1.m->refused() == 2);
    CHECK(!c1.m->agreed());
    send_members();
    CHECK(transports::send_message(boot, im::view_message{0, 2, want.digest()}).ok());
    c1.m->step();
    CHECK(c1.m->refused() == 2);
    CHECK(c1.m->agreed());
    CHECK(c1.m->membership().digest() == want.digest());
    REQUIRE(boot.poll(m).ok());
    auto ack = transports::decode_message<im::view_ack_message>(m);
    REQUIRE(ack.ok());
    CHECK(ack->core == 1);
    CHECK(ack->digest == want.digest());
    // Out of place at a core monitor: a node's greeting, a fact, someone else's spawn.
    CHECK(transports::send_message(boot, im::node_hello_message{0, 0, 2, 0, 0, {}}).ok());
    CHECK(transports::send_message(boot, im::latency_message{0, 1, 5}).ok());
    CHECK(transports::send_message(boot, im::spawn_message{0, {{'a'}}, 0, 0, 1, {}}).ok());
    c1.m->step();
    CHECK(c1.m->refused() == 5);
    CHECK(c1.spawns.empty());
}

TEST_CASE("a pong that finds the ring full is owed, not dropped, and nothing spins") {
    Options o;
    o.nodes = 1;
    o.cores = 2;
    Sim s(o);
    Core& c1 = *s.cores[1];
    s.cores[0]->active = false;
    transports::Channel& boot = s.core_links[1]->a;
    // Fill the ring towards the boot side with the core's core_up and our pings' answers.
    u32 pings = 0;
    for (; pings < 40; ++pings) {
        REQUIRE(transports::send_message(boot, pi::ping_request{pings, pings}).ok());
        c1.m->step();
    }
    // The core answered what fit (kSlots - 1 after its core_up) and owes one; the rest wait
    // in the ring (it reads no more pings while one is owed... it refuses a second).
    transports::Message m;
    u32 answers = 0;
    std::set<u64> seqs;
    for (u32 round = 0; round < 10; ++round) {
        while (boot.poll(m).ok())
            if (auto p = transports::decode_message<pi::pong_reply>(m); p.ok()) {
                ++answers;
                seqs.insert(p->seq);
            }
        c1.m->step();
    }
    CHECK(seqs.size() == answers);
    CHECK(answers + c1.m->refused() == pings);
    CHECK(answers >= kSlots); // the owed pong went out once there was room
}

// A board of 3 nodes x 2 cores (0 1 | 2 3 | 4 5) whose monitors agreed, in a seeded order.
std::unique_ptr<Sim> agreed_board(std::mt19937_64& rng) {
    auto s = std::make_unique<Sim>(Options{});
    s->run_until_agreed(rng);
    REQUIRE(s->all_agreed());
    return s;
}

TEST_CASE("spawn requests are routed to the core they name, and their results back to the origin") {
    std::mt19937_64 rng(11);
    auto board = agreed_board(rng); // 3 nodes x 2 cores: 0 1 | 2 3 | 4 5
    Sim& s = *board;
    Core& asker = *s.cores[1]; // a core monitor on node 0
    s.cores[5]->missing = {"nothere"};
    asker.m->spawn_remote(5, "hello", 42, 1);    // another node's core monitor
    asker.m->spawn_remote(0, "world", 43, 2);    // its own node's boot core
    asker.m->spawn_remote(4, "other", 44, 3);    // another node's boot core
    asker.m->spawn_remote(1, "self", 45, 4);     // itself: at once
    asker.m->spawn_remote(5, "nothere", 46, 5);  // the target's own error comes back
    asker.m->spawn_remote(99, "nowhere", 0, 6);  // no such core: at once
    asker.m->spawn_remote(3, "abcdefghijklmnop", 0, 7); // 16 bytes, no NUL: at once
    asker.m->spawn_remote(5, "echo", 0, 8, "hello from core 1");    // with argument text
    asker.m->spawn_remote(5, "echo", 0, 9, "twenty-four bytes of txt"); // 24 bytes, no NUL: at once
    REQUIRE(asker.results.size() == 4); // 4, 6, 7 and 9 at once
    CHECK(asker.results[0].tag == 4);
    CHECK(asker.results[0].status == Error::Ok);
    CHECK(asker.results[1].tag == 6);
    CHECK(asker.results[1].status == Error::NotFound);
    CHECK(asker.results[2].tag == 7);
    CHECK(asker.results[2].status == Error::InvalidArgument);
    CHECK(asker.results[3].tag == 9);
    CHECK(asker.results[3].status == Error::InvalidArgument);
    s.run(rng, 200'000, [&] { return asker.results.size() == 9; });
    REQUIRE(asker.results.size() == 9);
    // Env::spawn ran on exactly the target cores, with the name and argument.
    auto calls = [&](u32 c) {
        std::vector<std::pair<std::string, u64>> v;
        for (auto& x : s.cores[c]->spawns) v.push_back({x.name, x.arg});
        return v;
    };
    using V = std::vector<std::pair<std::string, u64>>;
    CHECK(calls(5) == V{{"hello", 42}, {"nothere", 46}, {"echo", 0}});
    CHECK(s.cores[5]->spawns.back().args == "hello from core 1"); // the text travelled with it
    CHECK(s.cores[5]->spawns.front().args.empty());
    CHECK(calls(0) == V{{"world", 43}});
    CHECK(calls(4) == V{{"other", 44}});
    CHECK(calls(1) == V{{"self", 45}});
    CHECK(calls(2).empty());
    CHECK(calls(3).empty());
    for (u64 tag : {1, 2, 3, 4}) {
        CAPTURE(tag);
        const SpawnResult* r = result_for(asker, tag, false);
        REQUIRE(r);
        CHECK(r->status == Error::Ok);
        CHECK(r->origin == 1);
        CHECK(r->dispatcher >= 101);
    }
    CHECK(result_for(asker, 1, false)->core == 5);
    CHECK(result_for(asker, 2, false)->core == 0);
    CHECK(result_for(asker, 3, false)->core == 4);
    const SpawnResult* missing = result_for(asker, 5, false);
    REQUIRE(missing);
    CHECK(missing->status == Error::NotFound);
    CHECK(missing->core == 5);
    // The ends: only after the target says so, with how, code and address.
    const u32 d5 = result_for(asker, 1, false)->dispatcher, d0 = result_for(asker, 2, false)->dispatcher;
    s.run_more(rng, 2000);
    CHECK(!has_result(asker, 1, true));
    s.cores[5]->m->dispatcher_ended(d5, EndHow::Faulted, 13, 0xdead000, 3);
    s.cores[0]->m->dispatcher_ended(d0, EndHow::Exited, 0, 0, 0);
    s.cores[5]->m->dispatcher_ended(999, EndHow::Exited, 0, 0, 0); // nobody's: nothing
    s.run(rng, 200'000, [&] { return has_result(asker, 1, true) && has_result(asker, 2, true); });
    const SpawnResult* end5 = result_for(asker, 1, true);
    REQUIRE(end5);
    CHECK(end5->core == 5);
    CHECK(end5->dispatcher == d5);
    CHECK(end5->how == EndHow::Faulted);
    CHECK(end5->code == 13);
    CHECK(end5->address == 0xdead000);
    CHECK(end5->preemptions == 3);
    const SpawnResult* end0 = result_for(asker, 2, true);
    REQUIRE(end0);
    CHECK(end0->how == EndHow::Exited);
    CHECK(end0->code == 0);
    s.run_more(rng, 2000);
    CHECK(asker.results.size() == 11);
    for (auto& c : s.cores)
        if (c.get() != &asker) CHECK(c->results.empty());
    for (auto& c : s.cores) CHECK(c->m->refused() == 0);
}

TEST_CASE("a core running kMaxSpawned dispatchers refuses the next spawn before it starts: no end goes unreported") {
    std::mt19937_64 rng(12);
    auto board = agreed_board(rng); // 3 nodes x 2 cores: 0 1 | 2 3 | 4 5
    Sim& s = *board;
    Core& asker = *s.cores[1];
    Core& target = *s.cores[5];
    // Fill core 5: half from core 1 across nodes, half from core 5 itself.
    for (u32 i = 0; i < kMaxSpawned / 2; ++i) asker.m->spawn_remote(5, "far", i, 100 + i);
    for (u32 i = 0; i < kMaxSpawned / 2; ++i) target.m->spawn_remote(5, "near", i, 200 + i);
    s.run(rng, 400'000, [&] { return asker.results.size() == kMaxSpawned / 2; });
    REQUIRE(asker.results.size() == kMaxSpawned / 2);
    REQUIRE(target.results.size() == kMaxSpawned / 2);
    for (auto* c : {&asker, &target})
        for (const SpawnResult& r : c->results) CHECK(r.status == Error::Ok);
    REQUIRE(target.spawns.size() == kMaxSpawned);
    // One more, from either side: Busy, and nothing started.
    asker.m->spawn_remote(5, "one_more", 0, 150);
    target.m->spawn_remote(5, "one_more", 0, 250);
    s.run(rng, 400'000, [&] { return has_result(asker, 150, false); });
    const SpawnResult* far = result_for(asker, 150, false);
    const SpawnResult* near = result_for(target, 250, false);
    REQUIRE(far);
    REQUIRE(near);
    CHECK(far->status == Error::Busy);
    CHECK(far->core == 5);
    CHECK(near->status == Error::Busy);
    CHECK(target.spawns.size() == kMaxSpawned);
    // One ends: its end reaches its origin, and its place takes the next spawn, whose end is heard too.
    const u32 first = result_for(asker, 100, false)->dispatcher;
    target.m->dispatcher_ended(first, EndHow::Exited, 7, 0, 0);
    asker.m->spawn_remote(5, "again", 0, 160);
    s.run(rng, 400'000, [&] { return has_result(asker, 100, true) && has_result(asker, 160, false); });
    REQUIRE(has_result(asker, 100, true));
    CHECK(result_for(asker, 100, true)->code == 7);
    const SpawnResult* again = result_for(asker, 160, false);
    REQUIRE(again);
    CHECK(again->status == Error::Ok);
    CHECK(target.spawns.size() == kMaxSpawned + 1);
    target.m->dispatcher_ended(again->dispatcher, EndHow::Exited, 0, 0, 0);
    s.run(rng, 400'000, [&] { return has_result(asker, 160, true); });
    CHECK(has_result(asker, 160, true));
    for (auto& c : s.cores) CHECK(c->m->refused() == 0);
}

TEST_CASE("threads: one per monitor on the real clock, every monitor agrees") {
    Options o;
    o.real_clock = true;
    Sim s(o);
    auto v = s.active();
    REQUIRE(v.size() == 6);
    std::atomic<u32> done{0};
    std::vector<std::thread> threads;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    for (Core* c : v)
        threads.emplace_back([&, c] {
            bool mine = false;
            while (done.load() < v.size() && std::chrono::steady_clock::now() < deadline) {
                bool busy = c->m->step();
                if (!mine && c->m->agreed() && (!c->boot || c->m->cores_acked())) {
                    mine = true;
                    done.fetch_add(1);
                }
                if (!busy) std::this_thread::yield();
            }
        });
    for (auto& t : threads) t.join();
    REQUIRE(done.load() == v.size());
    check_agreed_board(s, {}, {});
    check_facts(s, {}, {});
    for (Core* c : v) CHECK(c->m->refused() == 0);
}

TEST_CASE("a spawn that hears nothing is answered Timeout at its deadline; a started one waits for its end") {
    ByHandUp h; // core 1's monitor, with the test in its boot monitor's place
    Core& c1 = h.c1;
    transports::Channel& boot = h.boot;
    transports::Message& m = h.m;
    c1.m->spawn_remote(0, "silent", 1, 9);  // never answered
    c1.m->spawn_remote(0, "started", 2, 10); // answered "started" at once, ends much later
    c1.m->step();
    for (int i = 0; i < 2; ++i) {
        REQUIRE(boot.poll(m).ok());
        CHECK(transports::decode_message<im::spawn_message>(m).ok());
    }
    CHECK(transports::send_message(boot, im::spawn_result_message{1, 10, 0, 0, 5, 0, 0, 0, 0, 0}).ok()); // started
    c1.m->step();
    REQUIRE(c1.results.size() == 1);
    CHECK(c1.results[0].tag == 10);
    CHECK(c1.results[0].status == Error::Ok);
    // One tick before the deadline: nothing; at it: Timeout for the silent one only.
    h.s.ticks += kSpawnStartTimeout - 1;
    c1.m->step();
    CHECK(c1.results.size() == 1);
    h.s.ticks += 1;
    c1.m->step();
    REQUIRE(c1.results.size() == 2);
    CHECK(c1.results[1].tag == 9);
    CHECK(c1.results[1].status == Error::Timeout);
    CHECK(c1.results[1].core == 0);
    CHECK(!c1.results[1].ended);
    h.s.ticks += 10 * kSpawnStartTimeout;
    c1.m->step();
    CHECK(c1.results.size() == 2); // once
    // Its start, late: refused, not passed on.
    CHECK(transports::send_message(boot, im::spawn_result_message{1, 9, 0, 0, 6, 0, 0, 0, 0, 0}).ok());
    c1.m->step();
    CHECK(c1.results.size() == 2);
    CHECK(c1.m->refused() == 1);
    // The started one's end, long after the deadline: heard.
    CHECK(transports::send_message(boot, im::spawn_result_message{1, 10, 0, 0, 5, 1, 0, 4, 0, 0}).ok());
    c1.m->step();
    REQUIRE(c1.results.size() == 3);
    CHECK(c1.results[2].tag == 10);
    CHECK(c1.results[2].ended);
    CHECK(c1.results[2].code == 4);
}

TEST_CASE("an end that finds no room towards its origin is kept and sent once there is room, exactly once") {
    ByHandUp h; // core 1's monitor, with the test in its boot monitor's place (origin: core 0)
    Core& c1 = h.c1;
    transports::Channel& boot = h.boot;
    transports::Message& m = h.m;
    c1.missing = {"nope"};
    // Two programs start for core 0.
    for (u64 tag : {1, 2}) CHECK(transports::send_message(boot, im::spawn_message{1, {{'p'}}, 0, 0, tag, {}}).ok());
    c1.m->step();
    REQUIRE(c1.spawns.size() == 2);
    // Refused spawns until their answers fill the ring towards core 0 and the monitor's own
    // queue, and one more is dropped (nobody reads that ring meanwhile).
    u64 tag = 100;
    for (u32 round = 0; round < 200 && c1.m->refused() == 0; ++round) {
        CHECK(transports::send_message(boot, im::spawn_message{1, {{'n', 'o', 'p', 'e'}}, 0, 0, tag++, {}}).ok());
        c1.m->step();
    }
    REQUIRE(c1.m->refused() == 1);
    // Both programs end now: no room for either end.
    c1.m->dispatcher_ended(101, EndHow::Exited, 7, 0, 0);
    c1.m->dispatcher_ended(102, EndHow::Faulted, 3, 0x1000, 2);
    c1.m->dispatcher_ended(101, EndHow::Exited, 8, 0, 0); // again: it ended once
    c1.m->step();
    CHECK(c1.m->refused() == 1); // kept, not dropped
    // Core 0 reads again: every end arrives, once, after what was queued before it.
    std::map<u64, im::spawn_result_message> ends;
    u32 starts = 0, refusals = 0;
    for (u32 round = 0; round < 1000; ++round) {
        while (boot.poll(m).ok()) {
            auto r = transports::decode_message<im::spawn_result_message>(m);
            REQUIRE(r.ok());
            if (r->ended) {
                CHECK(ends.count(r->tag) == 0);
                ends[r->tag] = *r;
            } else if (r->status == 0) ++starts;
            else ++refusals;
        }
        c1.m->step();
    }
    CHECK(starts == 2);
    CHECK(refusals == tag - 100 - 1); // all but the one dropped
    REQUIRE(ends.size() == 2);
    CHECK(ends[1].code == 7);
    CHECK(ends[1].how == u8(EndHow::Exited));
    CHECK(ends[2].code == 3);
    CHECK(ends[2].how == u8(EndHow::Faulted));
    CHECK(ends[2].address == 0x1000);
    CHECK(ends[2].preemptions == 2);
    CHECK(c1.m->refused() == 1);
    // Their places are free again: 32 more start, the 33rd finds none.
    for (u32 i = 0; i <= kMaxSpawned; ++i) {
        CAPTURE(i);
        CHECK(transports::send_message(boot, im::spawn_message{1, {{'q'}}, 0, 0, 500 + i, {}}).ok());
        c1.m->step();
        REQUIRE(boot.poll(m).ok());
        auto r = transports::decode_message<im::spawn_result_message>(m);
        REQUIRE(r.ok());
        CHECK(r->tag == 500 + i);
        CHECK(r->status == (i < kMaxSpawned ? 0 : u16(Error::Busy)));
    }
}

TEST_CASE("a spawn result nobody awaits, or one that comes twice, is refused: a peer cannot invent an end") {
    ByHandUp h; // core 1's monitor, with the test in its boot monitor's place
    Core& c1 = h.c1;
    transports::Channel& boot = h.boot;
    transports::Message& m = h.m;
    // An end for a request it never made: refused, not passed on.
    CHECK(transports::send_message(boot, im::spawn_result_message{1, 77, 0, 0, 5, 1, 0, 0, 0, 0}).ok());
    c1.m->step();
    CHECK(c1.results.empty());
    CHECK(c1.m->refused() == 1);
    // A real request: its start and its end once each; a second end is a lie.
    c1.m->spawn_remote(0, "hello", 1, 9);
    c1.m->step();
    REQUIRE(boot.poll(m).ok());
    auto req = transports::decode_message<im::spawn_message>(m);
    REQUIRE(req.ok());
    CHECK(req->tag == 9);
    CHECK(transports::send_message(boot, im::spawn_result_message{1, 9, 1, 0, 5, 1, 0, 0, 0, 0}).ok()); // not from core 0
    CHECK(transports::send_message(boot, im::spawn_result_message{1, 9, 0, 0, 5, 1, 0, 0, 0, 0}).ok()); // ended first
    CHECK(transports::send_message(boot, im::spawn_result_message{1, 9, 0, 0, 5, 0, 0, 0, 0, 0}).ok()); // started
    CHECK(transports::send_message(boot, im::spawn_result_message{1, 9, 0, 0, 5, 1, 0, 3, 0, 0}).ok()); // ended
    CHECK(transports::send_message(boot, im::spawn_result_message{1, 9, 0, 0, 5, 1, 0, 0, 0, 0}).ok()); // again
    c1.m->step();
    REQUIRE(c1.results.size() == 2);
    CHECK(!c1.results[0].ended);
    CHECK(c1.results[1].ended);
    CHECK(c1.results[1].code == 3);
    CHECK(c1.m->refused() == 4);
}

TEST_CASE("queries are routed to the core they name, run there once, and their one answer comes back") {
    std::mt19937_64 rng(12);
    auto board = agreed_board(rng); // 3 nodes x 2 cores: 0 1 | 2 3 | 4 5
    Sim& s = *board;
    Core& asker = *s.cores[3]; // a core monitor on node 1
    for (u32 target : {5u, 0u, 2u, 3u, 1u}) {
        Query q;
        q.core = target;
        q.sender = 7;
        q.tag = 100 + target;
        q.op = QueryOp::Ps;
        q.a = target * 10;
        q.name[0] = 'x';
        asker.m->query_remote(q);
    }
    Query bad;
    bad.core = 99;
    bad.tag = 1;
    asker.m->query_remote(bad); // no such core: answered at once
    Query refused;
    refused.core = 4;
    refused.tag = 2;
    refused.op = QueryOp::Kill;
    refused.a = 1; // the target's own refusal comes back
    asker.m->query_remote(refused);
    REQUIRE(asker.answers.size() == 2); // 3 (itself) and 99, at once
    s.run(rng, 200'000, [&] { return asker.answers.size() == 7; });
    REQUIRE(asker.answers.size() == 7);
    for (u32 target : {5u, 0u, 2u, 3u, 1u}) {
        CAPTURE(target);
        const Answer* a = nullptr;
        for (auto& x : asker.answers)
            if (x.tag == 100 + target) a = &x;
        REQUIRE(a);
        CHECK(a->status == Error::Ok);
        CHECK(a->core == target);
        CHECK(a->a == target);
        CHECK(a->b == u64(QueryOp::Ps));
        CHECK(a->c == target * 10 + 1);
        REQUIRE(s.cores[target]->queries.size() == 1);
        const Query& ran = s.cores[target]->queries[0];
        CHECK(ran.origin == 3);
        CHECK(ran.sender == 7);
        CHECK(ran.name[0] == 'x');
    }
    for (auto& x : asker.answers) {
        if (x.tag == 1) CHECK(x.status == Error::NotFound);
        if (x.tag == 2) CHECK(x.status == Error::PermissionDenied);
    }
    s.run_more(rng, 2000);
    CHECK(asker.answers.size() == 7); // each once
    for (auto& c : s.cores) CHECK(c->m->refused() == 0);
}

TEST_CASE("an answer nobody awaits, or a query a core may not send, is refused") {
    ByHandUp h;
    Core& c1 = h.c1;
    transports::Channel& boot = h.boot;
    transports::Message& m = h.m;
    CHECK(transports::send_message(boot, im::answer_message{1, 5, 0, 0, 1, 2, 3}).ok()); // never asked
    c1.m->step();
    CHECK(c1.answers.empty());
    CHECK(c1.m->refused() == 1);
    Query q;
    q.core = 0;
    q.tag = 9;
    q.op = QueryOp::Mem;
    c1.m->query_remote(q);
    c1.m->step();
    REQUIRE(boot.poll(m).ok());
    auto sent = transports::decode_message<im::query_message>(m);
    REQUIRE(sent.ok());
    CHECK(sent->origin == 1);
    CHECK(sent->op == u32(QueryOp::Mem));
    CHECK(transports::send_message(boot, im::answer_message{1, 9, 2, 0, 1, 2, 3}).ok());     // not from core 0
    CHECK(transports::send_message(boot, im::answer_message{1, 9, 0, 9999, 1, 2, 3}).ok());  // no such status
    CHECK(transports::send_message(boot, im::answer_message{1, 9, 0, 0, 4096, 8192, 0}).ok()); // the answer
    CHECK(transports::send_message(boot, im::answer_message{1, 9, 0, 0, 1, 1, 1}).ok());     // again: a lie
    // A query from the boot monitor for another core, or with an op that is none: refused.
    CHECK(transports::send_message(boot, im::query_message{0, 0, 3, 4, 1, 0, {}}).ok());
    CHECK(transports::send_message(boot, im::query_message{1, 0, 3, 4, 77, 0, {}}).ok());
    c1.m->step();
    REQUIRE(c1.answers.size() == 1);
    CHECK(c1.answers[0].a == 4096);
    CHECK(c1.answers[0].b == 8192);
    CHECK(c1.queries.empty());
    CHECK(c1.m->refused() == 6);
}

TEST_CASE("names: register, look up, list, remove by the owner only, and gone with their program") {
    NameRegistry r;
    auto n = [](const char* s) {
        static u8 b[16];
        for (auto& x : b) x = 0;
        for (u32 i = 0; s[i] && i < 16; ++i) b[i] = u8(s[i]);
        return b;
    };
    CHECK(r.add(n("kv"), 4, 7).ok());
    CHECK(r.add(n("kv"), 2, 9).error() == Error::AlreadyExists); // duplicate, from anyone
    CHECK(r.add(n("log/x86"), 0, 5).ok());
    auto kv = r.find(n("kv"));
    REQUIRE(kv.ok());
    CHECK(kv->core == 4);
    CHECK(kv->dispatcher == 7);
    CHECK(r.find(n("nothere")).error() == Error::NotFound);
    CHECK(std::string(r.at(1)->name) == "log/x86");
    CHECK(r.at(2).error() == Error::NotFound);
    CHECK(r.remove(n("kv"), 2, 9).error() == Error::PermissionDenied); // not the owner
    CHECK(r.remove(n("nothere"), 4, 7).error() == Error::NotFound);
    CHECK(r.remove_owner(4, 7) == 1); // the program ended
    CHECK(r.find(n("kv")).error() == Error::NotFound);
    CHECK(r.remove(n("log/x86"), 0, 5).ok());
    CHECK(r.count() == 0);
    // Hostile names: empty, 16 bytes without a NUL, bytes after the NUL, odd characters.
    CHECK(r.add(n(""), 0, 1).error() == Error::InvalidArgument);
    CHECK(r.add(n("abcdefghijklmnop"), 0, 1).error() == Error::InvalidArgument);
    u8 tail[16] = {'a', 0, 'b'};
    CHECK(r.add(tail, 0, 1).error() == Error::InvalidArgument);
    CHECK(r.add(n("a b"), 0, 1).error() == Error::InvalidArgument);
    CHECK(r.add(n("a\n"), 0, 1).error() == Error::InvalidArgument);
    CHECK(r.find(tail).error() == Error::InvalidArgument);
    // Full: the 65th name is refused, the others stay.
    for (u32 i = 0; i < NameRegistry::kMaxNames; ++i) {
        char name[16];
        snprintf(name, sizeof name, "n%u", i);
        REQUIRE(r.add(n(name), 1, i).ok());
    }
    CHECK(r.add(n("more"), 1, 1).error() == Error::CapacityExceeded);
    CHECK(r.count() == NameRegistry::kMaxNames);
    CHECK(r.remove_owner(1, 3) == 1);
    CHECK(r.add(n("more"), 1, 1).ok());
}

TEST_CASE("answers are not lost when requests have filled a relay's outbox: a share is kept for answers") {
    std::mt19937_64 rng(21);
    auto board = agreed_board(rng); // 3 nodes x 2 cores: 0 1 | 2 3 | 4 5
    Sim& s = *board;
    Core& asker = *s.cores[3]; // node 1's core monitor; its boot monitor (2) relays for it
    constexpr u32 kAsked = 6;
    for (u32 i = 0; i < kAsked; ++i) {
        Query q;
        q.core = 0;
        q.tag = 300 + i;
        q.op = QueryOp::Echo;
        asker.m->query_remote(q);
    }
    asker.active = false; // its queries are in the ring to 2; from now on it reads nothing
    // A flood of queries for core 3 from the other nodes: they fill the ring 2 -> 3 and then
    // the relay's outbox, before the answers to core 3's own queries come back through it.
    for (u32 from : {0u, 1u, 4u, 5u})
        for (u32 i = 0; i < kMaxPending; ++i) {
            Query q;
            q.core = 3;
            q.tag = 1000 + from * 100 + i;
            q.op = QueryOp::Echo;
            s.cores[from]->m->query_remote(q);
        }
    s.run_more(rng, 50'000); // everything reaches the relay; what it cannot hold is refused Busy
    CHECK(s.ticks < kQueryTimeout);
    asker.active = true;
    s.run(rng, 400'000, [&] { return asker.answers.size() == kAsked; });
    REQUIRE(asker.answers.size() == kAsked);
    for (auto& a : asker.answers) {
        CAPTURE(a.tag);
        CHECK(a.status == Error::Ok); // not Timeout: each answer came through the full relay
        CHECK(a.core == 0);
    }
    // Every flood query was answered too, Ok or Busy, never Timeout.
    s.run(rng, 400'000, [&] {
        usize n = 0;
        for (u32 from : {0u, 1u, 4u, 5u}) n += s.cores[from]->answers.size();
        return n == 4 * kMaxPending;
    });
    for (u32 from : {0u, 1u, 4u, 5u}) {
        CAPTURE(from);
        CHECK(s.cores[from]->answers.size() == kMaxPending);
        for (auto& a : s.cores[from]->answers) CHECK((a.status == Error::Ok || a.status == Error::Busy));
    }
}

TEST_CASE("a query to a node that went silent is answered Timeout at its deadline; its late answer is refused") {
    std::mt19937_64 rng(13);
    auto board = agreed_board(rng); // 3 nodes x 2 cores: 0 1 | 2 3 | 4 5
    Sim& s = *board;
    s.cores[4]->active = s.cores[5]->active = false; // node 2 stops answering
    Core& asker = *s.cores[1];
    // More queries than a monitor can await at once: none is lost, each gets an answer.
    for (u32 i = 0; i < kMaxPending + 4; ++i) {
        Query q;
        q.core = 5;
        q.tag = 200 + i;
        q.op = QueryOp::Echo;
        asker.m->query_remote(q);
    }
    s.run(rng, 400'000, [&] { return asker.answers.size() == kMaxPending + 4; });
    REQUIRE(asker.answers.size() == kMaxPending + 4);
    u32 timeouts = 0, busy = 0;
    for (auto& a : asker.answers) {
        timeouts += a.status == Error::Timeout;
        busy += a.status == Error::Busy;
    }
    CHECK(timeouts + busy == kMaxPending + 4);
    CHECK(timeouts > 0);
    CHECK(s.ticks >= kQueryTimeout);
    // Node 2 comes back: what it answers now is refused at the origin, and new queries work.
    const u32 refused_before = asker.m->refused();
    s.cores[4]->active = s.cores[5]->active = true;
    s.run_more(rng, 20'000);
    CHECK(asker.m->refused() > refused_before); // the answers to what it had queued
    const usize before = asker.answers.size();
    for (auto& a : asker.answers) CHECK(a.status != Error::Ok);
    Query again;
    again.core = 5;
    again.tag = 999;
    again.op = QueryOp::Echo;
    asker.m->query_remote(again);
    s.run(rng, 200'000, [&] { return asker.answers.size() == before + 1; });
    REQUIRE(asker.answers.size() == before + 1);
    CHECK(asker.answers.back().tag == 999);
    CHECK(asker.answers.back().status == Error::Ok);
}

TEST_CASE("a name wait is answered when the name comes, not at once; after its deadline the late answer is refused") {
    std::mt19937_64 rng(14);
    auto board = agreed_board(rng);
    Sim& s = *board;
    Core& asker = *s.cores[5];
    Query q;
    q.core = 0;
    q.sender = 9;
    q.tag = 31;
    q.op = QueryOp::NameWait;
    q.name[0] = 'k', q.name[1] = 'v';
    asker.m->query_remote(q);
    s.run(rng, 100'000, [&] { return !s.cores[0]->queries.empty(); });
    REQUIRE(s.cores[0]->queries.size() == 1);
    s.run_more(rng, 5000);
    CHECK(asker.answers.empty()); // the registry holds it
    // The name comes: the registry's monitor answers the wait.
    s.cores[0]->m->answer_later({5, 31, 0, Error::Ok, 2, 77, 0});
    s.run(rng, 100'000, [&] { return !asker.answers.empty(); });
    REQUIRE(asker.answers.size() == 1);
    CHECK(asker.answers[0].status == Error::Ok);
    CHECK(asker.answers[0].a == 2);
    CHECK(asker.answers[0].b == 77);
    // A second wait that nobody answers: Timeout at its deadline, then a late answer is refused.
    q.tag = 32;
    asker.m->query_remote(q);
    s.run(rng, 2'000'000, [&] { return asker.answers.size() == 2; });
    REQUIRE(asker.answers.size() == 2);
    CHECK(asker.answers[1].status == Error::Timeout);
    const u32 refused = asker.m->refused();
    s.cores[0]->m->answer_later({5, 32, 0, Error::Ok, 2, 77, 0});
    s.run_more(rng, 20'000);
    CHECK(asker.answers.size() == 2);
    CHECK(asker.m->refused() == refused + 1);
}

TEST_CASE("names: waiters are answered once when the name comes, dropped when their program ends or waits too long") {
    NameRegistry r;
    u8 kv[16] = {'k', 'v'}, log[16] = {'l', 'o', 'g'}, bad[16] = {'a', ' '};
    CHECK(r.add_waiter(kv, 4, 7, 100, 0).ok());
    CHECK(r.add_waiter(kv, 2, 3, 101, 0).ok());
    CHECK(r.add_waiter(log, 2, 3, 102, 0).ok());
    CHECK(r.add_waiter(bad, 2, 3, 103, 0).error() == Error::InvalidArgument);
    CHECK(r.waiting() == 3);
    // The client on core 2 disappears while it waits: its waits go, nobody answers them.
    CHECK(r.drop_waiters_of(2, 3) == 2);
    NameRegistry::Waiter w[NameRegistry::kMaxWaiters];
    REQUIRE(r.take_waiters(kv, w, NameRegistry::kMaxWaiters) == 1);
    CHECK(w[0].core == 4);
    CHECK(w[0].tag == 100);
    CHECK(r.take_waiters(kv, w, NameRegistry::kMaxWaiters) == 0); // once
    CHECK(r.waiting() == 0);
    // Too many waiters: refused, not forgotten silently; old ones expire.
    for (u32 i = 0; i < NameRegistry::kMaxWaiters; ++i) REQUIRE(r.add_waiter(kv, 1, i, i, i).ok());
    CHECK(r.add_waiter(kv, 1, 99, 99, 50).error() == Error::CapacityExceeded);
    CHECK(r.expire(1000 + 10, 1000) == 11); // waiting since 0..10
    CHECK(r.add_waiter(kv, 1, 99, 99, 50).ok());
    CHECK(r.waiting() == NameRegistry::kMaxWaiters - 10);
}
