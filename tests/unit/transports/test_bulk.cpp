// The bulk buffer pool: ownership moves with the descriptor, a buffer is never held by
// both ends, malformed or stale descriptors are refused and change nothing.
#include "helpers.hpp"

#include <mosaic/transports/bulk.hpp>

#include <doctest.h>
#include <algorithm>
#include <random>

using namespace test;
namespace bulk = mosaic::ifaces::bulk;

namespace {

constexpr u32 kBuffers = 8;
constexpr u32 kBytes = 4096;

// A pool on end a, its peer on end b, over a URPC channel pair; the region is plain memory
// given to both (the host's stand-in for a Frame both ends map).
struct BulkPair {
    explicit BulkPair(u32 slots = 16) : ch(slots), region(bulk_region_bytes(kBuffers, kBytes) / 64) {
        REQUIRE(ch.ok);
        REQUIRE(pool.init(region.data(), kBuffers, kBytes).ok());
        REQUIRE(peer.init(region.data(), kBuffers, kBytes).ok());
    }
    // The next message b received, expected to be there.
    Message to_b() {
        Message m;
        REQUIRE(ch.b.poll(m).ok());
        return m;
    }
    Message to_a() {
        Message m;
        REQUIRE(ch.a.poll(m).ok());
        return m;
    }
    UrpcPair ch;
    std::vector<UrpcSlot> region; // 64-byte aligned
    BulkPool pool;
    BulkPeer peer;
};

// A give message with any field values, as a broken or hostile pool could send it.
Message give_message(u32 buffer, u32 generation, u32 offset, u32 length) {
    Message m{};
    m.interface = bulk::kInterfaceId;
    m.type = bulk::give_message::kType;
    m.length = transports::wire_size_of<bulk::give_message>();
    bulk::encode_fields(bulk::give_message{buffer, generation, offset, length}, m.payload);
    return m;
}

Message return_message(u32 buffer, u32 generation) {
    Message m{};
    m.interface = bulk::kInterfaceId;
    m.type = bulk::return_message::kType;
    m.length = transports::wire_size_of<bulk::return_message>();
    bulk::encode_fields(bulk::return_message{buffer, generation}, m.payload);
    return m;
}

} // namespace

TEST_CASE("bulk: a region is checked") {
    std::vector<UrpcSlot> mem(64);
    BulkPool p;
    CHECK(p.init(nullptr, 1, 64).error() == Error::InvalidArgument);
    CHECK(p.init(mem.data(), 0, 64).error() == Error::InvalidArgument);
    CHECK(p.init(mem.data(), kBulkMaxBuffers + 1, 64).error() == Error::InvalidArgument);
    CHECK(p.init(mem.data(), 1, 96).error() == Error::InvalidArgument);
    CHECK(p.init(mem.data(), 1, 32).error() == Error::InvalidArgument);
    CHECK(p.init(reinterpret_cast<u8*>(mem.data()) + 8, 1, 64).error() == Error::Misaligned);
    CHECK(p.init(mem.data(), 64, 64).ok());
}

TEST_CASE("bulk: a buffer moves with its descriptor and comes back, without a copy") {
    BulkPair t;
    BulkBuffer b = t.pool.alloc().value();
    u8* mine = t.pool.data(b).value();
    for (u32 i = 0; i < kBytes; ++i) mine[i] = u8(i * 7);
    REQUIRE(t.pool.give(t.ch.a, b, 16, 4000).ok());
    // The old owner lost it the moment it sent.
    CHECK(t.pool.data(b).error() == Error::PermissionDenied);
    CHECK(t.pool.free(b).error() == Error::PermissionDenied);
    CHECK(t.pool.give(t.ch.a, b, 0, 1).error() == Error::PermissionDenied);
    CHECK(t.pool.given(b.index));
    BulkBuffer got = t.peer.accept(t.to_b()).value();
    CHECK(got.index == b.index);
    CHECK(got.offset == 16);
    CHECK(got.length == 4000);
    u8* theirs = t.peer.data(got).value();
    CHECK(theirs == mine); // the same bytes: nothing was copied
    CHECK(theirs[got.offset + 5] == u8((16 + 5) * 7));
    REQUIRE(t.peer.give_back(t.ch.b, got).ok());
    CHECK(t.peer.data(got).error() == Error::PermissionDenied);
    CHECK(t.peer.give_back(t.ch.b, got).error() == Error::PermissionDenied);
    CHECK(t.pool.take_back(t.to_a()).ok());
    CHECK(t.pool.free_count() == kBuffers);
    // Reused: a new generation, and the old handle is worthless.
    BulkBuffer again = t.pool.alloc().value();
    CHECK(again.index == b.index);
    CHECK(again.generation == b.generation + 1);
    CHECK(t.pool.data(b).error() == Error::PermissionDenied);
    CHECK(t.pool.data(again).ok());
}

TEST_CASE("bulk: a give beyond the buffer is refused before anything is sent") {
    BulkPair t;
    BulkBuffer b = t.pool.alloc().value();
    CHECK(t.pool.give(t.ch.a, b, 1, kBytes).error() == Error::OutOfRange);
    CHECK(t.pool.give(t.ch.a, b, kBytes + 1, 0).error() == Error::OutOfRange);
    CHECK(t.pool.give(t.ch.a, b, 0xFFFFFFFFu, 2).error() == Error::OutOfRange);
    CHECK(t.pool.holds(b.index));
    Message m;
    CHECK(t.ch.b.poll(m).error() == Error::WouldBlock);
    CHECK(t.pool.give(t.ch.a, b, kBytes, 0).ok()); // an empty range at the end is a range
}

TEST_CASE("bulk: a full channel keeps the buffer with its owner") {
    BulkPair t(2);
    std::vector<BulkBuffer> held;
    for (int i = 0; i < 3; ++i) held.push_back(t.pool.alloc().value());
    CHECK(t.pool.give(t.ch.a, held[0], 0, 1).ok());
    CHECK(t.pool.give(t.ch.a, held[1], 0, 1).ok());
    CHECK(t.pool.give(t.ch.a, held[2], 0, 1).error() == Error::WouldBlock);
    CHECK(t.pool.holds(held[2].index));
    CHECK(t.pool.data(held[2]).ok());
    // And the peer keeps one it could not give back.
    BulkBuffer g0 = t.peer.accept(t.to_b()).value();
    BulkBuffer g1 = t.peer.accept(t.to_b()).value();
    REQUIRE(t.peer.give_back(t.ch.b, g0).ok());
    REQUIRE(t.peer.give_back(t.ch.b, g1).ok());
    CHECK(t.pool.give(t.ch.a, held[2], 0, 1).ok());
    BulkBuffer g2 = t.peer.accept(t.to_b()).value();
    CHECK(t.peer.give_back(t.ch.b, g2).error() == Error::WouldBlock); // a's ring from b is full
    CHECK(t.peer.holds(g2.index));
    CHECK(t.peer.data(g2).ok());
}

TEST_CASE("bulk: a batch moves with one release, in order, two to a message, and comes back in one") {
    BulkPair t;
    BulkBuffer bs[5];
    for (u32 i = 0; i < 5; ++i) {
        bs[i] = t.pool.alloc().value();
        t.pool.data(bs[i]).value()[0] = u8(0xA0 + i);
        bs[i].offset = i * 64;
        bs[i].length = 100 + i;
    }
    CHECK(t.pool.give_batch(t.ch.a, bs, 5).value() == 5);
    for (const BulkBuffer& b : bs) {
        CHECK(t.pool.given(b.index));
        CHECK(t.pool.data(b).error() == Error::PermissionDenied); // gone the moment it was sent
    }
    Message ms[kBulkMaxBatch];
    REQUIRE(t.ch.b.receive_batch(ms, kBulkMaxBatch).value() == 3); // two pairs and one alone
    BulkBuffer got[5];
    u32 n = 0;
    for (u32 i = 0; i < 3; ++i) {
        BulkBuffer two[kBulkGivesPerMessage];
        u32 k = t.peer.accept_all(ms[i], two).value();
        CHECK(k == (i < 2 ? 2u : 1u));
        for (u32 j = 0; j < k; ++j) got[n++] = two[j];
    }
    REQUIRE(n == 5);
    for (u32 i = 0; i < 5; ++i) {
        CHECK(got[i].index == bs[i].index); // in the order given
        CHECK(got[i].offset == i * 64);
        CHECK(got[i].length == 100 + i);
        CHECK(t.peer.data(got[i]).value()[0] == u8(0xA0 + i));
    }
    CHECK(t.peer.give_back_batch(t.ch.b, got, 5).value() == 5);
    for (const BulkBuffer& b : got) CHECK_FALSE(t.peer.holds(b.index));
    REQUIRE(t.ch.a.receive_batch(ms, kBulkMaxBatch).value() == 2); // four in one set, then one
    CHECK(t.pool.take_back(ms[0]).ok());
    CHECK(t.pool.free_count() == kBuffers - 1);
    CHECK(t.pool.take_back(ms[1]).ok());
    CHECK(t.pool.free_count() == kBuffers);
}

TEST_CASE("bulk: a batch is checked whole before anything is sent") {
    BulkPair t;
    BulkBuffer bs[3] = {t.pool.alloc().value(), t.pool.alloc().value(), t.pool.alloc().value()};
    for (BulkBuffer& b : bs) b.length = kBytes;
    auto nothing_sent = [&] {
        Message m;
        for (const BulkBuffer& b : bs) CHECK(t.pool.holds(b.index));
        return t.ch.b.poll(m).error() == Error::WouldBlock;
    };
    CHECK(t.pool.give_batch(t.ch.a, bs, 0).error() == Error::InvalidArgument);
    BulkBuffer many[kBulkMaxBatch + 1] = {};
    CHECK(t.pool.give_batch(t.ch.a, many, kBulkMaxBatch + 1).error() == Error::InvalidArgument);
    CHECK(nothing_sent());
    BulkBuffer stale = bs[2];
    stale.generation += 1; // not the generation held here
    BulkBuffer with_stale[3] = {bs[0], bs[1], stale};
    CHECK(t.pool.give_batch(t.ch.a, with_stale, 3).error() == Error::PermissionDenied);
    CHECK(nothing_sent());
    BulkBuffer twice[3] = {bs[0], bs[1], bs[0]};
    CHECK(t.pool.give_batch(t.ch.a, twice, 3).error() == Error::PermissionDenied);
    CHECK(nothing_sent());
    BulkBuffer beyond[3] = {bs[0], bs[1], bs[2]};
    beyond[2].offset = 1; // 1 + kBytes is past the buffer's end
    CHECK(t.pool.give_batch(t.ch.a, beyond, 3).error() == Error::OutOfRange);
    CHECK(nothing_sent());
    // The peer's side: a buffer it does not hold, or one named twice, sends nothing back.
    REQUIRE(t.pool.give_batch(t.ch.a, bs, 2).value() == 2);
    BulkBuffer got[kBulkGivesPerMessage];
    REQUIRE(t.peer.accept_all(t.to_b(), got).value() == 2);
    BulkBuffer back_twice[2] = {got[0], got[0]};
    CHECK(t.peer.give_back_batch(t.ch.b, back_twice, 2).error() == Error::PermissionDenied);
    BulkBuffer not_held[2] = {got[0], bs[2]};
    CHECK(t.peer.give_back_batch(t.ch.b, not_held, 2).error() == Error::PermissionDenied);
    CHECK(t.peer.give_back_batch(t.ch.b, got, 0).error() == Error::InvalidArgument);
    Message m;
    CHECK(t.ch.a.poll(m).error() == Error::WouldBlock);
    CHECK((t.peer.holds(got[0].index) && t.peer.holds(got[1].index)));
}

TEST_CASE("bulk: a batch the ring cannot hold goes in whole messages; the rest stays held") {
    BulkPair t(2); // two slots each way
    BulkBuffer bs[7];
    for (BulkBuffer& b : bs) b = t.pool.alloc().value();
    CHECK(t.pool.give_batch(t.ch.a, bs, 7).value() == 4); // two pairs fit
    for (u32 i = 0; i < 7; ++i) CHECK((i < 4 ? t.pool.given(bs[i].index) : t.pool.holds(bs[i].index)));
    CHECK(t.pool.give_batch(t.ch.a, bs + 4, 3).error() == Error::WouldBlock);
    for (u32 i = 4; i < 7; ++i) CHECK(t.pool.holds(bs[i].index));
    BulkBuffer got[8], two[kBulkGivesPerMessage];
    u32 n = 0;
    for (int i = 0; i < 2; ++i)
        for (u32 k = t.peer.accept_all(t.to_b(), two).value(), j = 0; j < k; ++j) got[n++] = two[j];
    REQUIRE(n == 4);
    CHECK(t.pool.give_batch(t.ch.a, bs + 4, 3).value() == 3);
    for (int i = 0; i < 2; ++i)
        for (u32 k = t.peer.accept_all(t.to_b(), two).value(), j = 0; j < k; ++j) got[n++] = two[j];
    REQUIRE(n == 7);
    // Returns go four to a message: the first four and the next three fill the two slots,
    // so a later return waits with its buffer still held by the peer.
    CHECK(t.peer.give_back_batch(t.ch.b, got, 4).value() == 4);
    CHECK(t.peer.give_back_batch(t.ch.b, got + 4, 2).value() == 2);
    CHECK(t.peer.give_back_batch(t.ch.b, got + 6, 1).error() == Error::WouldBlock);
    CHECK(t.peer.holds(got[6].index));
    CHECK(t.pool.take_back(t.to_a()).ok());
    CHECK(t.pool.take_back(t.to_a()).ok());
    CHECK(t.pool.free_count() == kBuffers - 1);
    CHECK(t.peer.give_back_batch(t.ch.b, got + 6, 1).value() == 1);
}

// Packed descriptors as a broken or hostile end could send them.
Message give_pair(u32 b0, u32 g0, u32 o0, u32 l0, u32 b1, u32 g1, u32 o1, u32 l1) {
    Message m{};
    m.interface = bulk::kInterfaceId;
    m.type = bulk::give_pair_message::kType;
    m.length = transports::wire_size_of<bulk::give_pair_message>();
    bulk::encode_fields(bulk::give_pair_message{b0, g0, o0, l0, b1, g1, o1, l1}, m.payload);
    return m;
}

Message return_set(u32 count, std::initializer_list<u32> pairs) {
    u32 f[8] = {};
    u32 i = 0;
    for (u32 v : pairs) f[i++] = v;
    Message m{};
    m.interface = bulk::kInterfaceId;
    m.type = bulk::return_set_message::kType;
    m.length = transports::wire_size_of<bulk::return_set_message>();
    bulk::encode_fields(bulk::return_set_message{count, f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]}, m.payload);
    return m;
}

TEST_CASE("bulk: a packed descriptor with one bad entry is refused whole") {
    BulkPair t;
    BulkBuffer out[kBulkGivesPerMessage];
    // Gives: a buffer twice, one half beyond its buffer, one half an old generation, one
    // half out of the pool; each refused, and the good half is not held either.
    CHECK(t.peer.accept_all(give_pair(1, 1, 0, 8, 1, 2, 0, 8), out).error() == Error::Malformed);
    CHECK(t.peer.accept_all(give_pair(1, 1, 0, 8, 2, 1, 8, kBytes), out).error() == Error::Malformed);
    CHECK(t.peer.accept_all(give_pair(1, 1, 0, 8, kBuffers, 1, 0, 8), out).error() == Error::Malformed);
    CHECK(t.peer.accept_all(give_pair(1, 1, 0, 8, 2, 0, 0, 8), out).error() == Error::Malformed);
    for (u32 i = 0; i < kBuffers; ++i) CHECK_FALSE(t.peer.holds(i));
    CHECK(t.peer.accept_all(give_pair(1, 1, 0, 8, 2, 1, 8, 8), out).value() == 2); // the same, well-formed
    CHECK((t.peer.holds(1) && t.peer.holds(2)));
    CHECK(t.peer.accept_all(give_pair(3, 1, 0, 8, 2, 2, 0, 8), out).error() == Error::Malformed); // 2 is held
    CHECK_FALSE(t.peer.holds(3));
    // Returns: the pool gave 0..3 (generation 1).
    BulkBuffer bs[4];
    for (BulkBuffer& b : bs) b = t.pool.alloc().value();
    REQUIRE(t.pool.give_batch(t.ch.a, bs, 4).value() == 4);
    for (const Message& bad : {return_set(0, {}), return_set(5, {0, 1}), return_set(2, {0, 1, 0, 1}),
                               return_set(2, {0, 1, 1, 2}), return_set(2, {0, 1, kBuffers, 1}),
                               return_set(2, {0, 1, 1, 1, 2, 0}),  // an entry past count not zero
                               return_set(1, {5, 1})}) {             // never given
        CHECK(t.pool.take_back(bad).error() == Error::Malformed);
        for (const BulkBuffer& b : bs) CHECK(t.pool.given(b.index)); // none freed
    }
    Message reply = return_set(1, {0, 1});
    reply.reply = true;
    CHECK(t.pool.take_back(reply).error() == Error::Malformed);
    CHECK(t.pool.take_back(return_set(3, {0, 1, 2, 1, 3, 1})).ok());
    CHECK(t.pool.free_count() == kBuffers - 1); // 1 is still away
    CHECK(t.pool.given(bs[1].index));
}

TEST_CASE("bulk: malformed and stale descriptors are refused and change nothing") {
    BulkPair t;
    BulkBuffer b = t.pool.alloc().value();
    REQUIRE(t.pool.give(t.ch.a, b, 0, 100).ok());
    Message good = t.to_b();

    // On the peer: every wrong field is refused.
    CHECK(t.peer.accept(give_message(kBuffers, b.generation, 0, 1)).error() == Error::Malformed);   // index
    CHECK(t.peer.accept(give_message(0xFFFFFFFFu, b.generation, 0, 1)).error() == Error::Malformed);
    CHECK(t.peer.accept(give_message(b.index, b.generation, 0, kBytes + 1)).error() == Error::Malformed); // length
    CHECK(t.peer.accept(give_message(b.index, b.generation, kBytes, 1)).error() == Error::Malformed);     // offset
    CHECK(t.peer.accept(give_message(b.index, b.generation, 0xFFFFFFF0u, 0x20)).error() == Error::Malformed); // wraps
    CHECK(t.peer.accept(give_message(b.index, 0, 0, 1)).error() == Error::Malformed); // not newer
    Message wrong_type = good;
    wrong_type.type = bulk::return_message::kType;
    CHECK(t.peer.accept(wrong_type).error() == Error::Malformed);
    Message wrong_iface = good;
    wrong_iface.interface = bulk::kInterfaceId + 1;
    CHECK(t.peer.accept(wrong_iface).error() == Error::Malformed);
    Message short_msg = good;
    short_msg.length -= 1;
    CHECK(t.peer.accept(short_msg).error() == Error::Malformed);
    Message as_reply = good;
    as_reply.reply = true;
    CHECK(t.peer.accept(as_reply).error() == Error::Malformed);
    for (u32 i = 0; i < kBuffers; ++i) CHECK_FALSE(t.peer.holds(i)); // nothing was taken

    // The real one is accepted once; the same descriptor again (a replay) is refused.
    BulkBuffer got = t.peer.accept(good).value();
    CHECK(t.peer.accept(good).error() == Error::Malformed);
    REQUIRE(t.peer.give_back(t.ch.b, got).ok());
    CHECK(t.peer.accept(good).error() == Error::Malformed); // still stale after it went back

    // On the pool: a return of a buffer it did not give, or of another generation.
    Message back = t.to_a();
    CHECK(t.pool.take_back(return_message(b.index, b.generation + 1)).error() == Error::Malformed);
    CHECK(t.pool.take_back(return_message(kBuffers, b.generation)).error() == Error::Malformed);
    BulkBuffer other = t.pool.alloc().value(); // held here, never given
    CHECK(t.pool.take_back(return_message(other.index, other.generation)).error() == Error::Malformed);
    CHECK(t.pool.holds(other.index));
    CHECK(t.pool.given(b.index));
    CHECK(t.pool.take_back(back).ok());
    CHECK(t.pool.take_back(back).error() == Error::Malformed); // twice is once too many
    CHECK(t.pool.free_count() == kBuffers - 1);
}

TEST_CASE("bulk: generations compare in serial-number order, across the 32-bit wrap") {
    BulkPair t;
    auto round = [&](u32 gen) {
        auto b = t.peer.accept(give_message(3, gen, 0, 1));
        if (!b.ok()) return false;
        REQUIRE(t.peer.give_back(t.ch.b, *b).ok());
        Message m;
        REQUIRE(t.ch.a.poll(m).ok()); // drained, not taken back: the pool never gave these
        return true;
    };
    CHECK_FALSE(round(0xFFFFFFFFu)); // "older" than 0
    CHECK(round(0x7FFFFFFFu));
    CHECK(round(0xFFFFFFF0u));
    CHECK(round(2));                 // newer across the wrap
    CHECK_FALSE(round(0xFFFFFFF5u)); // older again
    CHECK_FALSE(round(2));           // the same
    CHECK(round(3));
}

// Random allocs, gives, accepts, returns and junk in one thread, with the invariant checked
// after every step: no buffer is ever held by both ends, every buffer is somewhere.
TEST_CASE("bulk: a randomized run never lets both ends hold a buffer") {
    BulkPair t(8);
    std::mt19937 rng(16);
    std::vector<BulkBuffer> pool_held, peer_held;
    u64 moved = 0, refused = 0;
    for (int step = 0; step < 200'000; ++step) {
        switch (rng() % 10) {
        case 0: { // take a free buffer
            auto b = t.pool.alloc();
            if (b.ok()) pool_held.push_back(*b);
            break;
        }
        case 1: // give one away
            if (!pool_held.empty()) {
                size_t k = rng() % pool_held.size();
                u32 off = rng() % (kBytes + 1), len = rng() % (kBytes - off + 1);
                if (t.pool.give(t.ch.a, pool_held[k], off, len).ok()) {
                    CHECK(t.pool.data(pool_held[k]).error() == Error::PermissionDenied);
                    pool_held.erase(pool_held.begin() + long(k));
                }
            }
            break;
        case 2: { // the peer takes what arrived (one buffer or a pair)
            Message m;
            if (t.ch.b.poll(m).ok()) {
                BulkBuffer got[kBulkGivesPerMessage];
                u32 n = t.peer.accept_all(m, got).value();
                for (u32 i = 0; i < n; ++i) {
                    CHECK(got[i].offset + u64(got[i].length) <= kBytes);
                    peer_held.push_back(got[i]);
                    ++moved;
                }
            }
            break;
        }
        case 3: // and gives one back
            if (!peer_held.empty()) {
                size_t k = rng() % peer_held.size();
                if (t.peer.give_back(t.ch.b, peer_held[k]).ok()) peer_held.erase(peer_held.begin() + long(k));
            }
            break;
        case 4: { // the pool takes back what arrived
            Message m;
            if (t.ch.a.poll(m).ok()) CHECK(t.pool.take_back(m).ok());
            break;
        }
        case 5: // the pool frees one it never gave
            if (!pool_held.empty() && rng() % 4 == 0) {
                CHECK(t.pool.free(pool_held.back()).ok());
                pool_held.pop_back();
            }
            break;
        case 6: { // give several at once (a batch of the held, in a random order)
            if (pool_held.empty()) break;
            std::shuffle(pool_held.begin(), pool_held.end(), rng);
            u32 n = 1 + rng() % u32(std::min<size_t>(pool_held.size(), kBulkMaxBatch));
            for (u32 i = 0; i < n; ++i) {
                pool_held[i].offset = rng() % (kBytes + 1);
                pool_held[i].length = rng() % (kBytes - pool_held[i].offset + 1);
            }
            auto k = t.pool.give_batch(t.ch.a, pool_held.data(), n);
            if (k.ok()) {
                REQUIRE(*k <= n);
                for (u32 i = 0; i < *k; ++i) CHECK(t.pool.given(pool_held[i].index));
                for (u32 i = *k; i < n; ++i) CHECK(t.pool.holds(pool_held[i].index));
                pool_held.erase(pool_held.begin(), pool_held.begin() + long(*k));
            } else {
                CHECK(k.error() == Error::WouldBlock);
            }
            break;
        }
        case 7: { // the peer gives several back at once
            if (peer_held.empty()) break;
            u32 n = 1 + rng() % u32(std::min<size_t>(peer_held.size(), kBulkMaxBatch));
            auto k = t.peer.give_back_batch(t.ch.b, peer_held.data(), n);
            if (k.ok()) peer_held.erase(peer_held.begin(), peer_held.begin() + long(*k));
            else CHECK(k.error() == Error::WouldBlock);
            break;
        }
        default: { // junk at both ends: random fields, mostly refused, never harmful
            u32 idx = rng() % (kBuffers + 2), gen = rng() % 4 == 0 ? rng() : rng() % 8;
            Message g = give_message(idx, gen, rng() % (2 * kBytes), rng() % (2 * kBytes));
            Message r = return_message(idx, gen);
            // Only the decode is tried: a junk descriptor that happens to be valid would
            // be a real transfer, which is the pool's word, not this test's.
            if (!t.peer.decode_give(g).ok()) ++refused;
            if (!t.pool.decode_return(r).ok()) ++refused;
            break;
        }
        }
        for (u32 i = 0; i < kBuffers; ++i) {
            bool a = t.pool.holds(i), b = t.peer.holds(i);
            REQUIRE_FALSE((a && b));
            if (b) REQUIRE(t.pool.given(i)); // what the peer holds, the pool has given
        }
    }
    CHECK(moved > 1000);
    CHECK(refused > 1000);
    MESSAGE(moved << " buffers moved, " << refused << " junk descriptors refused");
}

// A fuzz-style run of the descriptor decoders: random bytes as messages of the bulk
// interface; whatever is accepted is inside the pool and its buffer.
TEST_CASE("bulk: random descriptors never decode to a range outside the pool") {
    BulkPair t;
    std::mt19937 rng(7);
    BulkBuffer given = t.pool.alloc().value();
    REQUIRE(t.pool.give(t.ch.a, given, 0, 1).ok());
    u64 accepted = 0;
    for (int n = 0; n < 300'000; ++n) {
        Message m{};
        m.interface = rng() % 4 == 0 ? u16(rng()) : bulk::kInterfaceId;
        m.type = u16(rng() % 6);
        const u16 sizes[] = {8, 16, 8, 32, 36, 8};
        m.length = rng() % 4 == 0 ? u16(rng() % kMaxPayload) : sizes[m.type];
        m.reply = rng() % 16 == 0;
        // Fields near the edges most of the time, then a few random bytes flipped.
        auto field = [&]() -> u32 {
            switch (rng() % 4) {
            case 0: return rng() % (kBuffers + 2);
            case 1: return kBytes - rng() % 3 + rng() % 3;
            case 2: return 0xFFFFFFFFu - rng() % 4;
            default: return u32(rng());
            }
        };
        if (m.type == bulk::give_pair_message::kType)
            bulk::encode_fields(bulk::give_pair_message{field(), field(), field(), field(), field(), field(), field(), field()},
                                m.payload);
        else if (m.type == bulk::return_set_message::kType)
            bulk::encode_fields(bulk::return_set_message{u32(rng() % 6), field(), field(), field(), field(), field(), field(),
                                                         rng() % 2 ? 0 : field(), rng() % 2 ? 0 : field()},
                                m.payload);
        else
            bulk::encode_fields(bulk::give_message{field(), field(), field(), field()}, m.payload);
        for (u32 flips = rng() % 3; flips-- > 0;) m.payload[rng() % 36] ^= u8(1u << (rng() % 8));
        auto g = t.peer.decode_give(m);
        if (g.ok()) {
            ++accepted;
            CHECK(g->index < kBuffers);
            CHECK(u64(g->offset) + g->length <= kBytes);
        }
        BulkBuffer gs[kBulkGivesPerMessage];
        if (auto n = t.peer.decode_gives(m, gs); n.ok()) {
            ++accepted;
            REQUIRE((*n == 1 || *n == 2));
            for (u32 i = 0; i < *n; ++i) {
                CHECK(gs[i].index < kBuffers);
                CHECK(u64(gs[i].offset) + gs[i].length <= kBytes);
            }
            if (*n == 2) CHECK(gs[0].index != gs[1].index);
        }
        auto r = t.pool.decode_return(m);
        if (r.ok()) CHECK(*r == given.index);
        u32 idx[kBulkReturnsPerMessage];
        if (auto n = t.pool.decode_returns(m, idx); n.ok()) {
            CHECK(*n == 1); // only one buffer is away
            CHECK(idx[0] == given.index);
        }
    }
    CHECK(accepted > 0);
    MESSAGE(accepted << " of 300000 random descriptors were well-formed gives");
}
