// The SKB service's request handling (skb/service.hpp) as the server runs it: the board's
// facts from its manifest, queries and their digests, walking answers, adding facts, the
// multicast tree; and hostile requests, which get an error status and change nothing.
#include <doctest.h>
#include <mosaic/skb/board.hpp>
#include <mosaic/skb/report.hpp>
#include <mosaic/skb/rules.hpp>
#include <mosaic/skb/service.hpp>
#include <mosaic/transports/conformance.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

using namespace mosaic;
namespace svc = mosaic::ifaces::skb;

namespace {

std::string manifest(const char* name) {
    std::ifstream f(std::string(MOSAIC_BOARDS) + "/" + name + ".board");
    return std::string(std::istreambuf_iterator<char>(f), {});
}

// A service with its arena on the heap, loaded with a board.
struct Fixture {
    std::unique_ptr<skb::Service> service = std::make_unique<skb::Service>();
    std::vector<u8> arena = std::vector<u8>(skb::Engine::arena_bytes(skb::kBoardLimits));

    explicit Fixture(const char* board = "qemu-hetero") {
        REQUIRE(service->init(arena.data(), arena.size()).ok());
        if (board) {
            std::string text = manifest(board);
            REQUIRE(service->load_board(text.data(), text.size()).ok());
        }
    }
    skb::Service* operator->() { return service.get(); }
};

template <u32 N> transports::FixedString<N> fixed(const std::string& s) {
    transports::FixedString<N> out{};
    std::memcpy(out.bytes, s.data(), std::min<size_t>(s.size(), N));
    return out;
}

svc::query_reply query(Fixture& f, const std::string& q, u64 seed = transports::kFnv1a64Offset) {
    return f->query({fixed<200>(q), seed});
}

// Every answer line of q, walked by index (in the engine's order).
std::vector<std::string> walk(Fixture& f, const std::string& q) {
    std::vector<std::string> lines;
    for (u32 i = 0;; ++i) {
        svc::answer_reply r = f->answer({fixed<200>(q), i});
        if (r.status != u16(Error::Ok)) {
            CHECK(r.status == u16(Error::OutOfRange));
            CHECK(r.total == i);
            return lines;
        }
        lines.emplace_back(reinterpret_cast<const char*>(r.line.bytes), r.len);
    }
}

svc::add_facts_reply add(Fixture& f, const std::string& text) {
    return f->add_facts({fixed<400>(text), u32(text.size())});
}

std::string tree(Fixture& f, u32 root) {
    std::string line;
    for (;;) {
        svc::multicast_reply r = f->multicast({root, u32(line.size())});
        REQUIRE(r.status == u16(Error::Ok));
        line.append(reinterpret_cast<const char*>(r.chunk.bytes), r.len);
        if (line.size() >= r.total) return line;
        REQUIRE(r.len > 0);
    }
}

// What the CPU driver computed at boot: the standard answers of the board, one text.
std::string board_answers(const char* name) {
    std::string text = manifest(name);
    BoardError err;
    auto board = parse_board(text.data(), text.size(), err);
    REQUIRE(board.ok());
    std::vector<u8> mem(skb::Engine::arena_bytes(skb::kBoardLimits));
    skb::Engine e;
    REQUIRE(e.init(mem.data(), mem.size(), skb::kBoardLimits).ok());
    std::vector<char> buf(64 * 1024);
    auto n = skb::board_answers(e, *board, buf.data(), buf.size());
    REQUIRE(n.ok());
    return std::string(buf.data(), *n);
}

} // namespace

TEST_CASE("service: chained query digests equal the digest of the board's standard answers") {
    for (const char* name : {"qemu-x86_64", "qemu-aarch64", "qemu-riscv64", "qemu-hetero"}) {
        CAPTURE(name);
        Fixture f(name);
        u64 digest = transports::kFnv1a64Offset;
        u32 lines = 0;
        for (const char* q : skb::kBoardQueries) {
            svc::query_reply r = query(f, q, digest);
            REQUIRE(r.status == u16(Error::Ok));
            digest = r.digest;
            lines += r.lines;
        }
        std::string want = board_answers(name);
        CHECK(digest == transports::fnv1a64(reinterpret_cast<const u8*>(want.data()), u32(want.size())));
        CHECK(lines == u32(std::count(want.begin(), want.end(), '\n')));
    }
}

TEST_CASE("service: walking the answers gives the canonical lines") {
    Fixture f;
    auto lines = walk(f, "?- transport(0, C, T).");
    REQUIRE(lines.size() == 6);
    std::sort(lines.begin(), lines.end()); // the engine's order is deterministic, not sorted
    CHECK(lines[0] == "C=0 T=lmp");
    CHECK(lines[1] == "C=1 T=urpc");
    CHECK(lines[2] == "C=2 T=urpc_interconnect");
    svc::answer_reply past = f->answer({fixed<200>("?- transport(0, C, T)."), 1000});
    CHECK(past.status == u16(Error::OutOfRange));
    CHECK(past.total == 6);
    CHECK(walk(f, "?- core(99, I, N).").empty());
}

TEST_CASE("service: queries that do not parse report where, and the service goes on") {
    Fixture f;
    svc::query_reply good = query(f, skb::kBoardQueries[0]);
    svc::query_reply bad = query(f, "?- transport(A, B");
    CHECK(bad.status != u16(Error::Ok));
    CHECK(bad.line == 1);
    CHECK(bad.column > 1);
    for (const char* q : {"", "?-", "garbage", "?- x(A", "?- 1(A).", "reach(X) :- edge(X).", "?- a(A), not b(B)."}) {
        CAPTURE(q);
        CHECK(query(f, q).status != u16(Error::Ok));
        CHECK(f->answer({fixed<200>(q), 0}).status != u16(Error::Ok));
    }
    // A full text without a NUL, all 200 bytes.
    CHECK(query(f, std::string(200, 'x')).status != u16(Error::Ok));
    CHECK(query(f, skb::kBoardQueries[0]).digest == good.digest);
}

TEST_CASE("service: added facts change the answers; garbage is refused and nothing of it stays") {
    Fixture f;
    CHECK(walk(f, "?- latency(A, B, L).").empty());
    svc::add_facts_reply ok = add(f, "latency(0, 1, 180).\nlatency(0, 2, 2400).\ncore_hw(0, 0x0).\n");
    CHECK(ok.status == u16(Error::Ok));
    auto got = walk(f, "?- latency(A, B, L).");
    std::sort(got.begin(), got.end());
    CHECK(got == std::vector<std::string>{"A=0 B=1 L=180", "A=0 B=2 L=2400"});
    // A syntax error after good facts: none of the text stays.
    svc::add_facts_reply bad = add(f, "latency(0, 3, 1).\nlatency(0, 4,\n");
    CHECK(bad.status != u16(Error::Ok));
    CHECK(bad.line == 3);
    CHECK(walk(f, "?- latency(A, B, L).").size() == 2);
    // Rules, queries, non-ground facts, arity clashes, empty and oversized texts.
    CHECK(add(f, "transport(A, B, lmp) :- core(A, _, _).\n").status == u16(Error::Unsupported));
    CHECK(add(f, "?- core(A, B, C).\n").status == u16(Error::Unsupported));
    CHECK(add(f, "latency(X, 1, 2).\n").status != u16(Error::Ok));
    CHECK(add(f, "latency(1, 2).\n").status != u16(Error::Ok));
    CHECK(add(f, std::string("\x01\x02\xff garbage", 12)).status != u16(Error::Ok));
    CHECK(f->add_facts({fixed<400>("a(1)."), 0}).status == u16(Error::InvalidArgument));
    CHECK(f->add_facts({fixed<400>("a(1)."), 401}).status == u16(Error::InvalidArgument));
    // A quoted ":-" is a symbol, not a rule.
    CHECK(add(f, "device(\"odd:-name\", node0, other).\n").status == u16(Error::Ok));
    // The standard answers are those of the board still.
    std::string want = board_answers("qemu-hetero");
    u64 digest = transports::kFnv1a64Offset;
    for (const char* q : skb::kBoardQueries) digest = query(f, q, digest).digest;
    CHECK(digest == transports::fnv1a64(reinterpret_cast<const u8*>(want.data()), u32(want.size())));
}

TEST_CASE("service: placement follows core_load facts") {
    Fixture f;
    CHECK(walk(f, "?- place(ivshmem0, C).") == std::vector<std::string>{"C=0"});
    CHECK(add(f, "core_load(0, 5).\n").status == u16(Error::Ok));
    CHECK(walk(f, "?- place(ivshmem0, C).") == std::vector<std::string>{"C=1"});
}

TEST_CASE("service: the multicast line is skb::render_tree's, per root, chunked") {
    Fixture f;
    REQUIRE(add(f, "latency(0, 1, 180).\nlatency(0, 3, 2400).\nlatency(0, 5, 2000).\n").status == u16(Error::Ok));
    std::string line = tree(f, 0);
    // The same facts in a fresh engine, asked directly.
    std::string text = manifest("qemu-hetero");
    BoardError err;
    auto board = parse_board(text.data(), text.size(), err);
    REQUIRE(board.ok());
    skb::BoardFacts facts;
    REQUIRE(skb::board_facts(*board, facts).ok());
    std::vector<char> buf(8192);
    auto n = skb::render_facts(facts.view, buf.data(), buf.size());
    REQUIRE(n.ok());
    std::vector<u8> mem(skb::Engine::arena_bytes(skb::kBoardLimits));
    skb::Engine e;
    REQUIRE(e.init(mem.data(), mem.size(), skb::kBoardLimits).ok());
    REQUIRE(e.load(buf.data(), *n).ok());
    const char* lat = "latency(0, 1, 180).\nlatency(0, 3, 2400).\nlatency(0, 5, 2000).\n";
    REQUIRE(e.load(lat, std::strlen(lat)).ok());
    u32 count = 0;
    const skb::RuleFile* rules = skb::rule_files(count);
    for (u32 i = 0; i < count; ++i) REQUIRE(e.load(rules[i].text).ok());
    u32 members[5] = {1, 2, 3, 4, 5};
    skb::McEdge edges[8];
    auto m = skb::multicast_tree(e, 0, members, 5, edges, 8);
    REQUIRE(m.ok());
    char want[256];
    auto len = skb::render_tree(0, edges, *m, want, sizeof want);
    REQUIRE(len.ok());
    CHECK(line == std::string(want, *len));
    CHECK(line == "root 0 edges 0>1 3>2 0>3 5>4 0>5");
    // Cached, then another root, then the first again: the same line each time.
    CHECK(tree(f, 0) == line);
    std::string other = tree(f, 3);
    CHECK(other.rfind("root 3 edges", 0) == 0);
    CHECK(tree(f, 0) == line);
    // A chunk from an offset.
    svc::multicast_reply tail = f->multicast({0, 5});
    CHECK(tail.status == u16(Error::Ok));
    CHECK(std::string(reinterpret_cast<const char*>(tail.chunk.bytes), tail.len) == line.substr(5));
    CHECK(f->multicast({0, u32(line.size()) + 1}).status == u16(Error::OutOfRange));
    // An unknown root.
    CHECK(f->multicast({6, 0}).status == u16(Error::NotFound));
    CHECK(f->multicast({0xffffffffu, 0}).status == u16(Error::NotFound));
}

TEST_CASE("service: a manifest that is not a board, and requests before any board") {
    Fixture f(nullptr);
    CHECK(query(f, skb::kBoardQueries[0]).status == u16(Error::NotFound));
    CHECK(f->answer({fixed<200>("?- core(C, I, N)."), 0}).status == u16(Error::NotFound));
    CHECK(add(f, "a(1).\n").status == u16(Error::NotFound));
    CHECK(f->multicast({0, 0}).status == u16(Error::NotFound));
    const char* junk[] = {"", "hello", "[board]\nname = x\n", "\x00\x01\x02", "[node a]\nisa = vax\n"};
    for (const char* j : junk) {
        BoardError err;
        CHECK(!f->load_board(j, std::strlen(j) + 1, &err).ok());
        CHECK(!f->ready());
    }
    CHECK(!f->load_board(nullptr, 10).ok());
    skb::Service small;
    u8 tiny[64];
    CHECK(small.init(tiny, sizeof tiny).error() == Error::NoMemory);
    // And a real board after all that.
    std::string text = manifest("qemu-x86_64");
    REQUIRE(f->load_board(text.data(), text.size()).ok());
    CHECK(query(f, skb::kBoardQueries[0]).status == u16(Error::Ok));
}
