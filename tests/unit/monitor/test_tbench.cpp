// The transport benchmark between two monitors (monitor/tbench.cpp) on the host: the same
// code as on the boards, two threads over real URPC rings of a core channel's size, and the
// peers that go silent, lie or send junk (a counter that runs fast stands in for time, so
// their deadlines pass in milliseconds).
#include "../transports/helpers.hpp"

#include <doctest.h>
#include <mosaic/monitor/tbench.hpp>
#include <mosaic/transports/interfaces/bulk.hpp>
#include <mosaic/transports/interfaces/tbench.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

using namespace mosaic;
using namespace mosaic::monitor;
namespace tb = ifaces::tbench;

namespace {

u64 steady_ticks(void*) {
    return u64(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
                   .count());
}
const tbench::Counter kSteady{steady_ticks, nullptr, 1'000'000'000};

// A counter that moves a millisecond per read: a five-second deadline passes after 5,000
// reads, whatever the machine's speed.
std::atomic<u64> g_fast{0};
u64 fast_ticks(void*) { return g_fast.fetch_add(1'000'000, std::memory_order_relaxed); }
const tbench::Counter kFast{fast_ticks, nullptr, 1'000'000'000};

// A counter that runs five times faster than real time: a five-second deadline passes after
// one second. For tests with a peer thread: deadlines by counter reads (kFast) pass early
// when the two threads share a CPU and one waits out the other's time slices.
u64 brisk_ticks(void*) { return 5 * steady_ticks(nullptr); }
const tbench::Counter kBrisk{brisk_ticks, nullptr, 1'000'000'000};

// The responder's side as a monitor's event loop runs it: a message on the bench channel
// is served; until `stop`.
void responder(transports::Channel& ch, tbench::RawLine* line, const tbench::Counter& c, std::atomic<bool>& stop,
               std::atomic<u32>& served, std::atomic<u32>& failed, tbench::Pools pools = {}) {
    transports::Message m;
    while (!stop.load(std::memory_order_acquire)) {
        if (!ch.poll(m).ok()) {
            transports::cpu_relax();
            continue;
        }
        Status s = tbench::serve(ch, m, line, c, pools);
        (s.ok() ? served : failed).fetch_add(1);
    }
}

// A bulk pool region both ends map, 64-byte aligned.
struct Region {
    explicit Region(u64 bytes) : bytes(bytes), p(static_cast<u8*>(std::aligned_alloc(64, bytes))) {}
    ~Region() { std::free(p); }
    u64 bytes;
    u8* p;
};

} // namespace

TEST_CASE("two monitors measure round trips, a batched stream and the raw line, with nothing lost") {
    test::UrpcPair p(8, false); // a core channel's bench rings: 8 slots each
    REQUIRE(p.ok);
    tbench::RawLine line{};
    std::atomic<bool> stop{false};
    std::atomic<u32> served{0}, failed{0};
    std::thread peer(responder, std::ref(p.b), &line, std::cref(kSteady), std::ref(stop), std::ref(served),
                     std::ref(failed), tbench::Pools{});
    const tbench::Counts n{.round_trips = 300, .streamed = 20000, .raw_rounds = 300};
    tbench::Figures f = tbench::run(p.a, &line, kSteady, n);
    stop.store(true, std::memory_order_release);
    peer.join();
    CHECK(f.status == Error::Ok);
    CHECK(f.errors == 0);
    CHECK(f.round_trip_ns > 0);
    CHECK(f.stream_ns > 0);
    CHECK(f.raw_ns > 0);
    CHECK(served == 3); // one per phase
    CHECK(failed == 0);
}

TEST_CASE("a stream of the longest messages, fragmented over the ring, arrives whole and in order") {
    test::UrpcPair p(16, false); // a node pair's benchmark ring: a 480-byte message takes 12 slots
    REQUIRE(p.ok);
    std::atomic<bool> stop{false};
    std::atomic<u32> served{0}, failed{0};
    std::thread peer(responder, std::ref(p.b), nullptr, std::cref(kSteady), std::ref(stop), std::ref(served),
                     std::ref(failed), tbench::Pools{});
    tbench::Figures f = tbench::run(p.a, nullptr, kSteady,
                                    {.round_trips = 10, .streamed = 5000, .raw_rounds = 0, .stream_bytes = 480});
    // Longer than a message can be: refused before the stream starts (the round trip runs).
    tbench::Figures too_long =
        tbench::run(p.a, nullptr, kSteady, {.round_trips = 1, .streamed = 1, .raw_rounds = 0, .stream_bytes = 481});
    stop.store(true, std::memory_order_release);
    peer.join();
    CHECK(f.status == Error::Ok);
    CHECK(f.errors == 0);
    CHECK(f.stream_ns > 0);
    CHECK(f.raw_ns == 0); // no line: no raw phase
    CHECK(too_long.status == Error::OutOfRange);
    CHECK(too_long.round_trip_ns > 0);
    CHECK(served == 3);
    CHECK(failed == 0);
}

TEST_CASE("a core channel's 8-slot ring refuses a stream of 12-frame messages instead of hanging") {
    test::UrpcPair p(8, false);
    REQUIRE(p.ok);
    std::atomic<bool> stop{false};
    std::atomic<u32> served{0}, failed{0};
    std::thread peer(responder, std::ref(p.b), nullptr, std::cref(kBrisk), std::ref(stop), std::ref(served),
                     std::ref(failed), tbench::Pools{});
    tbench::Figures f =
        tbench::run(p.a, nullptr, kBrisk, {.round_trips = 5, .streamed = 3, .raw_rounds = 0, .stream_bytes = 480});
    CHECK(f.status == Error::CapacityExceeded);
    CHECK(f.round_trip_ns > 0);
    CHECK(f.stream_ns == 0);
    // The responder, waiting for the stream that never came, gives up at its deadline (and
    // this test gives up on it after a minute rather than hang).
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (served + failed < 2 && std::chrono::steady_clock::now() < give_up) std::this_thread::yield();
    stop.store(true, std::memory_order_release);
    peer.join();
    CHECK(served == 1);
    CHECK(failed == 1);
}

TEST_CASE("a silent peer ends each phase at its deadline with Timeout") {
    test::UrpcPair p(8, false);
    REQUIRE(p.ok);
    tbench::RawLine line{};
    tbench::Figures f = tbench::run(p.a, &line, kFast, {.round_trips = 10, .streamed = 100, .raw_rounds = 10});
    CHECK(f.status == Error::Timeout);
    CHECK(f.round_trip_ns == 0);
    CHECK(f.stream_ns == 0);
    CHECK(f.raw_ns == 0);
}

TEST_CASE("a peer that answers with the wrong pongs is counted and timed out, never believed") {
    test::UrpcPair p(8, false);
    REQUIRE(p.ok);
    std::atomic<bool> stop{false};
    std::thread liar([&] {
        transports::Message m;
        while (!stop.load(std::memory_order_acquire)) {
            if (!p.b.poll(m).ok()) continue;
            auto ping = transports::decode_message<tb::ping_message>(m);
            if (ping.ok()) (void)transports::send_message(p.b, tb::pong_message{ping->seq + 1}); // one off
            else (void)transports::send_message(p.b, tb::done_message{0, 0});
        }
    });
    tbench::Figures f = tbench::run(p.a, nullptr, kBrisk, {.round_trips = 10, .streamed = 0, .raw_rounds = 0});
    stop.store(true, std::memory_order_release);
    liar.join();
    CHECK(f.status == Error::Timeout);
    CHECK(f.errors >= 1);
    CHECK(f.round_trip_ns == 0);
}

TEST_CASE("the responder checks every streamed message and reports what was wrong") {
    test::UrpcPair p(64, false);
    REQUIRE(p.ok);
    // A stream of 10 messages of 100 bytes (three frames each), the fourth with a wrong
    // byte, the seventh too short, already in the ring when the start comes.
    for (u64 seq = 0; seq < 10; ++seq) {
        u8 payload[100];
        store_le64(payload, seq);
        for (u32 i = 8; i < 100; ++i) payload[i] = u8(seq * 31 + i);
        if (seq == 3) payload[77] ^= 1;
        const u16 length = seq == 6 ? 99 : 100;
        REQUIRE(p.a.send({.interface = tb::kInterfaceId, .type = tb::kDataType, .payload = payload, .length = length}).ok());
    }
    transports::Message start;
    REQUIRE(transports::send_message(p.b, tb::start_message{u32(tbench::Mode::Stream), 10, 100}).ok());
    REQUIRE(p.a.poll(start).ok());
    CHECK(tbench::serve(p.b, start, nullptr, kSteady).ok());
    transports::Message m;
    REQUIRE(p.a.poll(m).ok());
    auto done = transports::decode_message<tb::done_message>(m);
    REQUIRE(done.ok());
    CHECK(done->received == 8);
    CHECK(done->errors == 2);
}

TEST_CASE("the responder refuses what it cannot serve, and sends nothing back") {
    test::UrpcPair p(8, false);
    REQUIRE(p.ok);
    auto message_of = [&](auto msg) {
        REQUIRE(transports::send_message(p.a, msg).ok());
        transports::Message m;
        REQUIRE(p.b.poll(m).ok());
        return m;
    };
    tbench::RawLine line{};
    CHECK(tbench::serve(p.b, message_of(tb::ping_message{1}), &line, kSteady).error() == Error::Malformed);
    CHECK(tbench::serve(p.b, message_of(tb::start_message{u32(tbench::Mode::Stream), tbench::kMaxCount + 1, 40}), &line,
                        kSteady)
              .error() == Error::OutOfRange);
    CHECK(tbench::serve(p.b, message_of(tb::start_message{u32(tbench::Mode::Stream), 5, 7}), &line, kSteady).error() ==
          Error::OutOfRange); // messages shorter than their number
    CHECK(tbench::serve(p.b, message_of(tb::start_message{u32(tbench::Mode::Stream), 5, 481}), &line, kSteady)
              .error() == Error::OutOfRange);
    CHECK(tbench::serve(p.b, message_of(tb::start_message{9, 1, 0}), &line, kSteady).error() == Error::Malformed);
    CHECK(tbench::serve(p.b, message_of(tb::start_message{u32(tbench::Mode::Raw), 5, 0}), nullptr, kSteady).error() ==
          Error::Unsupported);
    const tbench::Counter no_rate{steady_ticks, nullptr, 0};
    CHECK(tbench::serve(p.b, message_of(tb::start_message{u32(tbench::Mode::RoundTrip), 5, 0}), &line, no_rate).error() ==
          Error::Unsupported);
    CHECK(tbench::run(p.a, &line, no_rate).status == Error::Unsupported);
    transports::Message none;
    CHECK(p.a.poll(none).error() == Error::WouldBlock); // no reply to any of them
    // A raw phase whose initiator fell silent ends at the deadline.
    CHECK(tbench::serve(p.b, message_of(tb::start_message{u32(tbench::Mode::Raw), 5, 0}), &line, kFast).error() ==
          Error::Timeout);
}

TEST_CASE("bulk: buffers of 4 KiB to the whole pool go over and back, checked in place, beside memcpy") {
    test::UrpcPair p(8, false);
    REQUIRE(p.ok);
    Region region(256 * 1024);
    std::atomic<bool> stop{false};
    std::atomic<u32> served{0}, failed{0};
    std::thread peer(responder, std::ref(p.b), nullptr, std::cref(kSteady), std::ref(stop), std::ref(served),
                     std::ref(failed), tbench::Pools{.mine = nullptr, .theirs = region.p, .bytes = region.bytes});
    const tbench::Pools mine{.mine = region.p, .theirs = nullptr, .bytes = region.bytes};
    struct Case {
        u32 bytes, count, buffers;
    };
    // 64 buffers of 4 KiB (more than the ring holds descriptors), 4 of 64 KiB, one of 256 KiB.
    for (Case k : {Case{4096, 500, 64}, Case{64 * 1024, 40, 4}, Case{256 * 1024, 5, 1}}) {
        CAPTURE(k.bytes);
        tbench::BulkFigures f = tbench::run_bulk(p.a, mine, kSteady, k.count, k.bytes);
        CHECK(f.status == Error::Ok);
        CHECK(f.errors == 0);
        CHECK(f.buffers == k.buffers);
        CHECK(f.bulk_ns > 0);
        CHECK(f.copy_ns > 0);
    }
    // Refused before anything is sent: not a power of two, below 4 KiB, beyond the pool; no pool.
    CHECK(tbench::run_bulk(p.a, mine, kSteady, 1, 12288).status == Error::OutOfRange);
    CHECK(tbench::run_bulk(p.a, mine, kSteady, 1, 2048).status == Error::OutOfRange);
    CHECK(tbench::run_bulk(p.a, mine, kSteady, 1, 512 * 1024).status == Error::OutOfRange);
    CHECK(tbench::run_bulk(p.a, {}, kSteady, 1, 4096).status == Error::Unsupported);
    stop.store(true, std::memory_order_release);
    peer.join();
    CHECK(served == 3);
    CHECK(failed == 0);
    // The buffers' bytes are the source's, numbered in the first word: the last 256 KiB buffer
    // was the fifth (number 4), and its second word is the source's bytes 8..15.
    CHECK(load_le64(region.p) == 4);
    CHECK(region.p[8] == u8(8 * 7 + 3));
    CHECK(region.p[256 * 1024 - 1] == u8((16 * 1024 - 1) * 7 + 3));
}

TEST_CASE("bulk: the responder refuses bad descriptors and wrong buffers, counts them, gives back what it took") {
    test::UrpcPair p(64, false);
    REQUIRE(p.ok);
    Region region(64 * 1024);
    const tbench::Pools theirs{.mine = nullptr, .theirs = region.p, .bytes = region.bytes};
    namespace bk = ifaces::bulk;
    // Already in the ring when the start comes: a buffer beyond the pool, buffer 0 with the
    // wrong number in its first word, buffer 0 again with the same generation (a replay),
    // buffer 1 right (number 1: the second buffer taken).
    for (u32 i = 0; i < 2; ++i) {
        u8* b = region.p + i * 4096;
        for (u32 at = 0; at < 4096; ++at) b[at] = u8(at * 7 + 3);
        store_le64(b, i == 0 ? 7 : 1);
    }
    REQUIRE(transports::send_message(p.a, bk::give_message{16, 1, 0, 4096}).ok());
    REQUIRE(transports::send_message(p.a, bk::give_message{0, 1, 0, 4096}).ok());
    REQUIRE(transports::send_message(p.a, bk::give_message{0, 1, 0, 4096}).ok());
    REQUIRE(transports::send_message(p.a, bk::give_message{1, 1, 0, 4096}).ok());
    transports::Message start;
    REQUIRE(transports::send_message(p.b, tb::start_message{u32(tbench::Mode::Bulk), 2, 4096}).ok());
    REQUIRE(p.a.poll(start).ok());
    CHECK(tbench::serve(p.b, start, nullptr, kSteady, theirs).ok());
    // Back: buffers 0 and 1 (generation 1) in one set, then the done.
    transports::Message m;
    REQUIRE(p.a.poll(m).ok());
    auto back = transports::decode_message<bk::return_set_message>(m);
    REQUIRE(back.ok());
    CHECK(back->count == 2);
    CHECK((back->buffer0 == 0 && back->generation0 == 1 && back->buffer1 == 1 && back->generation1 == 1));
    REQUIRE(p.a.poll(m).ok());
    auto done = transports::decode_message<tb::done_message>(m);
    REQUIRE(done.ok());
    CHECK(done->received == 1);
    CHECK(done->errors == 3);
    // Sizes it cannot hold and a channel without a pool: refused, nothing sent back.
    auto refused = [&](u32 bytes, const tbench::Pools& pools) {
        REQUIRE(transports::send_message(p.b, tb::start_message{u32(tbench::Mode::Bulk), 1, bytes}).ok());
        transports::Message s;
        REQUIRE(p.a.poll(s).ok());
        return tbench::serve(p.b, s, nullptr, kSteady, pools).error();
    };
    CHECK(refused(128 * 1024, theirs) == Error::OutOfRange);
    CHECK(refused(4095, theirs) == Error::OutOfRange);
    CHECK(refused(4096, {}) == Error::Unsupported);
    transports::Message none;
    CHECK(p.a.poll(none).error() == Error::WouldBlock);
}

TEST_CASE("bulk: a responder that keeps the buffers or returns ones it was never given ends in Timeout") {
    Region region(64 * 1024);
    const tbench::Pools mine{.mine = region.p, .theirs = nullptr, .bytes = region.bytes};
    SUBCASE("silent") {
        test::UrpcPair p(8, false);
        REQUIRE(p.ok);
        tbench::BulkFigures f = tbench::run_bulk(p.a, mine, kFast, 100, 4096);
        CHECK(f.status == Error::Timeout);
        CHECK(f.bulk_ns == 0);
        CHECK(f.copy_ns > 0); // the limit was measured before the peer was asked
    }
    SUBCASE("lying") {
        test::UrpcPair p(8, false);
        REQUIRE(p.ok);
        std::atomic<bool> stop{false};
        std::thread liar([&] { // returns each buffer with a generation it never got
            namespace bk = ifaces::bulk;
            transports::Message m;
            auto lie = [&](u32 buffer, u32 generation) {
                while (!stop.load(std::memory_order_acquire) &&
                       !transports::send_message(p.b, bk::return_message{buffer, generation + 5}).ok())
                    std::this_thread::yield();
            };
            while (!stop.load(std::memory_order_acquire)) {
                if (!p.b.poll(m).ok()) continue;
                if (auto g = transports::decode_message<bk::give_message>(m); g.ok()) lie(g->buffer, g->generation);
                if (auto g = transports::decode_message<bk::give_pair_message>(m); g.ok()) {
                    lie(g->buffer0, g->generation0);
                    lie(g->buffer1, g->generation1);
                }
            }
        });
        tbench::BulkFigures f = tbench::run_bulk(p.a, mine, kBrisk, 100, 4096);
        stop.store(true, std::memory_order_release);
        liar.join();
        CHECK(f.status == Error::Timeout);
        CHECK(f.errors == 16); // every buffer of the pool given once, each return refused
    }
}

TEST_CASE("counter ticks become nanoseconds without overflow") {
    const tbench::Counter c{steady_ticks, nullptr, 62'500'000}; // aarch64 virt's generic timer
    CHECK(c.ns(62'500'000) == 1'000'000'000);
    CHECK(c.ns(1) == 16);
    CHECK(c.ns(u64(1) << 62) == (u64(1) << 62) / 62'500'000 * 1'000'000'000 + ((u64(1) << 62) % 62'500'000) * 16);
    const tbench::Counter none{steady_ticks, nullptr, 0};
    CHECK(none.ns(1000) == 0);
}
