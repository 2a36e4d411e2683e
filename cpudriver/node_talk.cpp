// The boot cores' conversation over the interconnect region (see node_talk.hpp). Every
// message goes through a transports Channel, one per other node, on the SKB's route.
#include "node_talk.hpp"

#include "channels.hpp"
#include "placement.hpp"

#include <mosaic/cpudriver/arch.hpp>
#include <mosaic/skb/value.hpp>
#include <mosaic/transports/interfaces/interconnect.hpp>

namespace mosaic::cpudriver {

namespace {
namespace ic = ifaces::interconnect;
using transports::Message;

// Idle polls before the boot core halts until its next tick (see smp.cpp's kBootPollSpins).
constexpr u32 kIdleSpins = 1u << 18;
constexpr u32 kMaxFacts = 64;

// This node's end of its channel to one other node.
struct Peer {
    transports::Channel ch;
    PingClient ping;            // our pings to it
    u32 facts_out = 0;          // our facts sent so far
    bool done_sent = false;
    bool refused = false;       // its greeting was not the node the manifest says: ignored
    u32 facts_heard = 0;        // its latency facts received
    bool owes_pong = false;     // a ping of its is answered once the ring has room
    Message owed;
};

} // namespace

struct NodeTalk {
    const BoardProfile* board = nullptr;
    NodeSelf self;
    InterconnectResult r;
    Peer peers[BoardProfile::kMaxNodes];
    skb::LatencyFact heard[kMaxFacts]; // facts other nodes sent
    u32 heard_count = 0;
};

namespace {

void* ring(u8* base, u32 writer, u32 reader) {
    return base + (u64(writer) * BoardProfile::kMaxNodes + reader) * kNodeRingStride;
}

bool heard(const NodeTalk& t, u32 j) { return t.r.heard_mask & (1u << j); }

// Answers peer j's ping, or keeps it while our ring to j is full; false while it is kept.
bool answer(NodeTalk& t, u32 j, const Message& m) {
    Peer& p = t.peers[j];
    Status s = answer_ping(p.ch, m);
    p.owes_pong = !s.ok() && s.error() == Error::WouldBlock;
    if (p.owes_pong) p.owed = m;
    else if (s.ok()) ++t.r.served[j];
    else ++t.r.bad;
    return !p.owes_pong;
}

void on_ping(NodeTalk& t, u32 j, const Message& m) {
    Peer& p = t.peers[j];
    if (!m.reply) {
        (void)answer(t, j, m);
        return;
    }
    u32 bad = p.ping.bad;
    p.ping.on_reply(m);
    t.r.bad += p.ping.bad - bad;
    t.r.round_trips[j] = p.ping.round_trips;
    if (p.ping.done()) t.r.ns[j] = p.ping.ns();
}

void on_message(NodeTalk& t, u32 j, const Message& m) {
    if (is_ping_interface(m)) return on_ping(t, j, m);
    const NodeProfile& node = t.board->nodes[j];
    if (auto h = transports::decode_message<ic::hello_message>(m); h.ok()) {
        bool right = h->node == j && h->isa == u32(node.isa) && h->cores == node.cores &&
                     h->boot_core >= t.board->first_core(j) && h->boot_core < t.board->first_core(j) + node.cores;
        if (!right) {
            ++t.r.bad;
            t.peers[j].refused = true;
            return;
        }
        t.r.heard_mask |= 1u << j;
        t.r.boot_core[j] = h->boot_core;
        return;
    }
    if (auto l = transports::decode_message<ic::latency_message>(m); l.ok()) {
        u32 total = t.board->total_cores();
        bool fits = l->ns > 0 && l->ns <= u64(skb::Value::kMaxInt); // an SKB integer
        if (l->from_core >= total || l->to_core >= total || !fits || t.heard_count == kMaxFacts) {
            ++t.r.bad; // a fact dropped counts: replicas would differ
            return;
        }
        t.heard[t.heard_count++] = skb::LatencyFact{l->from_core, l->to_core, l->ns};
        ++t.peers[j].facts_heard;
        return;
    }
    if (auto d = transports::decode_message<ic::done_message>(m); d.ok()) {
        if (d->node != j || d->facts != t.peers[j].facts_heard) ++t.r.bad;
        t.r.done_mask |= 1u << j; // done either way: it will say nothing more
        return;
    }
    ++t.r.bad;
}

// Sends our facts to peer j from where it left off, then done; false while the ring is full.
bool send_facts(NodeTalk& t, u32 j, const skb::LatencyFact* facts, u32 n) {
    Peer& p = t.peers[j];
    for (; p.facts_out < n; ++p.facts_out) {
        const skb::LatencyFact& f = facts[p.facts_out];
        if (!transports::send_message(p.ch, ic::latency_message{f.from, f.to, f.ns}).ok()) return false;
    }
    if (!p.done_sent) p.done_sent = transports::send_message(p.ch, ic::done_message{t.self.node, n}).ok();
    return p.done_sent;
}

} // namespace

usize node_talk_bytes() { return sizeof(NodeTalk); }

NodeTalk* node_talk_state(void* memory, usize bytes) {
    if (bytes < sizeof(NodeTalk) || (uptr(memory) & (alignof(NodeTalk) - 1))) return nullptr;
    return new (memory) NodeTalk();
}

InterconnectResult talk_to_nodes(NodeTalk& t, u8* region, const NodeTalkArgs& a, skb::LatencyFact* facts, u32* n,
                                 u32 cap) {
    const BoardProfile& board = *a.board;
    const NodeSelf self = a.self;
    auto ticks = a.ticks;
    const u64 timeout_ticks = a.timeout_ticks;
    t.r = InterconnectResult{};
    t.heard_count = 0;
    t.board = &board;
    t.self = self;
    InterconnectResult& r = t.r;
    r.boot_core[self.node] = self.boot_core;
    // 1. A channel to every other node, on the route the SKB gives between the boot cores
    //    (to the other node's first core: which core boots there is not known yet).
    for (u32 j = 0; j < board.node_count; ++j) {
        if (j == self.node) continue;
        t.peers[j] = Peer{};
        t.peers[j].ping.count = kNodePingPongs;
        auto rt = a.route(self.boot_core, board.first_core(j));
        RingPair rings{ring(region, self.node, j), ring(region, j, self.node), kNodeRingSlots};
        if (rt.ok() && bind_route(t.peers[j].ch, *rt, transports::RingMemory::Interconnect, rings).ok())
            r.bound_mask |= 1u << j;
    }
    // 2. Greet every node, then answer, measure, share and listen until all are done.
    NodeProfile const& me = board.nodes[self.node];
    ic::NodeName name = {};
    for (u32 i = 0; i < sizeof name.bytes && me.name[i]; ++i) name.bytes[i] = u8(me.name[i]);
    for (u32 j = 0; j < board.node_count; ++j)
        if (r.bound_mask & (1u << j))
            (void)transports::send_message(t.peers[j].ch, ic::hello_message{self.node, u32(a.isa), a.cores,
                                                                            self.boot_core, a.boot_hw_id, name});
    // A peer counts until it is done, refused, or silent past the greeting deadline.
    const u64 start = ticks(), greet_deadline = timeout_ticks / 2;
    auto expected = [&](u32 j) {
        const Peer& p = t.peers[j];
        return (r.bound_mask & (1u << j)) && !p.refused && (heard(t, j) || ticks() - start < greet_deadline);
    };
    bool measured = false, shared = false;
    u32 idle = 0;
    while (ticks() - start < timeout_ticks) {
        bool busy = false, pinging = false, waiting = false;
        for (u32 j = 0; j < board.node_count; ++j) {
            if (!(r.bound_mask & (1u << j))) continue;
            Peer& p = t.peers[j];
            Message m;
            if (p.owes_pong) busy |= answer(t, j, p.owed); // nothing new from j until it has its pong
            for (Status s; !p.owes_pong && ((s = p.ch.poll(m)).ok() || s.error() == Error::Malformed); busy = true)
                if (s.ok()) on_message(t, j, m);
                else ++r.bad;
            if (!expected(j)) continue;
            if (heard(t, j)) p.ping.step(p.ch);
            pinging |= !p.ping.done();
            waiting |= !(r.done_mask & (1u << j));
        }
        // Our pings are all answered: the round trips become facts, and go to every node.
        if (!pinging && !measured) {
            for (u32 j = 0; j < board.node_count; ++j)
                if (r.ns[j]) {
                    if (*n < cap) facts[(*n)++] = skb::LatencyFact{self.boot_core, r.boot_core[j], r.ns[j]};
                    else ++r.bad;
                }
            measured = true;
        }
        if (measured && !shared) {
            shared = true;
            for (u32 j = 0; j < board.node_count; ++j)
                if (expected(j)) shared &= send_facts(t, j, facts, *n);
        }
        if (shared && !waiting) break; // every node we can still hear from is done
        if (busy) idle = 0;
        if (busy || pinging || ++idle < kIdleSpins) transports::cpu_relax();
        else arch::wait_for_interrupt(); // nothing for a while: halt until the next tick
    }
    // 3. What the other nodes measured joins what we did.
    for (u32 i = 0; i < t.heard_count; ++i) {
        if (*n < cap) facts[(*n)++] = t.heard[i];
        else ++r.bad;
    }
    return r;
}

} // namespace mosaic::cpudriver
