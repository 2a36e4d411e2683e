// The membership protocol (interfaces/intermon.hpp, steps 1-4) and the measurements that
// go with it: the boot monitor's phases, run one round per step, and the handlers of the
// membership messages. Every check of a received message is made before anything changes
// (decode, then invoke); a message that fails one is refused and counted, never trusted.
//
// Decisions this file makes:
//  - Round trips are measured only when the Env has a counter with a known rate; without
//    one there are no pings and no latency facts.
//  - A node is expected until it is given up (no right greeting by greet_timeout) or
//    expelled (its done counts disagree with what it sent: its records cannot be trusted).
//    Its cores are Absent in this replica either way; a node lying the same way to every
//    node is therefore left out by all of them alike.
//  - A boot monitor shares its facts and says done only when its pings to every expected
//    node are finished, so that every node gets the same facts from it.
//  - The agreed membership goes to each core monitor once. A core monitor that refuses it
//    (wrong digest or count) forgets what it received and takes the next complete set,
//    should a boot monitor resend (this one does not; FIXME: resend on a refused view_ack).
//  - FIXME: a node that one boot monitor gave up and another heard is not told about it;
//    the views then differ and nobody agrees before node_timeout.
#include <mosaic/monitor/monitor.hpp>
#include <mosaic/skb/value.hpp>
#include <mosaic/transports/conformance.hpp>

namespace mosaic::monitor {

namespace im = ifaces::intermon;

u64 Membership::digest() const {
    u64 h = transports::kFnv1a64Offset;
    for (u32 i = 0; i < count && i < kMaxCores; ++i) {
        const Member& m = members[i];
        u8 b[21];
        store_le32(b, m.core);
        store_le32(b + 4, m.node);
        store_le32(b + 8, u32(m.isa));
        store_le64(b + 12, m.hw_id);
        b[20] = u8(m.state);
        h = transports::fnv1a64(b, sizeof b, h);
    }
    return h;
}

namespace {

bool valid_state(u8 s) { return s == u8(MemberState::Up) || s == u8(MemberState::Down); }

u32 popcount(u64 v) {
    u32 n = 0;
    for (; v; v &= v - 1) ++n;
    return n;
}

} // namespace

// 1. The cores of this node: each says core_up, fails to start, or is silent past its
//    deadline. Once all are settled, this node's part of the membership is known.
bool Monitor::core_phase() {
    if (cores_settled_) return false;
    if (!cores_added_ && own_cores_ > 1) return false;
    bool pending = false;
    for (u32 c = first_; c < first_ + own_cores_ && c < kMaxCores; ++c) {
        CoreLink& l = cores_[c];
        if (c == cfg_.core || !l.added || l.state != MemberState::Absent) continue;
        if (now() - l.since >= cfg_.core_timeout) l.state = MemberState::Down; // silent
        else pending = true;
    }
    if (pending) return false;
    for (u32 c = first_; c < first_ + own_cores_ && c < kMaxCores; ++c) {
        if (c == cfg_.core) continue;
        CoreLink& l = cores_[c];
        if (l.state != MemberState::Up) l.state = MemberState::Down; // never added counts as failed
        mem_.members[c] = {c, cfg_.node, cfg_.board->nodes[cfg_.node].isa, l.hw_id, l.state};
        if (l.state == MemberState::Up && timing()) l.ping.start(kCorePings);
    }
    cores_settled_ = true;
    return true;
}

// 2. Round trips to each Up core of this node, all at once, one ping outstanding on each.
bool Monitor::core_pings() {
    if (!cores_settled_ || core_pings_done_) return false;
    bool busy = false, pinging = false;
    for (u32 c = first_; c < first_ + own_cores_ && c < kMaxCores; ++c) {
        CoreLink& l = cores_[c];
        if (!l.ping.active() || l.state != MemberState::Up) continue;
        busy |= l.ping.step(*l.ch, counter());
        pinging |= !l.ping.done();
    }
    if (pinging) return busy;
    for (u32 c = first_; c < first_ + own_cores_ && c < kMaxCores; ++c) {
        const CoreLink& l = cores_[c];
        if (!l.ping.done() || l.state != MemberState::Up) continue;
        skb::LatencyFact f{cfg_.core, c, l.ping.ns(env_.counter_hz)};
        if (f.ns && own_count_ < kMaxCores + kMaxNodes) own_[own_count_++] = f;
    }
    core_pings_done_ = true;
    return true;
}

// A node this monitor still waits for and talks to.
bool Monitor::node_live(u32 j) const {
    const NodeLink& l = nodes_[j];
    return l.added && !l.given_up && !l.expelled;
}

// Forgets what node j said: its cores are Absent here, its facts dropped.
void Monitor::expel(u32 j) {
    NodeLink& l = nodes_[j];
    l.expelled = true;
    const BoardProfile& b = *cfg_.board;
    for (u32 c = b.first_core(j); c < b.first_core(j) + b.nodes[j].cores && c < kMaxCores; ++c)
        mem_.members[c] = blank_member(c);
    l.member_mask = 0;
    u32 kept = 0;
    for (u32 i = 0; i < fact_count_; ++i)
        if (fact_source_[i] != j) {
            facts_[kept] = facts_[i];
            fact_source_[kept++] = fact_source_[i];
        }
    fact_count_ = kept;
}

bool Monitor::add_fact(const skb::LatencyFact& f, u32 source) {
    if (fact_count_ == kMaxFacts) return false;
    facts_[fact_count_] = f;
    fact_source_[fact_count_++] = u8(source);
    return true;
}

// 3. The conversation between nodes: greet, send this node's members, measure, share the
//    facts, say done.
bool Monitor::node_phase() {
    if (!core_pings_done_) return false;
    const BoardProfile& b = *cfg_.board;
    const NodeProfile& me = b.nodes[cfg_.node];
    bool busy = false, measuring = false;
    for (u32 j = 0; j < b.node_count; ++j) {
        NodeLink& l = nodes_[j];
        if (!node_live(j)) continue;
        if (!l.heard && now() - start_ >= cfg_.greet_timeout) { // silent: given up
            l.given_up = true;
            busy = true;
            continue;
        }
        if (!l.hello_out) {
            im::NodeName name = {};
            for (u32 i = 0; i < sizeof name.bytes && me.name[i]; ++i) name.bytes[i] = u8(me.name[i]);
            const im::node_hello_message h{cfg_.node, u32(me.isa), own_cores_, cfg_.core, cfg_.hw_id, name};
            if (!transports::send_message(*l.ch, h).ok()) continue;
            l.hello_out = busy = true;
        }
        for (; l.members_out < own_cores_; ++l.members_out, busy = true) {
            const Member& m = mem_.members[first_ + l.members_out];
            const im::member_message r{m.core, m.node, u32(m.isa), m.hw_id, u8(m.state)};
            if (!transports::send_message(*l.ch, r).ok()) break;
        }
        if (!l.heard) {
            measuring = true; // its greeting may still come
            continue;
        }
        if (timing() && !l.ping.active()) l.ping.start(kNodePings);
        busy |= l.ping.step(*l.ch, counter());
        measuring |= timing() && !l.ping.done();
    }
    if (measuring) return busy;
    if (!own_facts_final_) { // every expected node measured: this monitor's facts are final
        for (u32 j = 0; j < b.node_count; ++j) {
            const NodeLink& l = nodes_[j];
            if (!node_live(j) || !l.ping.done()) continue;
            skb::LatencyFact f{cfg_.core, l.boot_core, l.ping.ns(env_.counter_hz)};
            if (f.ns && own_count_ < kMaxCores + kMaxNodes) own_[own_count_++] = f;
        }
        // Own facts go first; heard ones that came earlier move up behind them.
        u32 heard = fact_count_;
        if (heard + own_count_ > kMaxFacts) refused_ += heard + own_count_ - kMaxFacts; // dropped: FIXME
        heard = min(heard, kMaxFacts - min(own_count_, kMaxFacts));
        for (u32 i = heard; i-- > 0;) {
            facts_[i + own_count_] = facts_[i];
            fact_source_[i + own_count_] = fact_source_[i];
        }
        for (u32 i = 0; i < own_count_ && i < kMaxFacts; ++i) {
            facts_[i] = own_[i];
            fact_source_[i] = u8(cfg_.node);
        }
        fact_count_ = min(heard + own_count_, kMaxFacts);
        own_facts_final_ = busy = true;
    }
    for (u32 j = 0; j < b.node_count; ++j) {
        NodeLink& l = nodes_[j];
        if (!node_live(j) || l.done_out) continue;
        for (; l.facts_out < own_count_; ++l.facts_out, busy = true) {
            const skb::LatencyFact& f = own_[l.facts_out];
            if (!transports::send_message(*l.ch, im::latency_message{f.from, f.to, f.ns}).ok()) break;
        }
        if (l.facts_out < own_count_) continue;
        l.done_out = transports::send_message(*l.ch, im::done_message{cfg_.node, own_cores_, own_count_}).ok();
        busy |= l.done_out;
    }
    return busy;
}

// 4. Views: once every expected node is done, this monitor's membership is final; its view
//    goes to every expected node, and it is agreed when all of theirs equal it.
bool Monitor::views() {
    if (!own_facts_final_ || agreed_ || failed_) return false;
    const BoardProfile& b = *cfg_.board;
    bool busy = false;
    if (!view_ready_) {
        for (u32 j = 0; j < b.node_count; ++j)
            if (node_live(j) && !(nodes_[j].done_heard && nodes_[j].done_out)) return false;
        view_digest_ = mem_.digest();
        view_ready_ = busy = true;
    }
    bool all = true;
    for (u32 j = 0; j < b.node_count; ++j) {
        NodeLink& l = nodes_[j];
        if (!node_live(j)) continue;
        if (!l.view_out) {
            l.view_out = transports::send_message(*l.ch, im::view_message{cfg_.node, mem_.count, view_digest_}).ok();
            busy |= l.view_out;
        }
        if (!l.view_heard || !l.view_out) {
            all = false;
            continue;
        }
        if (l.view_members != mem_.count || l.view_digest != view_digest_) failed_ = true; // they differ: final
    }
    if (failed_) return true;
    if (all) agreed_ = busy = true;
    return busy;
}

// 5. The agreed membership to each core monitor of this node: every member, then the view.
bool Monitor::distribute() {
    if (!agreed_) return false;
    bool busy = false;
    for (u32 c = first_; c < first_ + own_cores_ && c < kMaxCores; ++c) {
        CoreLink& l = cores_[c];
        if (c == cfg_.core || !l.ch || l.state != MemberState::Up || l.view_out) continue;
        for (; l.members_out < mem_.count; ++l.members_out, busy = true) {
            const Member& m = mem_.members[l.members_out];
            const im::member_message r{m.core, m.node, u32(m.isa), m.hw_id, u8(m.state)};
            if (!transports::send_message(*l.ch, r).ok()) break;
        }
        if (l.members_out < mem_.count) continue;
        l.view_out = transports::send_message(*l.ch, im::view_message{cfg_.node, mem_.count, view_digest_}).ok();
        busy |= l.view_out;
    }
    return busy;
}

Status Monitor::on_core_up(From f, const im::core_up_message& m) {
    if (f.kind != From::Core) return Error::Malformed; // only a core monitor says it
    CoreLink& l = cores_[f.index];
    if (l.heard || cores_settled_ || l.state != MemberState::Absent) return Error::Malformed; // twice, or too late
    if (m.core != f.index || m.node != cfg_.node || m.isa != u32(cfg_.board->nodes[cfg_.node].isa))
        return Error::InvalidArgument; // a lie: it stays silent, and Down at its deadline
    l.heard = true;
    l.state = m.status == 0 ? MemberState::Up : MemberState::Down;
    if (l.state == MemberState::Up) { // its own word for what the hardware calls it
        l.hw_id = m.hw_id;
        l.doorbell = m.doorbell;
    }
    return {};
}

Status Monitor::on_node_hello(From f, const im::node_hello_message& m) {
    if (f.kind != From::Node) return Error::Malformed;
    NodeLink& l = nodes_[f.index];
    if (!node_live(f.index) || l.heard) return Error::Malformed;
    const BoardProfile& b = *cfg_.board;
    const NodeProfile& n = b.nodes[f.index];
    u32 first = b.first_core(f.index);
    bool right = m.node == f.index && m.isa == u32(n.isa) && m.cores == n.cores && m.boot_core >= first &&
                 m.boot_core < first + n.cores;
    for (u32 i = 0; i < sizeof m.name.bytes && right; ++i) {
        u8 want = i < sizeof n.name ? u8(n.name[i]) : 0;
        right = m.name.bytes[i] == want;
        if (!want) break;
    }
    if (!right) return Error::InvalidArgument;
    l.heard = true;
    l.boot_core = m.boot_core;
    return {};
}

Status Monitor::on_member(From f, const im::member_message& m) {
    if (f.kind == From::Boot) { // a core monitor: the agreed membership, one record at a time
        if (m.core >= total_ || (incoming_mask_ >> m.core) & 1 || m.node != node_of(m.core) || m.state > 2 ||
            m.isa != u32(cfg_.board->nodes[m.node].isa))
            return Error::InvalidArgument;
        incoming_.members[m.core] = {m.core, m.node, Isa(m.isa), m.hw_id, MemberState(m.state)};
        incoming_mask_ |= u64(1) << m.core;
        return {};
    }
    if (f.kind != From::Node) return Error::Malformed;
    NodeLink& l = nodes_[f.index];
    if (!node_live(f.index) || !l.heard || l.done_heard) return Error::Malformed;
    const BoardProfile& b = *cfg_.board;
    u32 first = b.first_core(f.index);
    if (m.core < first || m.core >= first + b.nodes[f.index].cores || m.core >= kMaxCores || m.node != f.index ||
        m.isa != u32(b.nodes[f.index].isa) || !valid_state(m.state) || (l.member_mask >> (m.core - first)) & 1)
        return Error::InvalidArgument;
    l.member_mask |= u64(1) << (m.core - first);
    mem_.members[m.core] = {m.core, m.node, Isa(m.isa), m.hw_id, MemberState(m.state)};
    return {};
}

Status Monitor::on_latency(From f, const im::latency_message& m) {
    if (f.kind != From::Node) return Error::Malformed;
    NodeLink& l = nodes_[f.index];
    if (!node_live(f.index) || !l.heard || l.done_heard) return Error::Malformed;
    bool right = m.from_core == l.boot_core && m.to_core < total_ && m.to_core != m.from_core && m.ns > 0 &&
                 m.ns <= u64(skb::Value::kMaxInt);
    if (!right) return Error::InvalidArgument;
    if (!add_fact({m.from_core, m.to_core, m.ns}, f.index)) return Error::CapacityExceeded; // replicas would differ
    ++l.facts_heard;
    return {};
}

Status Monitor::on_done(From f, const im::done_message& m) {
    if (f.kind != From::Node) return Error::Malformed;
    NodeLink& l = nodes_[f.index];
    if (!node_live(f.index) || !l.heard || l.done_heard) return Error::Malformed;
    const u32 cores = cfg_.board->nodes[f.index].cores;
    if (m.node != f.index || m.members != cores || popcount(l.member_mask) != cores || m.facts != l.facts_heard) {
        expel(f.index); // what it sent is not what it says it sent
        return Error::InvalidArgument;
    }
    l.done_heard = true;
    return {};
}

Status Monitor::on_view(From f, const im::view_message& m) {
    if (f.kind == From::Boot) { // a core monitor: check what came against the view
        const u64 all = total_ == 64 ? ~u64(0) : (u64(1) << total_) - 1;
        bool right =
            m.node == cfg_.node && m.members == total_ && incoming_mask_ == all && m.digest == incoming_.digest();
        const Member& me = incoming_.members[cfg_.core];
        right = right && me.state == MemberState::Up && me.node == cfg_.node && me.hw_id == cfg_.hw_id;
        incoming_mask_ = 0; // a resend starts afresh
        if (!right) return Error::InvalidArgument;
        mem_ = incoming_;
        agreed_ = ack_owed_ = true;
        return {};
    }
    if (f.kind != From::Node) return Error::Malformed;
    NodeLink& l = nodes_[f.index];
    if (!node_live(f.index) || !l.done_heard || l.view_heard || m.node != f.index) return Error::Malformed;
    l.view_heard = true;
    l.view_members = m.members;
    l.view_digest = m.digest;
    return {};
}

Status Monitor::on_view_ack(From f, const im::view_ack_message& m) {
    if (f.kind != From::Core) return Error::Malformed;
    CoreLink& l = cores_[f.index];
    if (!l.view_out || l.acked || m.core != f.index || m.digest != view_digest_) return Error::InvalidArgument;
    l.acked = true;
    return {};
}

} // namespace mosaic::monitor
