// Queries (see monitor.hpp): a program asks its monitor something of another core's monitor
// (its dispatchers, its free memory, an echo, the board's names, a shutdown, a message for
// one of its programs); the query travels by the same routes and the same neighbour rules
// as a spawn (spawn.cpp), runs there through Env::query, and its one answer travels back to
// the origin, which takes only answers to queries it sent and still awaits.
#include <mosaic/monitor/monitor.hpp>

namespace mosaic::monitor {

namespace im = ifaces::intermon;

namespace {
Query from_wire(const im::query_message& m) {
    Query q{m.core, m.origin, m.sender, m.tag, QueryOp(m.op), m.a, {}};
    for (u32 i = 0; i < sizeof q.name; ++i) q.name[i] = m.name.bytes[i];
    return q;
}
} // namespace

const char* query_op_name(QueryOp op) {
    switch (op) {
    case QueryOp::Echo: return "echo";
    case QueryOp::Ps: return "ps";
    case QueryOp::Kill: return "kill";
    case QueryOp::Mem: return "mem";
    case QueryOp::Shutdown: return "shutdown";
    case QueryOp::NameRegister: return "name-register";
    case QueryOp::NameLookup: return "name-lookup";
    case QueryOp::NameRemove: return "name-remove";
    case QueryOp::NameList: return "name-list";
    case QueryOp::NamesOf: return "names-of";
    case QueryOp::Deliver: return "deliver";
    case QueryOp::NameWait: return "name-wait";
    case QueryOp::TransportBench: return "transport-bench";
    }
    return "?";
}

void Monitor::query_remote(const Query& q) {
    im::query_message m{q.core, cfg_.core, q.sender, q.tag, u32(q.op), q.a, {}};
    for (u32 i = 0; i < sizeof q.name; ++i) m.name.bytes[i] = q.name[i];
    if (q.core != cfg_.core) {
        AwaitedAnswer* w = nullptr;
        for (auto& e : awaited_)
            if (!e.used && !w) w = &e;
        if (!w) return answer_query({cfg_.core, q.tag, q.core, u16(Error::Busy), 0, 0, 0}, true);
        *w = {true, q.core, q.tag, now()};
    }
    forward_query(m);
}

void Monitor::forward_query(const im::query_message& q) {
    const Hop h = route(q.core);
    if (h.kind == Hop::Here) {
        Answer a = env_.query ? env_.query(env_.ctx, from_wire(q)) : Answer{};
        if (!env_.query) a.status = Error::Unsupported;
        if (a.status == Error::WouldBlock && QueryOp(q.op) == QueryOp::NameWait) return; // answered later
        return answer_query({q.origin, q.tag, cfg_.core, u16(a.status), a.a, a.b, a.c}, q.origin == cfg_.core);
    }
    const im::answer_message refused{q.origin, q.tag, q.core, u16(Error::NotFound), 0, 0, 0};
    if (h.kind == Hop::Nowhere) return answer_query(refused, q.origin == cfg_.core);
    Pending p;
    p.kind = Pending::Query;
    p.query = q;
    if (!queue(h.ch, p)) {
        im::answer_message busy = refused;
        busy.status = u16(Error::Busy);
        answer_query(busy, q.origin == cfg_.core);
    }
}

void Monitor::answer_query(const im::answer_message& a, bool here) {
    const Hop h = route(a.origin);
    if (h.kind == Hop::Here) {
        if (!here) { // from elsewhere: only the one answer to a query this monitor awaits
            bool awaited = false;
            for (auto& e : awaited_)
                if (e.used && e.tag == a.tag && e.core == a.core && !awaited) e.used = false, awaited = true;
            if (!awaited) {
                ++refused_;
                return;
            }
        } else {
            for (auto& e : awaited_) // answered before it left (nowhere to go, or no room)
                if (e.used && e.tag == a.tag && e.core == a.core) e.used = false;
        }
        if (env_.answered) env_.answered(env_.ctx, {a.origin, a.tag, a.core, Error(a.status), a.a, a.b, a.c});
        return;
    }
    Pending p;
    p.kind = Pending::Answer;
    p.answer = a;
    // Lost only when even the share kept for answers is taken: the origin hears Timeout.
    if (h.kind == Hop::Nowhere || !queue(h.ch, p)) ++refused_;
}

void Monitor::answer_later(const Answer& a) {
    if (a.origin >= total_) return;
    answer_query({a.origin, a.tag, cfg_.core, u16(a.status), a.a, a.b, a.c}, a.origin == cfg_.core);
}

bool Monitor::expire_queries() {
    bool any = false;
    for (auto& e : awaited_) {
        if (!e.used || now() - e.since < kQueryTimeout) continue;
        e.used = false;
        any = true;
        if (env_.answered) env_.answered(env_.ctx, {cfg_.core, e.tag, e.core, Error::Timeout, 0, 0, 0});
    }
    return any;
}

Status Monitor::on_query(From f, const im::query_message& m) {
    if (m.core >= total_ || m.origin >= total_ || m.op == 0 || m.op > kQueryOps) return Error::InvalidArgument;
    if (!may_send_request(f, m.origin, m.core)) return Error::InvalidArgument;
    forward_query(m);
    return {};
}

Status Monitor::on_answer(From f, const im::answer_message& m) {
    if (m.origin >= total_ || m.core >= total_ || m.status >= kErrorCount) return Error::InvalidArgument;
    if (!may_send_result(f, m.origin, m.core)) return Error::InvalidArgument;
    answer_query(m);
    return {};
}

} // namespace mosaic::monitor
