// The SKB server: loads the machine's facts and the rule files into the SKB engine and
// answers queries over a channel (interface skb, transports/interfaces/skb.hpp) until its
// client says it is done.
//
// Where the facts come from: a dispatcher cannot read the boot image, so the CPU driver
// hands the server the facts it rendered itself (the board's and those discovered and
// measured at boot, as SKB text) as its start data, a read-only copy in the server's own
// pages (sys::kStartDataOffset). The rules are compiled in (skb/rules/*.dl).
//
// arg: the length of the facts text. It serves one client: the first dispatcher of this
// core that sends to it.
#include <mosaic/skb/board.hpp>
#include <mosaic/skb/report.hpp>
#include <mosaic/skb/rules.hpp>
#include <mosaic/transports/conformance.hpp>
#include <mosaic/transports/interfaces/skb.hpp>
#include <mosaic/user/lmp.hpp>
#include <mosaic/user/sys.hpp>

using namespace mosaic;
namespace iface = mosaic::ifaces::skb;

namespace {

// The engine's memory (the same capacities as the CPU driver's SKB), and room for the
// answers of one query as text.
alignas(16) u8 g_arena[576 * 1024];
skb::Engine g_engine;
char g_answers[16 * 1024];
user::LmpPort g_port;

struct Server {
    bool finished = false;
    u32 queries = 0;

    Result<iface::query_reply> query(const iface::query_request& r) {
        char q[sizeof r.text.bytes + 1]; // NUL-terminated for render_answers
        usize len = 0;
        for (; len < sizeof r.text.bytes && r.text.bytes[len]; ++len) q[len] = char(r.text.bytes[len]);
        q[len] = 0;
        ++queries;
        skb::ParseError err;
        auto n = skb::render_answers(g_engine, q, g_answers, sizeof g_answers, &err);
        if (!n.ok()) return iface::query_reply{u16(n.error()), err.line, err.column, 0, 0, r.seed};
        u32 lines = 0;
        for (usize i = 0; i < *n; ++i) lines += g_answers[i] == '\n';
        u64 digest = transports::fnv1a64(reinterpret_cast<const u8*>(g_answers), u32(*n), r.seed);
        return iface::query_reply{u16(Error::Ok), 0, 0, lines, u32(*n), digest};
    }
    Status done(const iface::done_message&) {
        finished = true;
        return {};
    }
};

Status load(const char* facts, usize len) {
    if (skb::Engine::arena_bytes(skb::kBoardLimits) > sizeof g_arena) return Error::NoMemory;
    TRY_STATUS(g_engine.init(g_arena, sizeof g_arena, skb::kBoardLimits));
    skb::ParseError err;
    if (Status s = g_engine.load(facts, len, &err); !s.ok()) {
        user::print("user: skb: the facts do not load: {} at line {} column {}: {}\n", error_name(s.error()), err.line,
                    err.column, err.message);
        return s;
    }
    u32 count = 0;
    const skb::RuleFile* files = skb::rule_files(count);
    for (u32 i = 0; i < count; ++i) TRY_STATUS(g_engine.load(files[i].text, &err));
    return {};
}

} // namespace

int main(u64 arg) {
    if (arg == 0 || arg > sys::kMaxStartData) {
        user::print("user: skb: bad argument {} (the length of the facts text)\n", arg);
        return 1;
    }
    if (Status s = load(reinterpret_cast<const char*>(user::start_data()), usize(arg)); !s.ok()) {
        user::print("user: skb: cannot load the facts and rules: {}\n", error_name(s.error()));
        return 2;
    }
    transports::Channel ch;
    if (!g_port.bind(ch, 0).ok()) return 3;
    Server server;
    transports::Message m;
    u32 bad = 0;
    while (!server.finished) {
        Status s = ch.poll(m);
        if (s.ok()) s = iface::serve(ch, m, server);
        if (s.ok()) continue;
        if (s.error() != Error::Malformed || ++bad > 16) {
            user::print("user: skb: channel to dispatcher {} failed: {}\n", g_port.peer(), error_name(s.error()));
            return 4;
        }
    }
    user::print("user: skb: served {} queries from dispatcher {} ({} tuples, {} rules loaded)\n", server.queries,
                g_port.peer(), g_engine.tuple_count(), g_engine.rule_count());
    return 0;
}
