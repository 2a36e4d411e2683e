// The SKB boot tests, as a user program: asks this core's SKB service (skb.cpp) over its
// channel what the board is and what boot discovered, and checks the answers and
// decisions. It knows nothing of the board but what the SKB answers.
//
// arg: bits 0..31 the SKB server's dispatcher id on this core, bits 32..39 this node's
// index, bits 40..47 this core's board number (the boot core of the node).
//
// Prints, for the host runner (these formats are read back; keep them):
//   SKB answers <n> lines digest <hex>      the standard answers (skb::kBoardQueries) as
//                                           one text, compared with `mosaic-tool skb BOARD`
//   SKB fact latency(A, B, L).              every latency fact the SKB holds, as
//                                           skb::render_facts writes it
//   SKB multicast root R edges P>C ...      the tree from node 0's lowest core over every
//                                           other core, which the host rebuilds from the facts
//   TEST <name> PASS | TEST <name> FAIL <reason>
// Exit 0 when every test passed, else 1. (The test runner prints the verdict.)
#include <mosaic/skb/board.hpp>
#include <mosaic/skb/decide.hpp>
#include <mosaic/skb/facts.hpp>
#include <mosaic/transports/conformance.hpp>
#include <mosaic/user/skb.hpp>
#include <mosaic/user/sys.hpp>

using namespace mosaic;
using transports::Route;

namespace {

constexpr u32 kMaxCores = 64;
constexpr u32 kMaxNodes = BoardProfile::kMaxNodes;
constexpr u32 kLoad = 5; // the load the placement test gives a core

user::SkbClient g_skb;
u32 g_failed = 0;

template <typename... Args> bool check(bool ok, const char* name, const char* why, Args... args) {
    char line[sys::kMaxPrint];
    BufferSink b(line, sizeof line - 1); // room for the newline, even when the reason is cut
    if (ok) {
        format(b.sink(), "TEST {} PASS", name);
    } else {
        format(b.sink(), "TEST {} FAIL ", name);
        format(b.sink(), why, args...);
        ++g_failed;
    }
    usize n = b.size();
    line[n++] = '\n';
    user::write(line, n);
    return ok;
}

// A query formatted from fmt and args.
struct Query {
    char text[200];
    template <typename... Args> explicit Query(const char* fmt, Args... args) {
        BufferSink b(text, sizeof text);
        format(b.sink(), fmt, args...);
    }
};

// The value of `name` in an answer line ("A=0 B=x86_64 ..."), as text (NUL-terminated).
bool field(const char* line, const char* name, char* out, usize cap) {
    const usize nlen = str_len(name);
    for (const char* p = line; *p;) {
        bool match = true;
        for (usize i = 0; i < nlen && match; ++i) match = p[i] == name[i];
        if (match && p[nlen] == '=') {
            p += nlen + 1;
            usize k = 0;
            for (; p[k] && p[k] != ' ' && k + 1 < cap; ++k) out[k] = p[k];
            out[k] = 0;
            return true;
        }
        while (*p && *p != ' ') ++p; // the next field
        while (*p == ' ') ++p;
    }
    return false;
}

// A decimal integer (as report.hpp writes them), optionally after a prefix ("node").
bool number(const char* s, u64& out, const char* prefix = "") {
    for (; *prefix; ++prefix, ++s)
        if (*s != *prefix) return false;
    if (!*s) return false;
    out = 0;
    for (; *s; ++s) {
        if (*s < '0' || *s > '9' || out > (~0ull - 9) / 10) return false;
        out = out * 10 + u64(*s - '0');
    }
    return true;
}

bool int_field(const char* line, const char* name, u64& out, const char* prefix = "") {
    char v[64];
    return field(line, name, v, sizeof v) && number(v, out, prefix);
}

// Calls each(line) for every answer line of q; returns how many, or the error.
template <typename F> Result<u32> walk(const char* q, F each) {
    char line[sizeof(ifaces::skb::LongText) + 1];
    u32 total = 0;
    for (u32 i = 0;; ++i) {
        auto n = g_skb.answer(q, i, line, sizeof line, &total);
        if (!n.ok()) return n.error() == Error::OutOfRange && i == total ? Result<u32>(i) : Result<u32>(n.error());
        each(static_cast<const char*>(line));
    }
}

// What the SKB says the board is: its cores and the node of each, the interconnect.
struct Board {
    u32 cores = 0;
    u32 node_of[kMaxCores] = {};
    u32 nodes = 0;
    bool linked[kMaxNodes][kMaxNodes] = {};
    bool bad = false;

    Status learn() {
        u32 n = TRY(walk("?- core(C, I, N).", [this](const char* line) {
            u64 c = 0, node = 0;
            if (!int_field(line, "C", c) || !int_field(line, "N", node, "node") || c >= kMaxCores || node >= kMaxNodes) {
                bad = true;
                return;
            }
            node_of[c] = u32(node);
            cores = max(cores, u32(c) + 1);
            nodes = max(nodes, u32(node) + 1);
        }));
        TRY(walk("?- interconnect(A, B).", [this](const char* line) {
            u64 a = 0, b = 0;
            if (!int_field(line, "A", a, "node") || !int_field(line, "B", b, "node") || a >= kMaxNodes || b >= kMaxNodes) {
                bad = true;
                return;
            }
            linked[a][b] = linked[b][a] = true;
        }));
        if (bad || n != cores || cores == 0) return Error::Malformed; // cores are numbered 0..n-1
        return {};
    }
    u32 first_core(u32 node) const {
        for (u32 c = 0; c < cores; ++c)
            if (node_of[c] == node) return c;
        return kMaxCores;
    }
    u32 cores_of(u32 node) const {
        u32 n = 0;
        for (u32 c = 0; c < cores; ++c) n += node_of[c] == node;
        return n;
    }
    // The route the board's structure calls for (ARCHITECTURE.md, "Messages").
    Route expected(u32 a, u32 b) const {
        if (a == b) return Route::Lmp;
        if (node_of[a] == node_of[b]) return Route::Urpc;
        return linked[node_of[a]][node_of[b]] ? Route::UrpcInterconnect : Route::None;
    }
};

Board g_board;

// SKB answers: the standard queries, their answers digested as one text.
u64 standard_answers(u32& lines, bool& ok) {
    u64 digest = transports::kFnv1a64Offset;
    lines = 0;
    ok = true;
    for (const char* q : skb::kBoardQueries) {
        auto r = g_skb.query(q, digest);
        if (!r.ok()) {
            ok = false;
            return 0;
        }
        digest = r->digest;
        lines += r->lines;
    }
    return digest;
}

u64 test_answers() {
    u32 lines = 0;
    bool ok = false;
    u64 digest = standard_answers(lines, ok);
    if (ok) user::print("SKB answers {} lines digest {:x}\n", lines, digest);
    // A broken query is reported with where it broke, and the service goes on.
    auto bad = g_skb.query("?- transport(A, B", transports::kFnv1a64Offset);
    bool reported = !bad.ok() && g_skb.error_line() == 1 && g_skb.error_column() > 1;
    u32 again_lines = 0;
    bool again_ok = false;
    u64 again = standard_answers(again_lines, again_ok);
    check(ok && lines > 0 && reported && again_ok && again == digest, "skb-answers",
          "standard answers: {} ({} lines); a malformed query: {} at line {} column {}; asked again: {}",
          ok ? "ok" : "failed", lines, bad.ok() ? "answered" : error_name(bad.error()), g_skb.error_line(),
          g_skb.error_column(), again == digest ? "the same" : "different");
    return ok ? digest : 0;
}

void test_transport(u32 node) {
    u32 asked = 0, wrong = 0, first_from = 0, first_to = 0;
    Route got_first = Route::None, want_first = Route::None;
    Error err = Error::Ok;
    auto ask = [&](u32 a, u32 b) {
        ++asked;
        auto r = g_skb.route(a, b);
        Route want = g_board.expected(a, b);
        if (r.ok() && *r == want) return;
        if (wrong++ == 0) {
            first_from = a, first_to = b, want_first = want;
            got_first = r.ok() ? *r : Route::None;
            err = r.ok() ? Error::Ok : r.error();
        }
    };
    for (u32 a = 0; a < g_board.cores; ++a) {
        if (g_board.node_of[a] != node) continue;
        for (u32 b = 0; b < g_board.cores; ++b)
            if (g_board.node_of[b] == node) ask(a, b);
        for (u32 other = 0; other < g_board.nodes; ++other)
            if (other != node && g_board.first_core(other) < kMaxCores) ask(a, g_board.first_core(other));
    }
    check(asked > 0 && wrong == 0, "skb-transport-decisions", "{} of {} routes differ from the board's structure; "
          "first {} -> {}: {} ({}), expected {}", wrong, asked, first_from, first_to, transports::route_name(got_first),
          error_name(err), transports::route_name(want_first));
}

void test_discovered(u32 node) {
    bool here[kMaxCores] = {};
    u32 found = 0, foreign = 0;
    Query q("?- core_hw(C, H).");
    auto n = walk(q.text, [&](const char* line) {
        u64 c = 0;
        if (!int_field(line, "C", c) || c >= g_board.cores || g_board.node_of[c] != node) {
            ++foreign;
            return;
        }
        found += !here[c];
        here[c] = true;
    });
    const u32 want = g_board.cores_of(node);
    check(n.ok() && found == want && foreign == 0, "skb-discovered-cores",
          "{} of node {}'s {} cores have core_hw facts, {} facts for other cores ({})", found, node, want, foreign,
          error_name(n.ok() ? Error::Ok : n.error()));
    Query alloc("?- alloc_from(C, B, S), core(C, _, node{}).", node);
    auto a = walk(alloc.text, [](const char*) {});
    check(a.ok() && *a == want, "skb-discovered-memory", "{} of {} cores have memory to allocate from ({})",
          a.ok() ? *a : 0, want, error_name(a.ok() ? Error::Ok : a.error()));
}

// Prints every latency fact as render_facts writes it; returns how many.
Result<u32> print_latencies() {
    bool bad = false;
    u32 n = TRY(walk("?- latency(A, B, L).", [&bad](const char* line) {
        u64 a = 0, b = 0, l = 0;
        if (!int_field(line, "A", a) || !int_field(line, "B", b) || !int_field(line, "L", l)) {
            bad = true;
            return;
        }
        skb::LatencyFact f{u32(a), u32(b), l};
        skb::MachineFacts m;
        m.latencies = {&f, 1};
        char text[96];
        if (skb::render_facts(m, text, sizeof text).ok()) user::print("SKB fact {}", static_cast<const char*>(text));
        else bad = true;
    }));
    if (bad) return Error::Malformed;
    return n;
}

void test_latency(u32 node) {
    auto n = print_latencies();
    bool needed = g_board.cores_of(node) >= 2 || g_board.nodes >= 2;
    check(n.ok() && (!needed || *n > 0), "skb-measured-latency", "{} latency facts ({}) on a board of {} nodes, {} cores here",
          n.ok() ? *n : 0, error_name(n.ok() ? Error::Ok : n.error()), g_board.nodes, g_board.cores_of(node));
}

// Reads the tree line back ("root R edges P>C ...") and checks it is a tree over every core.
Status check_line(const char* line, u32 root) {
    u64 r = 0;
    const char* p = line;
    auto word = [&p](char* out, usize cap) {
        while (*p == ' ') ++p;
        usize k = 0;
        for (; *p && *p != ' ' && k + 1 < cap; ++p) out[k++] = *p;
        out[k] = 0;
    };
    char w[32];
    word(w, sizeof w);
    if (!str_eq(w, "root")) return Error::Malformed;
    word(w, sizeof w);
    if (!number(w, r) || r != root) return Error::Malformed;
    word(w, sizeof w);
    if (!str_eq(w, "edges")) return Error::Malformed;
    skb::McEdge edges[kMaxCores];
    u32 n = 0;
    for (word(w, sizeof w); w[0]; word(w, sizeof w)) {
        char* gt = w;
        while (*gt && *gt != '>') ++gt;
        if (!*gt || n == kMaxCores) return Error::Malformed;
        *gt = 0;
        u64 parent = 0, child = 0;
        if (!number(w, parent) || !number(gt + 1, child)) return Error::Malformed;
        edges[n++] = {u32(parent), u32(child)};
    }
    u32 members[kMaxCores], count = 0;
    for (u32 c = 0; c < g_board.cores; ++c)
        if (c != root) members[count++] = c;
    return skb::check_tree(root, members, count, edges, n);
}

void test_multicast() {
    const u32 root = g_board.first_core(0);
    char line[kMaxCores * 12 + 32];
    auto n = root < kMaxCores ? g_skb.multicast(root, line, sizeof line) : Result<usize>(Error::NotFound);
    if (n.ok()) user::print("SKB multicast {}\n", static_cast<const char*>(line));
    Status tree = n.ok() ? check_line(line, root) : Status(n.error());
    check(tree.ok(), "skb-multicast-tree", "no multicast tree from core {} over the board's {} cores: {}", root,
          g_board.cores, error_name(tree.error()));
}

// The placement policy decides by load: the node's least-loaded core, lowest id on ties
// (a core without a core_load fact has load 0; with several facts, the least counts).
struct Loads {
    bool known[kMaxCores] = {};
    u64 load[kMaxCores] = {};

    Status learn() {
        TRY(walk("?- core_load(C, L).", [this](const char* line) {
            u64 c = 0, l = 0;
            if (!int_field(line, "C", c) || !int_field(line, "L", l) || c >= kMaxCores) return;
            if (!known[c] || l < load[c]) load[c] = l;
            known[c] = true;
        }));
        return {};
    }
    void add(u32 c, u64 l) {
        if (!known[c] || l < load[c]) load[c] = l;
        known[c] = true;
    }
    u32 pick(u32 node) const {
        u32 best = kMaxCores;
        for (u32 c = 0; c < g_board.cores; ++c)
            if (g_board.node_of[c] == node && (best == kMaxCores || load[c] < load[best])) best = c;
        return best;
    }
};

// Where the SKB places every device of this node: the number placed on `want` (and how many).
u32 placed_on(u32 node, u32 want, u32& devices) {
    devices = 0;
    u32 right = 0;
    Query q("?- device(D, node{}, K), place(D, C).", node);
    auto n = walk(q.text, [&](const char* line) {
        u64 c = 0;
        ++devices;
        right += int_field(line, "C", c) && c == want;
    });
    return n.ok() ? right : 0;
}

Status add_fact(const char* fmt, u32 a, u32 b) {
    Query f(fmt, a, b);
    return g_skb.add_facts(f.text, str_len(f.text));
}

void test_placement(u32 node, u64 standard) {
    Loads loads;
    Status s = loads.learn();
    const bool unloaded = [&] {
        for (u32 c = 0; c < g_board.cores; ++c)
            if (g_board.node_of[c] == node && loads.known[c]) return false;
        return true;
    }();
    // A device to place, if boot found none on this node (its kind is not the
    // interconnect's, so the standard answers stay as they are).
    u32 devices = 0;
    placed_on(node, 0, devices);
    if (s.ok() && devices == 0) s = add_fact("device(skbtest_probe{}, node{}, other).\n", node, node);
    const u32 lowest = g_board.first_core(node);
    const u32 before = loads.pick(node);
    u32 right_before = s.ok() ? placed_on(node, before, devices) : 0;
    // Load the lowest core: the decision moves to the least-loaded other core.
    if (s.ok()) s = add_fact("core_load({}, {}).\n", lowest, kLoad);
    loads.add(lowest, kLoad);
    const u32 after = loads.pick(node);
    u32 devices_after = 0;
    u32 right_after = s.ok() ? placed_on(node, after, devices_after) : 0;
    const bool moved = !unloaded || g_board.cores_of(node) < 2 || after != before;
    // Every other core of the node as loaded too: the decisions, and the standard answers,
    // are as they were.
    for (u32 c = 0; c < g_board.cores && s.ok(); ++c)
        if (g_board.node_of[c] == node && c != lowest) s = add_fact("core_load({}, {}).\n", c, kLoad);
    u32 lines = 0;
    bool ok = false;
    const u64 restored = s.ok() ? standard_answers(lines, ok) : 0;
    check(s.ok() && devices > 0 && right_before == devices && right_after == devices_after && moved &&
              (!unloaded || restored == standard),
          "skb-placement-decision",
          "{} of {} devices on core {} before, {} of {} on core {} after core_load({}, {}) ({}); standard answers "
          "afterwards {}",
          right_before, devices, before, right_after, devices_after, after, lowest, kLoad,
          error_name(s.ok() ? Error::Ok : s.error()), restored == standard ? "unchanged" : "changed");
}

} // namespace

int main(u64 arg) {
    const u32 server = u32(arg), node = u32(arg >> 32) & 0xff, core = u32(arg >> 40) & 0xff;
    if (Status s = g_skb.connect(server); !s.ok()) {
        check(false, "skb-answers", "no SKB service at dispatcher {}: {}", server, error_name(s.error()));
        return 1;
    }
    const u64 standard = test_answers();
    Status learned = g_board.learn();
    if (!learned.ok() || node >= g_board.nodes || core >= g_board.cores || g_board.node_of[core] != node) {
        // Every other test needs the board: each fails, saying why.
        static constexpr const char* kNeedBoard[] = {"skb-transport-decisions", "skb-discovered-cores",
                                                     "skb-discovered-memory",   "skb-measured-latency",
                                                     "skb-multicast-tree",      "skb-placement-decision"};
        for (const char* name : kNeedBoard)
            check(false, name, "the SKB's cores ({}, {} cores, {} nodes) do not hold core {} of node {}",
                  error_name(learned.ok() ? Error::Ok : learned.error()), g_board.cores, g_board.nodes, core, node);
        (void)g_skb.done();
        return 1;
    }
    test_transport(node);
    test_discovered(node);
    test_latency(node);
    test_multicast();
    test_placement(node, standard); // last: it adds load facts
    (void)g_skb.done();
    return g_failed ? 1 : 0;
}
