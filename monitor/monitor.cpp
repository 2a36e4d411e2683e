// The monitor's set-up, its step and the dispatch of what arrives (see monitor.hpp). The
// membership protocol is in membership.cpp, spawn routing in spawn.cpp.
#include <mosaic/monitor/monitor.hpp>
#include <mosaic/transports/interfaces/ping.hpp>

namespace mosaic::monitor {

namespace im = ifaces::intermon;
namespace pi = ifaces::ping;

// The handler the generated serve() functions call: every message of the intermon and
// ping interfaces, from one channel. A handler's error is a refusal (counted by receive()).
struct Inbox {
    Monitor& m;
    Monitor::From from;
    bool owes; // a pong is still owed on this channel
    bool answered = false;
    u64 seq = 0, payload = 0;

    // The ping interface: the reply goes back through serve(); a second ping while the
    // first is still owed is a peer that does not wait for its answers.
    Result<pi::pong_reply> ping(const pi::ping_request& r) {
        if (owes) return Error::Busy;
        answered = true;
        seq = r.seq;
        payload = pong_payload(r.payload);
        return pi::pong_reply{seq, payload};
    }
    Status note(const pi::note_message&) { return Error::Unsupported; } // not the monitors'

    Status core_up(const im::core_up_message& x) { return m.on_core_up(from, x); }
    Status node_hello(const im::node_hello_message& x) { return m.on_node_hello(from, x); }
    Status member(const im::member_message& x) { return m.on_member(from, x); }
    Status latency(const im::latency_message& x) { return m.on_latency(from, x); }
    Status done(const im::done_message& x) { return m.on_done(from, x); }
    Status view(const im::view_message& x) { return m.on_view(from, x); }
    Status view_ack(const im::view_ack_message& x) { return m.on_view_ack(from, x); }
    Status spawn(const im::spawn_message& x) { return m.on_spawn(from, x); }
    Status spawn_result(const im::spawn_result_message& x) { return m.on_spawn_result(from, x); }
    Status console(const im::console_message& x) { return m.on_console(from, x); }
    Status query(const im::query_message& x) { return m.on_query(from, x); }
    Status answer(const im::answer_message& x) { return m.on_answer(from, x); }
};

const char* member_state_name(MemberState s) {
    switch (s) {
    case MemberState::Absent: return "absent";
    case MemberState::Up: return "up";
    case MemberState::Down: return "down";
    }
    return "?";
}

void Monitor::init(const Config& c, const Env& e) {
    // Field by field rather than from a temporary Monitor: it is too large for a small stack.
    cfg_ = c;
    env_ = e;
    const BoardProfile& b = *c.board;
    total_ = min(b.total_cores(), kMaxCores);
    first_ = b.first_core(c.node);
    own_cores_ = b.nodes[c.node].cores;
    refused_ = 0;
    agreed_ = failed_ = false;
    boot_ch_ = nullptr;
    doorbell_ = 0;
    core_up_out_ = ack_owed_ = false;
    boot_pong_ = Owed{};
    incoming_mask_ = 0;
    for (auto& l : cores_) l = CoreLink{};
    for (auto& l : nodes_) l = NodeLink{};
    cores_added_ = cores_settled_ = core_pings_done_ = own_facts_final_ = view_ready_ = false;
    view_digest_ = 0;
    own_count_ = fact_count_ = outbox_count_ = 0;
    for (auto& s : spawned_) s = Spawned{};
    for (auto& o : outstanding_) o = Outstanding{};
    for (auto& w : awaited_) w = AwaitedAnswer{};
    mem_.count = incoming_.count = total_;
    for (u32 i = 0; i < total_; ++i) mem_.members[i] = incoming_.members[i] = blank_member(i);
    if (c.boot && c.core < total_)
        mem_.members[c.core] = {c.core, c.node, b.nodes[c.node].isa, c.hw_id, MemberState::Up};
    start_ = now();
}

u64 Monitor::now() const { return env_.now ? env_.now(env_.ctx) : 0; }
u64 Monitor::counter() const { return env_.counter ? env_.counter(env_.ctx) : 0; }
bool Monitor::timing() const { return env_.counter && env_.counter_hz; }

u32 Monitor::node_of(u32 core) const { return cfg_.board->node_of_core(core); }

// A core no monitor has spoken for: its place on the board, as every replica fills it in.
Member Monitor::blank_member(u32 core) const {
    u32 n = node_of(core);
    return {core, n, cfg_.board->nodes[n].isa, 0, MemberState::Absent};
}

Status Monitor::add_core(u32 core, u64 hw_id, Channel* ch) {
    if (!cfg_.boot || !ch || core < first_ || core >= first_ + own_cores_ || core == cfg_.core || core >= kMaxCores)
        return Error::InvalidArgument;
    CoreLink& l = cores_[core];
    if (l.added || cores_added_) return Error::AlreadyExists;
    l.added = true;
    l.ch = ch;
    l.hw_id = hw_id;
    l.state = MemberState::Absent; // until its core_up (or the deadline)
    l.since = now();
    return {};
}

void Monitor::core_failed(u32 core, u64 hw_id) {
    if (!cfg_.boot || core < first_ || core >= first_ + own_cores_ || core == cfg_.core || core >= kMaxCores) return;
    CoreLink& l = cores_[core];
    if (l.added || cores_added_) return;
    l.added = true;
    l.hw_id = hw_id;
    l.state = MemberState::Down;
}

Status Monitor::add_node(u32 node, Channel* ch) {
    if (!cfg_.boot || !ch || node >= cfg_.board->node_count || node == cfg_.node) return Error::InvalidArgument;
    NodeLink& l = nodes_[node];
    if (l.added) return Error::AlreadyExists;
    l.added = true;
    l.ch = ch;
    return {};
}

void Monitor::cores_added() {
    if (cfg_.boot) cores_added_ = true;
}

Status Monitor::set_boot_channel(Channel* ch, u64 doorbell) {
    if (cfg_.boot || !ch || boot_ch_) return Error::InvalidArgument;
    boot_ch_ = ch;
    doorbell_ = doorbell;
    core_up_out_ = false;
    (void)step_core_monitor(); // sends core_up now (or in a later step if the ring is full)
    return {};
}

bool Monitor::step() {
    bool busy = cfg_.boot ? step_boot_monitor() : step_core_monitor();
    busy |= flush();
    busy |= resend_ends();
    busy |= expire_queries();
    busy |= expire_spawns();
    return busy;
}

bool Monitor::step_core_monitor() {
    if (!boot_ch_) return false;
    bool busy = false;
    if (!core_up_out_) {
        const im::core_up_message up{cfg_.core, cfg_.node, u32(cfg_.board->nodes[cfg_.node].isa), cfg_.hw_id, 0,
                                     doorbell_};
        core_up_out_ = busy = transports::send_message(*boot_ch_, up).ok();
    }
    busy |= drain({From::Boot, cfg_.boot_core}, boot_ch_, boot_pong_, nullptr);
    if (ack_owed_ && transports::send_message(*boot_ch_, im::view_ack_message{cfg_.core, mem_.digest()}).ok()) {
        ack_owed_ = false;
        busy = true;
    }
    if (!agreed_ && now() - start_ >= cfg_.node_timeout) failed_ = true;
    return busy;
}

bool Monitor::step_boot_monitor() {
    bool busy = false;
    for (u32 c = first_; c < first_ + own_cores_ && c < kMaxCores; ++c)
        busy |= drain({From::Core, c}, cores_[c].ch, cores_[c].pong, &cores_[c].ping);
    for (u32 j = 0; j < cfg_.board->node_count; ++j)
        busy |= drain({From::Node, j}, nodes_[j].ch, nodes_[j].pong, &nodes_[j].ping);
    // The phases, in order; each returns at once until the one before it is finished.
    busy |= core_phase();
    busy |= core_pings();
    busy |= node_phase();
    busy |= views();
    busy |= distribute();
    if (!agreed_ && !failed_ && now() - start_ >= cfg_.node_timeout) failed_ = true;
    return busy;
}

// Polls one channel: first the pong owed on it, then up to kPollBudget messages (a peer
// that floods cannot keep this step going for ever).
bool Monitor::drain(From f, Channel* ch, Owed& pong, PingClient* client) {
    if (!ch) return false;
    bool busy = pong.owed && repay(*ch, pong);
    Message m;
    for (u32 i = 0; i < kPollBudget; ++i) {
        Status s = ch->poll(m);
        if (!s.ok() && s.error() == Error::WouldBlock) break;
        busy = true;
        if (s.ok()) receive(f, *ch, pong, client, m);
        else ++refused_; // a malformed frame
    }
    return busy;
}

bool Monitor::repay(Channel& ch, Owed& pong) {
    if (!transports::send_message(ch, pi::pong_reply{pong.seq, pong.payload}, pong.rpc_id, true).ok()) return false;
    pong.owed = false;
    return true;
}

void Monitor::receive(From f, Channel& ch, Owed& pong, PingClient* client, const Message& m) {
    if (m.interface == pi::kInterfaceId && m.reply) { // an answer to one of our pings
        if (!client || !client->on_reply(m, counter())) ++refused_;
        return;
    }
    Inbox in{*this, f, pong.owed};
    Status s = Error::Malformed; // an unknown interface
    if (m.interface == pi::kInterfaceId) s = pi::serve(ch, m, in);
    else if (m.interface == im::kInterfaceId) s = im::serve(ch, m, in);
    if (s.ok()) return;
    if (s.error() == Error::WouldBlock && in.answered) { // no room for the pong: owed
        pong = Owed{true, in.seq, in.payload, m.rpc_id};
        return;
    }
    ++refused_;
}

bool Monitor::agreed() const { return agreed_; }
bool Monitor::settled() const { return agreed_ || failed_; }
const Membership& Monitor::membership() const { return mem_; }
u32 Monitor::fact_count() const { return fact_count_; }
const skb::LatencyFact* Monitor::facts() const { return facts_; }
u32 Monitor::refused() const { return refused_; }

Result<u64> Monitor::doorbell_of(u32 core) const {
    if (!cfg_.boot || core < first_ || core >= first_ + own_cores_ || core >= kMaxCores) return Error::NotFound;
    const CoreLink& l = cores_[core];
    if (!l.heard || l.state != MemberState::Up) return Error::NotFound;
    return l.doorbell;
}

bool Monitor::cores_acked() const {
    if (!cfg_.boot || !agreed_) return false;
    for (u32 c = first_; c < first_ + own_cores_ && c < kMaxCores; ++c)
        if (c != cfg_.core && cores_[c].ch && cores_[c].state == MemberState::Up && !cores_[c].acked) return false;
    return true;
}

Status Monitor::send_console(u32 source, const char* text, u32 len) {
    if (cfg_.boot || !boot_ch_) return Error::NotFound;
    if (len > sizeof(im::ConsoleText::bytes)) return Error::OutOfRange;
    im::console_message m{cfg_.core, source, len, {}};
    for (u32 i = 0; i < len; ++i) m.text.bytes[i] = u8(text[i]);
    return transports::send_message(*boot_ch_, m);
}

// Console output a core monitor brought: only from a core of this node, about itself.
Status Monitor::on_console(From f, const im::console_message& m) {
    if (!cfg_.boot || f.kind != From::Core || m.core != f.index || m.len > sizeof m.text.bytes)
        return Error::InvalidArgument;
    if (env_.console) env_.console(env_.ctx, m.core, m.source, reinterpret_cast<const char*>(m.text.bytes), m.len);
    return {};
}

} // namespace mosaic::monitor
