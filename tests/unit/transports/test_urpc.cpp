// URPC channels: flow control, wraparound, batching, rejection of bad frames, hooks.
#include "helpers.hpp"

#include <doctest.h>

using namespace test;

TEST_CASE("bind refuses a bad ring") {
    Ring r(8), r2(8);
    Channel c;
    Binding b{.kind = TransportKind::Urpc, .tx_base = r.base(), .tx_slots = 8, .rx_base = r2.base(), .rx_slots = 8};
    CHECK(c.bind(b).ok());
    Binding odd = b;
    odd.tx_slots = 6;
    CHECK(c.bind(odd).error() == Error::InvalidArgument);
    Binding null = b;
    null.rx_base = nullptr;
    CHECK(c.bind(null).error() == Error::InvalidArgument);
    Binding mis = b;
    mis.tx_base = static_cast<u8*>(r.base()) + 8;
    CHECK(c.bind(mis).error() == Error::Misaligned);
    Binding same = b;
    same.rx_base = b.tx_base;
    CHECK(c.bind(same).error() == Error::InvalidArgument);
    CHECK(c.bind(Binding{}).error() == Error::InvalidArgument);
    Message m;
    CHECK(Channel().poll(m).error() == Error::InvalidArgument);
}

TEST_CASE("a full ring says WouldBlock and never overwrites") {
    UrpcPair p(4);
    REQUIRE(p.ok);
    for (int i = 0; i < 4; ++i) CHECK(p.a.send(text_message(1, "m" + std::to_string(i))).ok());
    CHECK(p.a.send(text_message(1, "overflow")).error() == Error::WouldBlock);
    Message m;
    REQUIRE(p.b.poll(m).ok());
    CHECK(payload_of(m) == "m0");
    CHECK(p.a.send(text_message(1, "m4")).ok());
    for (int i = 1; i <= 4; ++i) {
        REQUIRE(p.b.poll(m).ok());
        CHECK(payload_of(m) == "m" + std::to_string(i));
    }
    CHECK(p.b.poll(m).error() == Error::WouldBlock);
}

TEST_CASE("a fragmented message is sent all or nothing") {
    UrpcPair p(4);
    REQUIRE(p.ok);
    CHECK(p.a.send(text_message(1, "x")).ok());
    std::string big = pattern(150, 1); // Four frames, three free.
    CHECK(p.a.send(text_message(2, big)).error() == Error::WouldBlock);
    Message m;
    REQUIRE(p.b.poll(m).ok());
    CHECK(p.b.poll(m).error() == Error::WouldBlock); // Nothing partial was written.
    CHECK(p.a.send(text_message(2, big)).ok());
    REQUIRE(p.b.poll(m).ok());
    CHECK(payload_of(m) == big);
    CHECK(p.a.send(text_message(2, pattern(200, 2))).error() == Error::CapacityExceeded);
}

TEST_CASE("the ring wraps around many times with mixed sizes, with and without prefetch") {
    for (bool prefetch : {false, true}) {
        UrpcPair p(8, prefetch);
        REQUIRE(p.ok);
        Message m;
        for (u32 i = 0; i < 1000; ++i) {
            std::string s = pattern(i % 130, i);
            REQUIRE(p.a.send(text_message(u16(i % 255 + 1), s)).ok());
            REQUIRE(p.b.poll(m).ok());
            CHECK(m.seq == i);
            CHECK(m.type == i % 255 + 1);
            CHECK(payload_of(m) == s);
        }
    }
}

TEST_CASE("both directions of a channel pair work independently") {
    UrpcPair p(8);
    REQUIRE(p.ok);
    Message m;
    CHECK(p.a.send(text_message(1, "to b")).ok());
    CHECK(p.b.send(text_message(1, "to a")).ok());
    REQUIRE(p.a.poll(m).ok());
    CHECK(payload_of(m) == "to a");
    REQUIRE(p.b.poll(m).ok());
    CHECK(payload_of(m) == "to b");
}

TEST_CASE("batches are sent until the ring is full and received in one go") {
    UrpcPair p(8);
    REQUIRE(p.ok);
    std::vector<std::string> texts;
    std::vector<Outgoing> out;
    for (int i = 0; i < 10; ++i) texts.push_back("batch" + std::to_string(i));
    for (auto& t : texts) out.push_back(text_message(1, t));
    CHECK(p.a.send_batch(out.data(), 10).value() == 8);
    CHECK(p.a.send_batch(out.data() + 8, 2).error() == Error::WouldBlock);
    std::vector<Message> in(16);
    CHECK(p.b.receive_batch(in.data(), 16).value() == 8);
    for (int i = 0; i < 8; ++i) CHECK(payload_of(in[i]) == texts[i]);
    CHECK(p.b.receive_batch(in.data(), 16).error() == Error::WouldBlock);
    CHECK(p.a.send_batch(out.data() + 8, 2).value() == 2);
    CHECK(p.b.receive_batch(in.data(), 1).value() == 1);
    CHECK(payload_of(in[0]) == texts[8]);
    CHECK(p.b.receive_batch(in.data(), 4).value() == 1);
    CHECK(payload_of(in[0]) == texts[9]);
}

// A hostile or broken peer writing raw frames straight into a channel's receive ring.
struct RawPeer {
    RawPeer() : ring(8), dummy(8) {
        REQUIRE(writer.init(ring.base(), 8, false).ok());
        Binding b{.kind = TransportKind::Urpc, .tx_base = dummy.base(), .tx_slots = 8,
                  .rx_base = ring.base(), .rx_slots = 8};
        REQUIRE(channel.bind(b).ok());
    }
    void send(const std::string& s, u32 seq, void (*corrupt)(Frame&) = nullptr) {
        Frame f[kMaxFragments];
        u32 n = encode_message(text_message(2, s), seq, f, kMaxFragments).value();
        if (corrupt) corrupt(f[0]);
        REQUIRE(writer.send_frames(f, n).ok());
    }
    Ring ring, dummy;
    UrpcWriter writer;
    Channel channel;
};

TEST_CASE("a malformed message is rejected with an error and the channel keeps working") {
    RawPeer peer;
    Message m;
    peer.send("good0", 0);
    peer.send("bad", 1, [](Frame& f) { f.bytes[field::kFlags] |= 0x40; });
    peer.send("good2", 2);
    peer.send(pattern(90, 1), 3, [](Frame& f) { store_le16(f.bytes + field::kLength, 500); });
    peer.send("good4", 4);
    REQUIRE(peer.channel.poll(m).ok());
    CHECK(payload_of(m) == "good0");
    CHECK(peer.channel.poll(m).error() == Error::Malformed);
    REQUIRE(peer.channel.poll(m).ok());
    CHECK(payload_of(m) == "good2");
    // The bad first fragment and its two orphaned continuations are each rejected.
    CHECK(peer.channel.poll(m).error() == Error::Malformed);
    CHECK(peer.channel.poll(m).error() == Error::Malformed);
    CHECK(peer.channel.poll(m).error() == Error::Malformed);
    REQUIRE(peer.channel.poll(m).ok());
    CHECK(payload_of(m) == "good4");
    CHECK(peer.channel.rejected() == 4);
    CHECK(peer.channel.poll(m).error() == Error::WouldBlock);
}

TEST_CASE("receive_batch takes as many whole messages as asked, however many frames they take") {
    UrpcPair p(32);
    REQUIRE(p.ok);
    const std::string texts[3] = {pattern(100, 1), pattern(120, 2), pattern(90, 3)}; // three frames each
    for (const std::string& t : texts) REQUIRE(p.a.send(text_message(4, t)).ok());
    std::vector<Message> in(3);
    REQUIRE(p.b.receive_batch(in.data(), 2).value() == 2); // six frames for two messages
    CHECK(payload_of(in[0]) == texts[0]);
    CHECK(payload_of(in[1]) == texts[1]);
    REQUIRE(p.b.receive_batch(in.data(), 3).value() == 1);
    CHECK(payload_of(in[0]) == texts[2]);
    CHECK(p.b.receive_batch(in.data(), 3).error() == Error::WouldBlock);
    // A batch of 2 where the first message takes three frames and the second one: the rest
    // is taken frame by frame, and stops at the second message (the third stays).
    const std::string more[3] = {pattern(100, 4), "one frame", "stays"};
    for (const std::string& t : more) REQUIRE(p.a.send(text_message(4, t)).ok());
    REQUIRE(p.b.receive_batch(in.data(), 2).value() == 2);
    CHECK(payload_of(in[0]) == more[0]);
    CHECK(payload_of(in[1]) == more[1]);
    // Asking for none takes none, however many wait; the next batch still gets them.
    CHECK(p.b.receive_batch(in.data(), 0).error() == Error::WouldBlock);
    REQUIRE(p.b.receive_batch(in.data(), 3).value() == 1);
    CHECK(payload_of(in[0]) == more[2]);
}

TEST_CASE("receive_batch skips rejected frames and counts them") {
    RawPeer peer;
    peer.send("a", 0);
    peer.send("b", 1, [](Frame& f) { store_le16(f.bytes + field::kType, 0); });
    peer.send("c", 2);
    std::vector<Message> in(4);
    CHECK(peer.channel.receive_batch(in.data(), 4).value() == 2);
    CHECK(payload_of(in[0]) == "a");
    CHECK(payload_of(in[1]) == "c");
    CHECK(peer.channel.rejected() == 1);
}

TEST_CASE("the doorbell rings only while the reader sleeps, once per sleep; wait sleeps on the hook") {
    struct Bell {
        int rings = 0, waits = 0;
        Channel* writer = nullptr;
    } bell;
    Ring ab(8), ba(8);
    // a writes to b. b's wait hook stands for sleeping: while b "sleeps", a sends.
    Hooks a_hooks{.notify = [](void* c) { static_cast<Bell*>(c)->rings++; }, .ctx = &bell};
    Hooks b_hooks{.wait = [](void* c) {
                      auto* b = static_cast<Bell*>(c);
                      b->waits++;
                      (void)b->writer->send(text_message(1, "wake"));
                      std::string t[2] = {"1", "2"};
                      Outgoing batch[2] = {text_message(1, t[0]), text_message(1, t[1])};
                      (void)b->writer->send_batch(batch, 2);
                  },
                  .ctx = &bell};
    Channel a, b;
    REQUIRE(a.bind({.kind = TransportKind::Urpc, .tx_base = ab.base(), .tx_slots = 8,
                    .rx_base = ba.base(), .rx_slots = 8, .hooks = a_hooks}).ok());
    REQUIRE(b.bind({.kind = TransportKind::Urpc, .tx_base = ba.base(), .tx_slots = 8,
                    .rx_base = ab.base(), .rx_slots = 8, .hooks = b_hooks}).ok());
    bell.writer = &a;
    CHECK(a.send(text_message(1, "x")).ok());
    CHECK(bell.rings == 0); // b is awake: no doorbell
    Message m;
    REQUIRE(b.wait(m, 10).ok()); // the message is there: no sleep
    CHECK(payload_of(m) == "x");
    CHECK(bell.waits == 0);
    REQUIRE(b.wait(m, 10).ok()); // nothing there: spins, says it sleeps, and a's sends ring
    CHECK(payload_of(m) == "wake");
    CHECK(bell.waits == 1);
    CHECK(bell.rings == 1); // the send rang; the batch after it found the sleep rung for
    CHECK(b.poll(m).ok());
    CHECK(b.poll(m).ok());
    CHECK(payload_of(m) == "2");
    CHECK(a.send(text_message(1, "y")).ok());
    CHECK(bell.rings == 1); // b woke up and said so: no doorbell
    CHECK(b.wait(m, 1).ok());
    Ring lo(8);
    Channel c;
    REQUIRE(c.bind({.kind = TransportKind::Loopback, .tx_base = lo.base(), .tx_slots = 8}).ok());
    CHECK(c.wait(m, 5).error() == Error::WouldBlock); // No wait hook: gives up.
}

TEST_CASE("batched sends keep their order across mixed sizes, random batch sizes and wraparound") {
    for (bool prefetch : {false, true}) {
        UrpcPair p(16, prefetch);
        REQUIRE(p.ok);
        u32 rng = 12345, sent = 0, received = 0;
        auto next = [&rng] { return rng = rng * 1103515245u + 12345u, rng >> 8; };
        std::vector<std::string> texts;
        for (u32 i = 0; i < 3000; ++i) texts.push_back(pattern(i % 7 == 0 ? 41 + i % 100 : i % 41, i));
        std::vector<Outgoing> out;
        for (u32 i = 0; i < texts.size(); ++i) out.push_back(text_message(u16(i % 255 + 1), texts[i]));
        std::vector<Message> in(16);
        while (received < texts.size()) {
            u32 want = min<u32>(1 + next() % 12, u32(texts.size()) - sent);
            if (want) {
                Result<u32> n = p.a.send_batch(out.data() + sent, want);
                if (n.ok()) sent += *n;
                else CHECK(n.error() == Error::WouldBlock);
            }
            Result<u32> got = p.b.receive_batch(in.data(), 1 + next() % 16);
            if (!got.ok()) continue;
            for (u32 k = 0; k < *got; ++k, ++received) {
                CHECK(in[k].seq == received);
                CHECK(in[k].type == received % 255 + 1);
                CHECK(payload_of(in[k]) == texts[received]);
            }
        }
        CHECK(sent == texts.size());
        CHECK(p.b.rejected() == 0);
    }
}

TEST_CASE("a batch stops at a message that cannot go, and says why when none went") {
    UrpcPair p(8);
    REQUIRE(p.ok);
    std::string ok1 = "one", big = pattern(kMaxPayload + 1, 3), huge = pattern(kMaxPayload, 4);
    Outgoing bad_type = text_message(1, ok1);
    bad_type.type = 0;
    Outgoing msgs[3] = {text_message(1, ok1), text_message(1, big), text_message(1, ok1)};
    CHECK(p.a.send_batch(msgs, 3).value() == 1); // stops before the oversized one
    CHECK(p.a.send_batch(msgs + 1, 2).error() == Error::OutOfRange);
    CHECK(p.a.send_batch(&bad_type, 1).error() == Error::InvalidArgument);
    Outgoing twelve = text_message(1, huge); // 12 frames: never fits 8 slots
    CHECK(p.a.send_batch(&twelve, 1).error() == Error::CapacityExceeded);
    CHECK(p.a.send_batch(msgs, 0).value() == 0);
    Message m;
    REQUIRE(p.b.poll(m).ok());
    CHECK(payload_of(m) == ok1);
    CHECK(m.seq == 0);
    CHECK(p.b.poll(m).error() == Error::WouldBlock); // nothing of the refused ones
    CHECK(p.a.send(text_message(1, "next")).ok());
    REQUIRE(p.b.poll(m).ok());
    CHECK(m.seq == 1); // no sequence number was used up by a refused message
}

// send's one-frame path checks the message before it looks at the ring: an invalid one is
// refused with check_outgoing's error whether or not the ring has room, and uses up no
// sequence number.
TEST_CASE("send refuses an invalid short message with its error, full ring or not") {
    UrpcPair p(4);
    REQUIRE(p.ok);
    std::string text = "short", big = pattern(kMaxPayload + 1, 1);
    Outgoing type0 = text_message(1, text), type256 = text_message(1, text), too_long = text_message(1, big);
    type0.type = 0;
    type256.type = 256;
    for (int full = 0; full < 2; ++full) {
        CHECK(p.a.send(type0).error() == Error::InvalidArgument);
        CHECK(p.a.send(type256).error() == Error::InvalidArgument);
        CHECK(p.a.send(too_long).error() == Error::OutOfRange);
        if (!full)
            while (p.a.send(text_message(1, text)).ok()) {} // fill the ring: 4 messages
    }
    CHECK(p.a.send(text_message(1, text)).error() == Error::WouldBlock);
    Message m;
    for (u32 i = 0; i < 4; ++i) {
        REQUIRE(p.b.poll(m).ok());
        CHECK(m.seq == i); // no number went to a refused message
        CHECK(payload_of(m) == text);
    }
    CHECK(p.b.poll(m).error() == Error::WouldBlock);
    CHECK(p.b.rejected() == 0);
}

TEST_CASE("a run of one-frame messages ends at an invalid or longer one; nothing invalid goes out") {
    UrpcPair p(16);
    REQUIRE(p.ok);
    std::string longer = pattern(kFramePayload + 1, 9); // two frames
    std::string t[8] = {"s0", "s1", "bad", "s3", "s4", "m0", "m2", "m3"}; // outlive the Outgoings
    Outgoing bad = text_message(1, t[2]);
    bad.type = 0;
    Outgoing run[5] = {text_message(1, t[0]), text_message(2, t[1]), bad, text_message(3, t[3]), text_message(4, t[4])};
    CHECK(p.a.send_batch(run, 5).value() == 2); // ends before the invalid one
    CHECK(p.a.send_batch(run + 2, 3).error() == Error::InvalidArgument);
    // A longer message inside a run of short ones: the whole batch goes in one call.
    Outgoing mixed[4] = {text_message(5, t[5]), text_message(6, longer), text_message(7, t[6]), text_message(8, t[7])};
    CHECK(p.a.send_batch(mixed, 4).value() == 4);
    std::vector<Message> in(8);
    REQUIRE(p.b.receive_batch(in.data(), 8).value() == 6);
    const char* want[] = {"s0", "s1", "m0", nullptr, "m2", "m3"};
    for (u32 i = 0; i < 6; ++i) {
        CHECK(in[i].seq == i); // no number used up by the refused message
        CHECK(payload_of(in[i]) == (want[i] ? std::string(want[i]) : longer));
    }
    CHECK(p.b.rejected() == 0);
    // A run the ring cannot hold whole: what fits goes, the rest would block.
    std::vector<std::string> texts;
    for (int i = 0; i < 20; ++i) texts.push_back("r" + std::to_string(i));
    std::vector<Outgoing> many;
    for (auto& t : texts) many.push_back(text_message(1, t));
    CHECK(p.a.send_batch(many.data(), 20).value() == 16);
    CHECK(p.a.send_batch(many.data() + 16, 4).error() == Error::WouldBlock);
    in.resize(20);
    REQUIRE(p.b.receive_batch(in.data(), 20).value() == 16);
    for (u32 i = 0; i < 16; ++i) CHECK(payload_of(in[i]) == texts[i]);
}

// A ring with a bare writer and reader on it (no channel), the reader prefetching or not.
struct RawRing {
    RawRing(u32 slots, bool reader_prefetch) : ring(slots) {
        REQUIRE(w.init(ring.base(), slots, false).ok());
        REQUIRE(r.init(ring.base(), slots, reader_prefetch).ok());
    }
    Ring ring;
    UrpcWriter w;
    UrpcReader r;
};

TEST_CASE("take_each over several look-ahead windows: order, limits and a stop in the middle") {
    constexpr u32 kSlots = 64;
    static_assert(kSlots > 3 * UrpcReader::kScan);
    RawRing raw(kSlots, false);
    UrpcWriter& w = raw.w;
    UrpcReader& r = raw.r;
    u64 written = 0, read = 0;
    auto publish = [&](u32 k) {
        REQUIRE(w.space(k) >= k);
        for (u32 i = 0; i < k; ++i) store_le64(w.frame_at(i), written + i);
        w.publish_batch(k);
        written += k;
    };
    auto in_order = [&](const u8* f) {
        CHECK(load_le64(f) == read);
        ++read;
        return true;
    };
    for (int round = 0; round < 20; ++round) { // wraps the ring several times
        u32 k = 3 * UrpcReader::kScan + 5 + round % 7;
        publish(k);
        u32 first = UrpcReader::kScan + 3; // ends inside the second window
        CHECK(r.take_each(first, in_order) == first);
        u32 stop_at = UrpcReader::kScan + 1, seen = 0; // take says no within a later window
        CHECK(r.take_each(~0u, [&](const u8* f) { return in_order(f) && ++seen < stop_at; }) == stop_at);
        CHECK(r.take_each(~0u, in_order) == k - first - stop_at); // the rest, then dry
        CHECK(r.take_each(~0u, in_order) == 0);
        r.ack();
        CHECK(read == written);
    }
    // Published in two steps between looks: a window that ends where the writer stopped
    // sees nothing beyond it, and the next look picks up the rest.
    publish(UrpcReader::kScan / 2);
    CHECK(r.take_each(~0u, in_order) == UrpcReader::kScan / 2);
    publish(UrpcReader::kScan + 2);
    CHECK(r.take_each(~0u, in_order) == UrpcReader::kScan + 2);
    CHECK(read == written);
}

TEST_CASE("fill_batch publishes the frames its filler accepted, the first one last") {
    RawRing raw(8, false);
    UrpcWriter& w = raw.w;
    UrpcReader& r = raw.r;
    std::vector<u32> order;
    u32 n = w.fill_batch(6, [&](u32 i, u8* frame) {
        if (i == 4) return false; // ends the batch before frame 4
        order.push_back(i);
        store_le64(frame, 100 + i);
        return true;
    });
    CHECK(n == 4);
    CHECK(order == std::vector<u32>{1, 2, 3, 0});
    u64 next = 100;
    CHECK(r.take_each(8, [&](const u8* f) { return load_le64(f) == next++; }) == 4);
    CHECK(r.take_each(8, [](const u8*) { return true; }) == 0); // slot 4 was never published
    r.ack();
    CHECK(w.space(8) == 8);
    CHECK(w.fill_batch(0, [](u32, u8*) { return true; }) == 0);
}

TEST_CASE("fill_batch across the ring's end: each frame in its slot, a refusal before or after the end ends the batch") {
    RawRing raw(8, false);
    UrpcWriter& w = raw.w;
    UrpcReader& r = raw.r;
    u64 value = 0, read = 0;
    auto take_all = [&] {
        u32 n = r.take_each(8, [&](const u8* f) {
            CHECK(load_le64(f) == read);
            ++read;
            return true;
        });
        r.ack();
        return n;
    };
    // refuse: the filler's index that it refuses (8: none). Each batch starts at slot 6 of 8:
    // slots 6 and 7 come before the ring's end, 0.. after it.
    for (u32 refuse : {8u, 3u, 2u, 1u}) {
        CAPTURE(refuse);
        if (u32 to_six = (6 + 8 - u32(value % 8)) % 8; to_six != 0) {
            CHECK(w.fill_batch(to_six, [&](u32 i, u8* f) { return store_le64(f, value + i), true; }) == to_six);
            value += to_six;
            CHECK(take_all() == to_six);
        }
        const u32 want = min(refuse, 5u);
        std::vector<u32> order;
        u32 n = w.fill_batch(5, [&](u32 i, u8* f) {
            if (i == refuse) return false;
            order.push_back(i);
            store_le64(f, value + i);
            return true;
        });
        CHECK(n == want);
        std::vector<u32> expected;
        for (u32 i = 1; i < want; ++i) expected.push_back(i);
        expected.push_back(0); // the first frame, written last
        CHECK(order == expected);
        value += n;
        CHECK(take_all() == n); // in order, each value where the reader expects it
        CHECK(r.take_each(8, [](const u8*) { return true; }) == 0); // the refused slot was never published
    }
    CHECK(read == value);
}

TEST_CASE("raw batches: k frames published with one release are all seen, in order, once") {
    RawRing raw(8, true);
    UrpcWriter& w = raw.w;
    UrpcReader& r = raw.r;
    u64 written = 0, read = 0;
    for (int round = 0; round < 100; ++round) {
        u32 k = w.space(8);
        for (u32 i = 0; i < k; ++i) store_le64(w.frame_at(i), written + i);
        auto in_order = [&](const u8* frame) {
            CHECK(load_le64(frame) == read);
            ++read;
            return true;
        };
        CHECK(r.take_each(8, in_order) == 0); // nothing is visible before the publish
        w.publish_batch(k);
        written += k;
        u32 n = r.take_each(3, in_order); // a partial read of the batch
        CHECK(n == min<u32>(3, k));
        r.ack();
        CHECK(w.space(8) == n); // exactly the acked slots came back
        u32 stop_after = 1;     // take stops the run after the frame it said no to
        n = r.take_each(8, [&](const u8* frame) { return in_order(frame) && --stop_after > 0; });
        CHECK(n == min<u32>(1, k - min<u32>(3, k)));
        r.take_each(8, in_order);
        r.ack();
    }
    CHECK(read == written);
    CHECK(written > 100);
}
