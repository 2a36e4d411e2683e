// Spawn routing (see monitor.hpp): a request travels to the monitor of the core it names,
// which starts the program through Env::spawn; results travel back to the origin by the
// same rule. From a core monitor everything goes to its boot monitor; a boot monitor sends
// to a core of its node directly, and to any other core through that core's node's boot
// monitor. To keep a hostile peer from bouncing messages around, each hop accepts only what
// it may rightly receive from that neighbour (a node sends only requests for this node's
// cores, and only results for cores of this node; a core sends only its own requests and
// the results of what it ran).
#include <mosaic/monitor/monitor.hpp>

namespace mosaic::monitor {

namespace im = ifaces::intermon;

namespace {

template <u32 N> bool has_nul(const transports::FixedString<N>& n) {
    for (u8 b : n.bytes)
        if (!b) return true;
    return false;
}

} // namespace

// Who may send what from where (see the top of this file): the boot monitor only what is
// for this core; a core only its own requests; another node only requests from its cores
// for cores of this node.
bool Monitor::may_send_request(From f, u32 origin, u32 core) const {
    if (f.kind == From::Boot) return core == cfg_.core;
    if (f.kind == From::Core) return origin == f.index;
    return node_of(origin) == f.index && node_of(core) == cfg_.node;
}

// ... and results back: the boot monitor only for this core's requests; a core only from
// itself; another node only from its cores for requests of this node's.
bool Monitor::may_send_result(From f, u32 origin, u32 core) const {
    if (f.kind == From::Boot) return origin == cfg_.core;
    if (f.kind == From::Core) return core == f.index;
    return node_of(core) == f.index && node_of(origin) == cfg_.node;
}

Monitor::Hop Monitor::route(u32 core) const {
    if (core >= total_) return {Hop::Nowhere, nullptr};
    if (core == cfg_.core) return {Hop::Here, nullptr};
    if (agreed_ && mem_.members[core].state != MemberState::Up) return {Hop::Nowhere, nullptr};
    if (!cfg_.boot) return {boot_ch_ ? Hop::Send : Hop::Nowhere, boot_ch_};
    u32 n = node_of(core);
    if (n == cfg_.node) {
        const CoreLink& l = cores_[core];
        bool up = l.ch && l.state == MemberState::Up;
        return {up ? Hop::Send : Hop::Nowhere, l.ch};
    }
    return {node_live(n) ? Hop::Send : Hop::Nowhere, nodes_[n].ch};
}

void Monitor::spawn_remote(u32 core, const char* name, u64 arg, u64 tag, const char* args) {
    im::spawn_message s{core, {}, arg, cfg_.core, tag, {}};
    u32 len = 0;
    for (; name && len < sizeof s.name.bytes && name[len]; ++len) s.name.bytes[len] = u8(name[len]);
    if (!name || len == sizeof s.name.bytes) return refuse_spawn(s, Error::InvalidArgument); // no NUL in 16 bytes
    u32 alen = 0;
    for (; args && alen < sizeof s.args.bytes && args[alen]; ++alen) s.args.bytes[alen] = u8(args[alen]);
    if (alen == sizeof s.args.bytes) return refuse_spawn(s, Error::InvalidArgument); // no NUL in 24 bytes
    if (core != cfg_.core) {
        Outstanding* o = nullptr;
        for (auto& e : outstanding_)
            if (!e.used && !o) o = &e;
        if (!o) return refuse_spawn(s, Error::Busy);
        *o = {true, false, core, tag, now()};
    }
    forward_spawn(s);
}

void Monitor::forward_spawn(const im::spawn_message& s) {
    Hop h = route(s.core);
    if (h.kind == Hop::Here) return run_here(s);
    if (h.kind == Hop::Nowhere) return refuse_spawn(s, Error::NotFound);
    Pending p;
    p.spawn = s;
    if (!queue(h.ch, p)) refuse_spawn(s, Error::Busy);
}

// A dispatcher started here is remembered until it ends, so that its end reaches whoever
// asked; with every place taken (kMaxSpawned running) the request is refused (Busy) before
// anything starts, rather than started with an end nobody would hear of.
void Monitor::run_here(const im::spawn_message& s) {
    Spawned* slot = nullptr;
    for (auto& e : spawned_)
        if (!e.used) {
            slot = &e;
            break;
        }
    if (!slot) return refuse_spawn(s, Error::Busy);
    Result<u32> d = env_.spawn ? env_.spawn(env_.ctx, reinterpret_cast<const char*>(s.name.bytes), s.arg,
                                            reinterpret_cast<const char*>(s.args.bytes))
                               : Result<u32>(Error::Unsupported);
    im::spawn_result_message r{s.origin, s.tag, cfg_.core, u16(d.error()), d.ok() ? *d : 0, 0, 0, 0, 0, 0};
    if (d.ok()) *slot = {.used = true, .dispatcher = *d, .origin = s.origin, .tag = s.tag};
    deliver(r, s.origin == cfg_.core);
}

// An immediate answer for a request that cannot go where it names. Made here for a request
// of this core's, it is answered at once (and no longer awaited).
void Monitor::refuse_spawn(const im::spawn_message& s, Error why) {
    const im::spawn_result_message r{s.origin, s.tag, s.core, u16(why), 0, 0, 0, 0, 0, 0};
    if (s.origin != cfg_.core) return deliver(r);
    for (auto& e : outstanding_)
        if (e.used && e.tag == s.tag && e.core == s.core) e.used = false;
    deliver(r, true);
}

void Monitor::deliver(const im::spawn_result_message& r, bool here) {
    Hop h = route(r.origin);
    if (h.kind == Hop::Here) {
        if (!env_.result || (!here && !expect_result(r))) return;
        SpawnResult out{r.origin, r.tag, r.core, Error(r.status), r.dispatcher, r.ended != 0, EndHow(r.how),
                        r.code, r.address, r.preemptions};
        return env_.result(env_.ctx, out);
    }
    // Dropped when even the share kept for answers is taken: an unheard start is answered
    // Timeout at its origin (expire_spawns), an end is kept where it happened until there
    // is room (dispatcher_ended); FIXME: an end dropped at a relay is lost.
    if (send_result(r) != Sent::Yes) ++refused_;
}

// A result towards its origin's monitor, on another core: sent or queued (Yes), no room on
// the way now (NoRoom), or no way there (Nowhere: a core not Up, a node given up).
Monitor::Sent Monitor::send_result(const im::spawn_result_message& r) {
    Hop h = route(r.origin);
    if (h.kind != Hop::Send) return Sent::Nowhere;
    Pending p;
    p.kind = Pending::Result;
    p.result = r;
    return queue(h.ch, p) ? Sent::Yes : Sent::NoRoom;
}

// Sends the end kept in `e` towards its origin on another core: true once it is gone (sent,
// or given up because the origin cannot be reached) and its place is free; false while no
// channel on the way has room (it stays kept, its place taken).
bool Monitor::send_end(Spawned& e) {
    Sent s = send_result(e.end);
    if (s == Sent::NoRoom) return false;
    if (s == Sent::Nowhere) ++refused_;
    e = Spawned{};
    return true;
}

// Ends that found no room when their dispatcher ended, in the order of their entries.
bool Monitor::resend_ends() {
    bool any = false;
    for (auto& e : spawned_)
        if (e.used && e.ended) any |= send_end(e);
    return any;
}

// Spawns sent elsewhere that heard nothing within kSpawnStartTimeout: Timeout to their
// asker, and no longer awaited (a start that comes later is refused, expect_result).
bool Monitor::expire_spawns() {
    bool any = false;
    for (auto& e : outstanding_) {
        if (!e.used || e.started || now() - e.since < kSpawnStartTimeout) continue;
        e.used = false;
        any = true;
        if (env_.result) env_.result(env_.ctx, SpawnResult{.origin = cfg_.core, .tag = e.tag, .core = e.core, .status = Error::Timeout});
    }
    return any;
}

// A result that reached its origin from elsewhere: the answer to a spawn it sent out and
// still awaits (started or refused once, then ended once); anything else is refused.
bool Monitor::expect_result(const im::spawn_result_message& r) {
    for (auto& e : outstanding_) {
        if (!e.used || e.tag != r.tag || e.core != r.core) continue;
        if (!r.ended) {
            if (e.started) break; // started twice: a lie
            e.started = true;
            if (r.status != 0) e.used = false; // refused: nothing more will come
            return true;
        }
        if (!e.started) break; // ended before it started
        e.used = false;
        return true;
    }
    ++refused_;
    return false;
}

void Monitor::dispatcher_ended(u32 dispatcher, EndHow how, u64 code, u64 address, u32 preemptions) {
    for (auto& e : spawned_) {
        if (!e.used || e.ended || e.dispatcher != dispatcher) continue;
        const im::spawn_result_message end{e.origin, e.tag, cfg_.core, 0, dispatcher, 1, u8(how), code, address, preemptions};
        if (e.origin == cfg_.core) {
            e = Spawned{};
            return deliver(end, true);
        }
        e.ended = true; // kept until it is sent (resend_ends, if not now)
        e.end = end;
        (void)send_end(e);
        return;
    }
}

Status Monitor::send_pending(Channel& ch, const Pending& p) {
    switch (p.kind) {
    case Pending::Spawn: return transports::send_message(ch, p.spawn);
    case Pending::Result: return transports::send_message(ch, p.result);
    case Pending::Query: return transports::send_message(ch, p.query);
    case Pending::Answer: return transports::send_message(ch, p.answer);
    }
    return Error::InvalidArgument;
}

// Sends at once if nothing waits before it on that channel, else keeps it in order; a
// request (spawn, query) may not take the last kPendingForAnswers entries, which are kept
// for results and answers.
bool Monitor::queue(Channel* ch, const Pending& p) {
    bool waiting = false;
    for (u32 i = 0; i < outbox_count_; ++i) waiting |= outbox_[i].ch == ch;
    if (!waiting) {
        Status s = send_pending(*ch, p);
        if (s.ok()) return true;
        if (s.error() != Error::WouldBlock) return false;
    }
    const bool request = p.kind == Pending::Spawn || p.kind == Pending::Query;
    if (outbox_count_ == kMaxPending || (request && outbox_count_ >= kMaxPending - kPendingForAnswers)) return false;
    outbox_[outbox_count_] = p;
    outbox_[outbox_count_++].ch = ch;
    return true;
}

// Sends what waits, in order per channel; a channel that is full stays full for this round.
bool Monitor::flush() {
    Channel* full[kMaxPending];
    u32 nfull = 0, kept = 0;
    bool busy = false;
    for (u32 i = 0; i < outbox_count_; ++i) {
        Pending& p = outbox_[i];
        bool blocked = false;
        for (u32 k = 0; k < nfull; ++k) blocked |= full[k] == p.ch;
        if (!blocked) {
            Status s = send_pending(*p.ch, p);
            if (s.ok() || s.error() != Error::WouldBlock) { // sent (or can never be: dropped)
                busy = true;
                continue;
            }
            full[nfull++] = p.ch;
        }
        outbox_[kept++] = p;
    }
    outbox_count_ = kept;
    return busy;
}

Status Monitor::on_spawn(From f, const im::spawn_message& m) {
    if (m.core >= total_ || m.origin >= total_) return Error::InvalidArgument;
    if (!may_send_request(f, m.origin, m.core)) return Error::InvalidArgument;
    if (!has_nul(m.name) || !has_nul(m.args)) { // a name or text that is no string: refused, and the origin hears why
        refuse_spawn(m, Error::InvalidArgument);
        return Error::InvalidArgument;
    }
    forward_spawn(m);
    return {};
}

Status Monitor::on_spawn_result(From f, const im::spawn_result_message& m) {
    if (m.origin >= total_ || m.core >= total_ || m.status >= kErrorCount || m.ended > 1 || m.how > u8(EndHow::Stopped))
        return Error::InvalidArgument;
    if (!may_send_result(f, m.origin, m.core)) return Error::InvalidArgument;
    deliver(m);
    return {};
}

Result<SpawnResult> Monitor::spawned_for(u32 dispatcher) const {
    for (const Spawned& s : spawned_)
        if (s.used && !s.ended && s.dispatcher == dispatcher) {
            SpawnResult r;
            r.origin = s.origin;
            r.tag = s.tag;
            r.core = cfg_.core;
            r.dispatcher = dispatcher;
            return r;
        }
    return Error::NotFound;
}

} // namespace mosaic::monitor
