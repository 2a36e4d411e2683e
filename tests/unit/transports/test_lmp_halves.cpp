// LMP frames as two 4-word CPU-driver messages (lmp_halves.hpp): splitting, pairing per
// sender, getting back in step after a lost half, and whole channels and the SKB
// interface's stubs over a fake CPU driver that delivers halves as user mode's does.
#include "helpers.hpp"

#include <deque>
#include <doctest.h>
#include <map>
#include <mosaic/transports/conformance.hpp>
#include <mosaic/transports/interfaces/skb.hpp>
#include <mosaic/transports/lmp_halves.hpp>

using namespace test;
namespace skbi = mosaic::ifaces::skb;

namespace {

LmpMessage numbered(u64 salt) {
    LmpMessage m;
    for (u32 i = 0; i < kLmpWords; ++i) m.words[i] = salt * 0x1000 + i;
    return m;
}

bool same(const LmpMessage& a, const LmpMessage& b) { return memcmp(a.words, b.words, sizeof a.words) == 0; }

// One core's LMP as user mode sees it: a FIFO of (sender, half) per dispatcher.
struct FakeCore {
    std::map<u64, std::deque<std::pair<u64, LmpHalf>>> mailbox;
};

// A dispatcher's end of a channel: the hooks split on send and pair on receive, as
// userland/lib/lmp.cpp does (but never block: an empty mailbox is WouldBlock).
struct Dispatcher {
    FakeCore* core;
    u64 id, peer;
    LmpJoiner joiner;
    Channel ch;

    Dispatcher(FakeCore& c, u64 self, u64 other) : core(&c), id(self), peer(other) {
        Binding b{.kind = TransportKind::Lmp};
        b.lmp = {send, receive, this};
        REQUIRE(ch.bind(b).ok());
    }
    static Status send(void* ctx, u32, const LmpMessage* msgs, u32 count) {
        auto* d = static_cast<Dispatcher*>(ctx);
        for (u32 i = 0; i < count; ++i) {
            LmpHalf a, b;
            lmp_split(msgs[i], a, b);
            d->core->mailbox[d->peer].push_back({d->id, a});
            d->core->mailbox[d->peer].push_back({d->id, b});
        }
        return {};
    }
    static Status receive(void* ctx, u32, LmpMessage* out) {
        auto* d = static_cast<Dispatcher*>(ctx);
        auto& box = d->core->mailbox[d->id];
        while (!d->joiner.take(d->peer, *out)) {
            if (box.empty()) return Error::WouldBlock;
            auto [sender, half] = box.front();
            box.pop_front();
            TRY_STATUS(d->joiner.accept(sender, half));
        }
        return {};
    }
};

} // namespace

TEST_CASE("a frame splits into two halves, the second marked, and joins back") {
    LmpMessage m = numbered(7), out;
    LmpHalf a, b;
    lmp_split(m, a, b);
    CHECK(a.words[0] == m.words[0]);
    CHECK(a.words[3] == m.words[3]);
    CHECK(b.words[2] == m.words[6]);
    CHECK(b.words[3] == kLmpSecondHalf);
    LmpJoiner j;
    CHECK_FALSE(j.take(5, out));
    CHECK(j.accept(5, a).ok());
    CHECK_FALSE(j.take(5, out)); // half a frame is not a frame
    CHECK(j.accept(5, b).ok());
    REQUIRE(j.take(5, out));
    CHECK(same(out, m));
    CHECK_FALSE(j.take(5, out));
}

TEST_CASE("halves of several senders interleave and pair per sender, in order") {
    LmpJoiner j;
    LmpHalf a1, b1, a2, b2, a3, b3;
    lmp_split(numbered(1), a1, b1);
    lmp_split(numbered(2), a2, b2);
    lmp_split(numbered(3), a3, b3);
    CHECK(j.accept(1, a1).ok());
    CHECK(j.accept(2, a2).ok());
    CHECK(j.accept(1, b1).ok());
    CHECK(j.accept(1, a3).ok());
    CHECK(j.accept(2, b2).ok());
    CHECK(j.accept(1, b3).ok());
    LmpMessage out;
    REQUIRE(j.take(2, out));
    CHECK(same(out, numbered(2)));
    REQUIRE(j.take(1, out));
    CHECK(same(out, numbered(1)));
    REQUIRE(j.take(1, out));
    CHECK(same(out, numbered(3)));
}

TEST_CASE("a lost half is reported and the pairing gets back in step") {
    LmpJoiner j;
    LmpHalf a1, b1, a2, b2;
    lmp_split(numbered(1), a1, b1);
    lmp_split(numbered(2), a2, b2);
    LmpMessage out;
    // A second half with no first: dropped; the next frame is whole.
    CHECK(j.accept(4, b1).error() == Error::Malformed);
    CHECK(j.accept(4, a2).ok());
    CHECK(j.accept(4, b2).ok());
    REQUIRE(j.take(4, out));
    CHECK(same(out, numbered(2)));
    // A first half whose second never came: the new first half starts the next frame.
    CHECK(j.accept(4, a1).ok());
    CHECK(j.accept(4, a2).error() == Error::Malformed);
    CHECK(j.accept(4, b2).ok());
    REQUIRE(j.take(4, out));
    CHECK(same(out, numbered(2)));
    CHECK_FALSE(j.take(4, out));
}

TEST_CASE("the joiner's capacities: frames kept per sender and senders at once") {
    LmpJoiner j;
    LmpHalf a, b;
    lmp_split(numbered(9), a, b);
    for (u32 i = 0; i < LmpJoiner::kQueued; ++i) {
        CHECK(j.accept(1, a).ok());
        CHECK(j.accept(1, b).ok());
    }
    CHECK(j.accept(1, a).ok());
    CHECK(j.accept(1, b).error() == Error::CapacityExceeded);
    for (u64 s = 2; s <= LmpJoiner::kSenders; ++s) CHECK(j.accept(s, a).ok()); // each holds a half
    CHECK(j.accept(100, a).error() == Error::CapacityExceeded);
    // A sender whose frames were all taken frees its entry for another.
    LmpMessage out;
    while (j.take(1, out)) CHECK(same(out, numbered(9)));
    CHECK(j.accept(100, a).ok());
}

TEST_CASE("a channel over LMP halves carries long messages both ways") {
    FakeCore core;
    Dispatcher one(core, 1, 2), two(core, 2, 1);
    std::string big = pattern(300, 3); // 8 fragments, 16 LMP messages
    REQUIRE(one.ch.send(text_message(5, big)).ok());
    CHECK(core.mailbox[2].size() == 2 * fragment_count(300));
    Message m;
    REQUIRE(two.ch.poll(m).ok());
    CHECK(payload_of(m) == big);
    CHECK(two.ch.poll(m).error() == Error::WouldBlock);
    REQUIRE(two.ch.send(text_message(6, "back")).ok());
    REQUIRE(one.ch.poll(m).ok());
    CHECK(payload_of(m) == "back");
    // Another sender's halves in between wait for their own channel.
    LmpHalf a, b;
    lmp_split(numbered(1), a, b);
    core.mailbox[2].push_back({3, a});
    REQUIRE(one.ch.send(text_message(7, "after")).ok());
    REQUIRE(two.ch.poll(m).ok());
    CHECK(payload_of(m) == "after");
}

// An SKB server stand-in: answers a query with its length as lines and a digest of its text.
struct FakeSkb {
    bool finished = false;
    Result<skbi::query_reply> query(const skbi::query_request& r) {
        u32 n = 0;
        while (n < sizeof r.text.bytes && r.text.bytes[n]) ++n;
        if (n == 0) return skbi::query_reply{u16(Error::Malformed), 1, 1, 0, 0, r.seed};
        return skbi::query_reply{u16(Error::Ok), 0, 0, n, n, fnv1a64(r.text.bytes, n, r.seed)};
    }
    Status done(const skbi::done_message&) {
        finished = true;
        return {};
    }
    // The interface's other RPCs, unused here.
    Result<skbi::answer_reply> answer(const skbi::answer_request&) { return skbi::answer_reply{u16(Error::Unsupported), 0, 0, {}}; }
    Result<skbi::add_facts_reply> add_facts(const skbi::add_facts_request&) { return skbi::add_facts_reply{u16(Error::Unsupported), 0, 0}; }
    Result<skbi::multicast_reply> multicast(const skbi::multicast_request&) { return skbi::multicast_reply{u16(Error::Unsupported), 0, 0, {}}; }
};

TEST_CASE("the SKB interface's stubs over LMP halves: queries chain digests, done ends the server") {
    CHECK(wire_size_of<skbi::query_request>() > kFramePayload); // a request of several frames
    CHECK(wire_size_of<skbi::query_reply>() <= kFramePayload);   // a reply of one
    FakeCore core;
    Dispatcher client(core, 7, 8), server(core, 8, 7);
    FakeSkb skb;
    PendingCalls calls;
    skbi::query_reply got{};
    auto on_reply = [](void* ctx, const Message& m) {
        *static_cast<skbi::query_reply*>(ctx) = decode_message<skbi::query_reply>(m).value();
    };
    auto round = [&](const char* text, u64 seed) {
        skbi::query_request q{};
        memcpy(q.text.bytes, text, strlen(text));
        q.seed = seed;
        REQUIRE(skbi::client::query(client.ch, calls, q, on_reply, &got).ok());
        Message m;
        REQUIRE(server.ch.poll(m).ok());
        REQUIRE(skbi::serve(server.ch, m, skb).ok());
        REQUIRE(client.ch.poll(m).ok());
        REQUIRE(calls.complete(m).ok());
    };
    round("?- transport(A, B, T).", kFnv1a64Offset);
    u64 first = got.digest;
    round("?- place(D, C).", first);
    CHECK(got.status == u16(Error::Ok));
    std::string both = "?- transport(A, B, T).?- place(D, C).";
    CHECK(got.digest == fnv1a64(reinterpret_cast<const u8*>(both.data()), u32(both.size())));
    round("", kFnv1a64Offset);
    CHECK(got.status == u16(Error::Malformed));
    REQUIRE(skbi::client::done(client.ch, {0}).ok());
    Message m;
    REQUIRE(server.ch.poll(m).ok());
    REQUIRE(skbi::serve(server.ch, m, skb).ok());
    CHECK(skb.finished);
}
