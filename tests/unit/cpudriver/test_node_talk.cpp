// The boot cores' conversation between nodes (cpudriver/node_talk.cpp), run on the host:
// three nodes as three threads over one zeroed region, and one node against a hostile peer.
#include "../../../cpudriver/node_talk.hpp"

#include <doctest.h>
#include <mosaic/cpudriver/arch.hpp>
#include <mosaic/transports/interfaces/interconnect.hpp>
#include <mosaic/transports/interfaces/ping.hpp>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <set>
#include <thread>
#include <tuple>
#include <vector>

using namespace mosaic;
using namespace mosaic::cpudriver;

// What the CPU driver's ISA code would supply: a nanosecond counter, and a "halt" that
// sleeps a little.
namespace mosaic::arch {
u64 counter() {
    return u64(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
                   .count());
}
u64 counter_hz() { return 1'000'000'000; }
void wait_for_interrupt() { std::this_thread::sleep_for(std::chrono::microseconds(50)); }
} // namespace mosaic::arch

namespace {

u64 ticks() { return arch::counter() / 10'000'000; } // 100 Hz, as on the boards

Result<transports::Route> interconnect_route(u32, u32) { return transports::Route::UrpcInterconnect; }

BoardProfile board_of(u32 nodes) {
    BoardProfile b;
    const Isa isas[3] = {Isa::X86_64, Isa::Aarch64, Isa::Riscv64};
    b.node_count = nodes;
    b.interconnect = 16 << 20;
    for (u32 i = 0; i < nodes; ++i) {
        b.nodes[i].isa = isas[i % 3];
        b.nodes[i].cores = 2;
        b.nodes[i].name[0] = char('a' + i);
    }
    return b;
}

struct Region {
    u8* base;
    Region() : base(static_cast<u8*>(std::aligned_alloc(4096, kNodeRingsBytes))) { std::memset(base, 0, kNodeRingsBytes); }
    ~Region() { std::free(base); }
};

struct Node {
    std::unique_ptr<u8[]> memory{new u8[node_talk_bytes() + 64]};
    skb::LatencyFact facts[64];
    u32 n = 0;
    InterconnectResult r;
    void run(const BoardProfile& b, u32 node, u8* region, u64 timeout_ticks = 1000) {
        u8* at = reinterpret_cast<u8*>((uptr(memory.get()) + 63) & ~uptr(63));
        NodeTalk* t = node_talk_state(at, node_talk_bytes());
        REQUIRE(t);
        u32 boot = b.first_core(node);
        facts[n++] = {boot, boot + 1, 1000 + node}; // measured before: to the node's other core
        NodeTalkArgs a{.board = &b, .self = {node, boot}, .isa = b.nodes[node].isa, .cores = 2, .boot_hw_id = 0,
                       .route = interconnect_route, .timeout_ticks = timeout_ticks, .ticks = ticks};
        r = talk_to_nodes(*t, region, a, facts, &n, 64);
    }
    std::set<std::tuple<u32, u32, u64>> fact_set() const {
        std::set<std::tuple<u32, u32, u64>> s;
        for (u32 i = 0; i < n; ++i) s.insert({facts[i].from, facts[i].to, facts[i].ns});
        return s;
    }
};

void* ring(u8* base, u32 writer, u32 reader) {
    return base + (u64(writer) * BoardProfile::kMaxNodes + reader) * kNodeRingStride;
}

} // namespace

TEST_CASE("three nodes greet, measure every pair and end with the same facts") {
    BoardProfile b = board_of(3);
    Region region;
    Node nodes[3];
    std::vector<std::thread> threads;
    for (u32 i = 0; i < 3; ++i) threads.emplace_back([&, i] { nodes[i].run(b, i, region.base); });
    for (auto& t : threads) t.join();
    for (u32 i = 0; i < 3; ++i) {
        CAPTURE(i);
        const InterconnectResult& r = nodes[i].r;
        u32 others = 7u & ~(1u << i);
        CHECK(r.bound_mask == others);
        CHECK(r.heard_mask == others);
        CHECK(r.done_mask == others);
        CHECK(r.bad == 0);
        for (u32 j = 0; j < 3; ++j) {
            if (j == i) continue;
            CHECK(r.round_trips[j] == kNodePingPongs);
            CHECK(r.served[j] == kNodePingPongs + 1);
            CHECK(r.ns[j] > 0);
            CHECK(r.boot_core[j] == b.first_core(j));
        }
        CHECK(nodes[i].n == 9); // 3 measured inside the nodes, 6 between them
        CHECK(nodes[i].fact_set() == nodes[0].fact_set());
    }
}

TEST_CASE("a node refuses a hostile peer's bad messages, still measures it and finishes") {
    namespace ic = ifaces::interconnect;
    namespace ping = ifaces::ping;
    BoardProfile b = board_of(2);
    Region region;
    Node n0;
    std::thread t([&] { n0.run(b, 0, region.base); });
    // Node 1, by hand.
    transports::Channel ch;
    REQUIRE(ch.bind({.kind = transports::TransportKind::Urpc, .tx_base = ring(region.base, 1, 0), .tx_slots = kNodeRingSlots,
                     .rx_base = ring(region.base, 0, 1), .rx_slots = kNodeRingSlots})
                .ok());
    u8 junk[8] = {1, 2, 3};
    CHECK(ch.send({.interface = ic::kInterfaceId, .type = 99, .payload = junk, .length = 8}).ok()); // unknown type
    CHECK(transports::send_message(ch, ping::pong_reply{5, 0}, 0, true).ok()); // a reply to nothing
    CHECK(transports::send_message(ch, ic::hello_message{1, u32(Isa::Aarch64), 2, 2, 0, {}}).ok());
    CHECK(transports::send_message(ch, ic::latency_message{99, 0, 5}).ok()); // no such core
    CHECK(transports::send_message(ch, ic::latency_message{2, 0, 0}).ok());  // no time at all
    CHECK(transports::send_message(ch, ic::latency_message{2, 0, ~0ull}).ok()); // not an SKB integer
    u32 answered = 0, facts = 0;
    bool heard_done = false;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!heard_done && std::chrono::steady_clock::now() < deadline) {
        transports::Message m;
        if (!ch.poll(m).ok()) {
            std::this_thread::yield();
            continue;
        }
        if (m.interface == ping::kInterfaceId && !m.reply) answered += answer_ping(ch, m).ok();
        else if (transports::decode_message<ic::latency_message>(m).ok()) ++facts;
        else if (transports::decode_message<ic::done_message>(m).ok()) heard_done = true;
    }
    CHECK(transports::send_message(ch, ic::done_message{1, 7}).ok()); // a wrong count: still done
    t.join();
    CHECK(heard_done);
    CHECK(answered == kNodePingPongs + 1);
    CHECK(facts == 2); // node 0's own: inside its node, and to us
    const InterconnectResult& r = n0.r;
    CHECK(r.heard_mask == 2);
    CHECK(r.done_mask == 2);
    CHECK(r.round_trips[1] == kNodePingPongs);
    CHECK(r.bad == 6); // unknown type, reply to nothing, 3 bad facts, wrong count
    CHECK(n0.n == 2);  // none of the bad facts joined node 0's
}

TEST_CASE("a peer that greets as another node is ignored, and a silent one does not hold a node for ever") {
    namespace ic = ifaces::interconnect;
    BoardProfile b = board_of(3);
    Region region;
    Node n0;
    transports::Channel ch;
    REQUIRE(ch.bind({.kind = transports::TransportKind::Urpc, .tx_base = ring(region.base, 1, 0), .tx_slots = kNodeRingSlots,
                     .rx_base = ring(region.base, 0, 1), .rx_slots = kNodeRingSlots})
                .ok());
    CHECK(transports::send_message(ch, ic::hello_message{1, u32(Isa::Riscv64), 2, 2, 0, {}}).ok()); // the wrong ISA
    n0.run(b, 0, region.base, 200); // node 2 never speaks: given up at the greeting deadline
    CHECK(n0.r.heard_mask == 0);
    CHECK(n0.r.done_mask == 0);
    CHECK(n0.r.bad == 1);
    CHECK(n0.n == 1); // only what it measured inside its node
}
