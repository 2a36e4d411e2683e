// The channel interface over loopback and LMP, and split-phase request/reply.
#include "helpers.hpp"

#include <deque>
#include <doctest.h>
#include <map>
#include <mosaic/transports/rpc.hpp>

using namespace test;

TEST_CASE("loopback returns what was sent, in order, fragments included") {
    Ring r(16);
    Channel c;
    REQUIRE(c.bind({.kind = TransportKind::Loopback, .tx_base = r.base(), .tx_slots = 16}).ok());
    CHECK(c.kind() == TransportKind::Loopback);
    std::string big = pattern(300, 9);
    CHECK(c.send(text_message(1, "first")).ok());
    CHECK(c.send(text_message(2, big)).ok());
    Message m;
    REQUIRE(c.poll(m).ok());
    CHECK(payload_of(m) == "first");
    REQUIRE(c.poll(m).ok());
    CHECK(m.type == 2);
    CHECK(payload_of(m) == big);
    CHECK(c.poll(m).error() == Error::WouldBlock);
}

// A fake CPU driver: per-endpoint queues of LMP messages with a fixed depth.
struct FakeKernel {
    static constexpr size_t kDepth = 4;
    std::map<u32, std::deque<LmpMessage>> queues;
    int syscalls = 0;

    static Status send(void* ctx, u32 ep, const LmpMessage* msgs, u32 n) {
        auto* k = static_cast<FakeKernel*>(ctx);
        k->syscalls++;
        auto& q = k->queues[ep];
        if (q.size() + n > kDepth) return Error::WouldBlock;
        q.insert(q.end(), msgs, msgs + n);
        return {};
    }
    static Status receive(void* ctx, u32 ep, LmpMessage* out) {
        auto& q = static_cast<FakeKernel*>(ctx)->queues[ep];
        if (q.empty()) return Error::WouldBlock;
        *out = q.front();
        q.pop_front();
        return {};
    }
    LmpHooks hooks() { return {&send, &receive, this}; }
};

TEST_CASE("LMP carries frames as little-endian words through the CPU driver hook") {
    FakeKernel k;
    Channel a, b;
    REQUIRE(a.bind({.kind = TransportKind::Lmp, .lmp = k.hooks(), .lmp_tx_endpoint = 1, .lmp_rx_endpoint = 2}).ok());
    REQUIRE(b.bind({.kind = TransportKind::Lmp, .lmp = k.hooks(), .lmp_tx_endpoint = 2, .lmp_rx_endpoint = 1}).ok());
    CHECK(a.send(text_message(5, "over lmp")).ok());
    REQUIRE(k.queues[1].size() == 1);
    // Word 0 holds interface, type, length, fragment and flags, little-endian.
    CHECK(k.queues[1][0].words[0] == (u64(7) | u64(5) << 16 | u64(8) << 32 | u64(kFlagFirst | kFlagLast) << 56));
    Message m;
    REQUIRE(b.poll(m).ok());
    CHECK(payload_of(m) == "over lmp");
    std::string big = pattern(120, 4); // Three frames in one system call.
    CHECK(b.send(text_message(6, big)).ok());
    CHECK(b.send(text_message(6, big)).error() == Error::WouldBlock); // 3 + 3 > depth 4.
    REQUIRE(a.poll(m).ok());
    CHECK(payload_of(m) == big);
    CHECK(a.bind({.kind = TransportKind::Lmp}).error() == Error::InvalidArgument);
}

// Records the replies a continuation received.
struct Replies {
    std::vector<std::pair<u32, std::string>> got;
    static void on_reply(void* ctx, const Message& m) {
        static_cast<Replies*>(ctx)->got.push_back({m.rpc_id, payload_of(m)});
    }
};

TEST_CASE("split-phase calls match replies by id, in any order") {
    UrpcPair p(16);
    REQUIRE(p.ok);
    PendingCalls calls;
    Replies replies;
    std::string q1 = "question one", q2 = "question two";
    u32 id1 = calls.call(p.a, 3, 1, reinterpret_cast<const u8*>(q1.data()), u16(q1.size()), Replies::on_reply, &replies).value();
    u32 id2 = calls.call(p.a, 3, 1, reinterpret_cast<const u8*>(q2.data()), u16(q2.size()), Replies::on_reply, &replies).value();
    CHECK(id1 != id2);
    CHECK(calls.outstanding() == 2);
    // The server answers the second request first.
    Message req1, req2, rep;
    REQUIRE(p.b.poll(req1).ok());
    REQUIRE(p.b.poll(req2).ok());
    CHECK(req1.rpc_id == id1);
    std::string a2 = "answer two", a1 = "answer one";
    for (auto [req, ans] : {std::pair{&req2, &a2}, std::pair{&req1, &a1}}) {
        Outgoing o = text_message(2, *ans, 3);
        o.rpc_id = req->rpc_id;
        o.reply = true;
        REQUIRE(p.b.send(o).ok());
    }
    REQUIRE(p.a.poll(rep).ok());
    CHECK(calls.complete(rep).ok());
    REQUIRE(p.a.poll(rep).ok());
    CHECK(calls.complete(rep).ok());
    REQUIRE(replies.got.size() == 2);
    CHECK(replies.got[0] == std::pair{id2, a2});
    CHECK(replies.got[1] == std::pair{id1, a1});
    CHECK(calls.outstanding() == 0);
    CHECK(calls.complete(rep).error() == Error::NotFound); // Already completed.
    CHECK(calls.complete(req1).error() == Error::NotFound); // Not a reply.
}

TEST_CASE("split-phase calls are bounded and a failed send leaves no pending entry") {
    UrpcPair p(32);
    REQUIRE(p.ok);
    PendingCalls calls;
    Replies replies;
    u8 b = 0;
    for (u32 i = 0; i < kMaxPendingCalls; ++i) CHECK(calls.call(p.a, 1, 1, &b, 1, Replies::on_reply, &replies).ok());
    CHECK(calls.call(p.a, 1, 1, &b, 1, Replies::on_reply, &replies).error() == Error::CapacityExceeded);
    PendingCalls other;
    UrpcPair full(2);
    REQUIRE(full.ok);
    CHECK(other.call(full.a, 1, 1, &b, 1, Replies::on_reply, &replies).ok());
    CHECK(other.call(full.a, 1, 1, &b, 1, Replies::on_reply, &replies).ok());
    CHECK(other.call(full.a, 1, 1, &b, 1, Replies::on_reply, &replies).error() == Error::WouldBlock);
    CHECK(other.outstanding() == 2);
    CHECK(other.call(full.a, 1, 1, &b, 1, nullptr, nullptr).error() == Error::InvalidArgument);
}
