// The transport benchmark between two monitors (see include/mosaic/monitor/tbench.hpp).
#include <mosaic/monitor/tbench.hpp>
#include <mosaic/transports/bulk.hpp>
#include <mosaic/transports/cpu_relax.hpp>
#include <mosaic/transports/interfaces/tbench.hpp>

namespace mosaic::monitor::tbench {

namespace {
namespace tb = ifaces::tbench;
using transports::Channel;
using transports::Message;

constexpr u32 kPollsPerLook = 64; // polls between looks at the counter
constexpr u32 kReceiveBatch = 4;  // messages per receive_batch (2 KiB of a monitor's 16 KiB stack)
constexpr u32 kBulkBatch = 4;     // buffers filled, then given with one give_batch

u64 deadline_of(const Counter& c) { return c.now() + kPhaseSeconds * c.hz; }

// Polls until a whole message came (Ok), a frame was refused (Malformed) or the deadline
// passed (Timeout).
Status next(Channel& ch, Message& m, const Counter& c, u64 deadline) {
    for (u32 i = 1;; ++i) {
        Status s = ch.poll(m);
        if (s.ok() || s.error() != Error::WouldBlock) return s;
        if (i % kPollsPerLook == 0 && c.now() > deadline) return Error::Timeout;
        transports::cpu_relax();
    }
}

// The next message as an M: Timeout when the deadline passed, Malformed for anything else.
template <typename M> Result<M> next_as(Channel& ch, const Counter& c, u64 deadline) {
    Message m;
    TRY_STATUS(next(ch, m, c, deadline));
    return transports::decode_message<M>(m);
}

// Sends, waiting for room until the deadline.
template <typename M> Status put(Channel& ch, const M& msg, const Counter& c, u64 deadline) {
    for (u32 i = 1;; ++i) {
        Status s = transports::send_message(ch, msg);
        if (s.ok() || s.error() != Error::WouldBlock) return s;
        if (i % kPollsPerLook == 0 && c.now() > deadline) return Error::Timeout;
        transports::cpu_relax();
    }
}

// Waits until the raw line holds `want` (acquire), or the deadline.
Status wait_word(RawLine* line, u64 want, const Counter& c, u64 deadline) {
    for (u32 i = 1; __atomic_load_n(&line->word, __ATOMIC_ACQUIRE) != want; ++i) {
        if (i % kPollsPerLook == 0 && c.now() > deadline) return Error::Timeout;
        transports::cpu_relax();
    }
    return {};
}

// The initiator's phases; each returns its status and adds what it saw wrong to f.errors.
Status round_trips(Channel& ch, const Counter& c, u32 n, Figures& f) {
    const u64 deadline = deadline_of(c);
    TRY_STATUS(put(ch, tb::start_message{u32(Mode::RoundTrip), n + kWarmup, 0}, c, deadline));
    u64 t0 = c.now();
    for (u32 i = 0; i < n + kWarmup; ++i) {
        if (i == kWarmup) t0 = c.now();
        TRY_STATUS(put(ch, tb::ping_message{i}, c, deadline));
        for (;;) { // the pong of this ping; anything else is counted and skipped
            auto pong = next_as<tb::pong_message>(ch, c, deadline);
            if (!pong.ok() && pong.error() == Error::Timeout) return Error::Timeout;
            if (pong.ok() && pong->seq == i) break;
            ++f.errors;
        }
    }
    f.round_trip_ns = c.ns(c.now() - t0);
    return {};
}

// A streamed message's payload (interfaces/tbench.hpp): its number, then the pattern.
void fill_data(u8* p, u64 seq, u32 bytes) {
    store_le64(p, seq);
    for (u32 i = tb::kMinDataBytes; i < bytes; ++i) p[i] = u8(seq * 31 + i);
}
bool is_data(const Message& m, u64 seq, u32 bytes) {
    if (m.interface != tb::kInterfaceId || m.type != tb::kDataType || m.reply || m.length != bytes ||
        load_le64(m.payload) != seq)
        return false;
    for (u32 i = tb::kMinDataBytes; i < bytes; ++i)
        if (m.payload[i] != u8(seq * 31 + i)) return false;
    return true;
}

Status stream(Channel& ch, const Counter& c, u32 n, u32 bytes, Figures& f) {
    const u64 deadline = deadline_of(c);
    TRY_STATUS(put(ch, tb::start_message{u32(Mode::Stream), n, bytes}, c, deadline));
    const u64 t0 = c.now();
    u8 payload[kBatch][transports::kMaxPayload];
    transports::Outgoing out[kBatch];
    for (u32 sent = 0, polls = 0; sent < n;) {
        const u32 k = min(kBatch, n - sent);
        for (u32 i = 0; i < k; ++i) {
            fill_data(payload[i], sent + i, bytes);
            out[i] = {.interface = tb::kInterfaceId, .type = tb::kDataType, .payload = payload[i], .length = u16(bytes)};
        }
        Result<u32> r = ch.send_batch(out, k);
        if (r.ok()) {
            sent += *r;
            continue;
        }
        if (r.error() != Error::WouldBlock) return r.error();
        if (++polls % kPollsPerLook == 0 && c.now() > deadline) return Error::Timeout;
        transports::cpu_relax();
    }
    for (;;) {
        auto done = next_as<tb::done_message>(ch, c, deadline);
        if (!done.ok() && done.error() == Error::Timeout) return Error::Timeout;
        if (!done.ok()) {
            ++f.errors;
            continue;
        }
        f.stream_ns = c.ns(c.now() - t0);
        f.errors += done->errors + (done->received < n ? n - done->received : 0);
        return done->received == n && done->errors == 0 ? Status() : Status(Error::Malformed);
    }
}

Status raw(Channel& ch, RawLine* line, const Counter& c, u32 n, Figures& f) {
    const u64 deadline = deadline_of(c);
    __atomic_store_n(&line->word, 0, __ATOMIC_RELEASE); // before the start that tells the peer
    TRY_STATUS(put(ch, tb::start_message{u32(Mode::Raw), n, 0}, c, deadline));
    const u64 t0 = c.now();
    for (u64 i = 0; i < n; ++i) {
        __atomic_store_n(&line->word, 2 * i + 1, __ATOMIC_RELEASE);
        TRY_STATUS(wait_word(line, 2 * i + 2, c, deadline));
    }
    f.raw_ns = c.ns(c.now() - t0);
    return {};
}

// ---- Bulk ----

// The initiator's source: byte i is (i * 7 + 3) mod 256; in read-only data, the same on
// every core and in every host thread.
struct Source {
    alignas(64) u8 bytes[kSourceBytes];
};
constexpr Source make_source() {
    Source s{};
    for (u32 i = 0; i < kSourceBytes; ++i) s.bytes[i] = u8(i * 7 + 3);
    return s;
}
constexpr Source kSource = make_source();

// A buffer's bytes from the source, kSourceBytes at a time (the work both the handover and
// its limit do).
void copy_in(u8* to, u32 bytes) {
    for (u32 at = 0; at < bytes; at += kSourceBytes) __builtin_memcpy(to + at, kSource.bytes, min(kSourceBytes, bytes - at));
}
// The words the responder checks: the number in the first, the source's last 8 bytes in the
// last (bytes is a multiple of kSourceBytes or below it, both powers of two).
u64 last_word(u32 bytes) { return load_le64(kSource.bytes + (bytes - 8) % kSourceBytes); }

BulkFigures bulk_fail(BulkFigures& f, Status s) {
    if (!s.ok() && f.status == Error::Ok) f.status = s.error();
    return f;
}

// The limit: `count` buffers' bytes copied into the pool's buffers in turn, one core.
u64 copy_limit_ns(u8* pool, u32 buffers, u32 bytes, u32 count, const Counter& c) {
    const u64 t0 = c.now();
    for (u32 i = 0; i < count; ++i) copy_in(pool + u64(i % buffers) * bytes, bytes);
    return c.ns(c.now() - t0);
}

// The responder: accepts the buffers of each give (one or a pair), checks their words in
// place, and gives back what it holds four to a frame (give_back_batch) once it holds four
// or nothing more is waiting; then says what arrived. A descriptor it refuses (Malformed:
// bulk.hpp) is counted, not given back.
Status bulk_sink(Channel& ch, const Counter& c, u8* region, u32 buffers, u32 bytes, u32 n) {
    const u64 deadline = deadline_of(c);
    transports::BulkPeer peer;
    TRY_STATUS(peer.init(region, buffers, bytes));
    const u64 last = last_word(bytes);
    constexpr u32 kHold = transports::kBulkReturnsPerMessage + transports::kBulkGivesPerMessage;
    transports::BulkBuffer held[kHold];
    u32 holding = 0, accepted = 0, good = 0, errors = 0;
    while (accepted < n || holding > 0) {
        Message m;
        // Wait for a give only with nothing to give back; else look once.
        Status got = holding == 0 ? next(ch, m, c, deadline) : ch.poll(m);
        if (!got.ok() && got.error() == Error::Timeout) return Error::Timeout;
        if (got.ok()) {
            transports::BulkBuffer two[transports::kBulkGivesPerMessage];
            Result<u32> k = peer.accept_all(m, two);
            errors += !k.ok();
            for (u32 j = 0; k.ok() && j < *k; ++j) {
                const transports::BulkBuffer& b = two[j];
                const u8* p = peer.data(b).value() + b.offset;
                const bool right = b.offset == 0 && b.length == bytes && load_le64(p) == accepted &&
                                   load_le64(p + bytes - 8) == last;
                ++accepted;
                good += right;
                errors += !right;
                held[holding++] = b;
            }
        } else if (got.error() != Error::WouldBlock) {
            ++errors; // a frame the channel rejected
        }
        const bool more_waiting = got.ok() && accepted < n;
        if (holding == 0 || (holding < transports::kBulkReturnsPerMessage && more_waiting)) continue;
        for (u32 back = 0, i = 1; back < holding; ++i) {
            Result<u32> r = peer.give_back_batch(ch, held + back, holding - back);
            if (r.ok()) {
                back += *r;
                continue;
            }
            if (r.error() != Error::WouldBlock) return r.error();
            if (i % kPollsPerLook == 0 && c.now() > deadline) return Error::Timeout;
            transports::cpu_relax();
        }
        holding = 0;
    }
    return put(ch, tb::done_message{good, errors}, c, deadline);
}

// The responder's phases.
Status echo(Channel& ch, const Counter& c, u32 n) {
    const u64 deadline = deadline_of(c);
    for (u32 i = 0; i < n;) {
        auto ping = next_as<tb::ping_message>(ch, c, deadline);
        if (!ping.ok() && ping.error() == Error::Timeout) return Error::Timeout;
        if (!ping.ok()) continue; // junk: the initiator counts the pong it misses
        TRY_STATUS(put(ch, tb::pong_message{ping->seq}, c, deadline));
        ++i;
    }
    return {};
}

Status sink(Channel& ch, const Counter& c, u32 n, u32 bytes) {
    const u64 deadline = deadline_of(c);
    Message in[kReceiveBatch];
    u32 taken = 0, good = 0, errors = 0;
    for (u32 polls = 0; taken < n;) {
        Result<u32> r = ch.receive_batch(in, min(kReceiveBatch, n - taken));
        if (!r.ok()) {
            if (++polls % kPollsPerLook == 0 && c.now() > deadline) return Error::Timeout;
            transports::cpu_relax();
            continue;
        }
        for (u32 i = 0; i < *r; ++i, ++taken) {
            const bool right = is_data(in[i], good + errors, bytes);
            good += right;
            errors += !right;
        }
    }
    return put(ch, tb::done_message{good, errors}, c, deadline);
}

Status answer_raw(RawLine* line, const Counter& c, u32 n) {
    const u64 deadline = deadline_of(c);
    for (u64 i = 0; i < n; ++i) {
        TRY_STATUS(wait_word(line, 2 * i + 1, c, deadline));
        __atomic_store_n(&line->word, 2 * i + 2, __ATOMIC_RELEASE);
    }
    return {};
}
} // namespace

u64 Counter::ns(u64 ticks) const {
    if (!hz) return 0;
    return ticks / hz * 1'000'000'000ull + ticks % hz * 1'000'000'000ull / hz;
}

Figures run(Channel& ch, RawLine* line, const Counter& c, const Counts& n) {
    Figures f;
    if (!c.read || !c.hz) {
        f.status = Error::Unsupported;
        return f;
    }
    auto note = [&](Status s) {
        if (!s.ok() && f.status == Error::Ok) f.status = s.error();
    };
    note(round_trips(ch, c, n.round_trips, f));
    if (!stream_bytes_ok(n.stream_bytes)) note(Error::OutOfRange);
    else note(stream(ch, c, n.streamed, n.stream_bytes, f));
    if (line) note(raw(ch, line, c, n.raw_rounds, f));
    return f;
}

u32 bulk_buffers(u64 pool_bytes, u32 buffer_bytes) {
    if (!is_pow2(buffer_bytes) || buffer_bytes < kMinBulkBytes || buffer_bytes > kMaxBulkBytes) return 0;
    return u32(min<u64>(pool_bytes / buffer_bytes, transports::kBulkMaxBuffers));
}

// The initiator's bulk phase: up to kBulkBatch buffers are taken and filled, then given with
// one give_batch (two to a frame) while the ring has room; returns are taken back as they
// come; the done ends it. Buffers the responder never gives back are counted as errors
// when the done comes.
BulkFigures run_bulk(Channel& ch, const Pools& pools, const Counter& c, u32 n, u32 bytes) {
    BulkFigures f;
    if (!c.read || !c.hz) return bulk_fail(f, Error::Unsupported);
    if (!pools.mine) return bulk_fail(f, Error::Unsupported);
    f.buffers = bulk_buffers(pools.bytes, bytes);
    if (f.buffers == 0 || n > kMaxCount) return bulk_fail(f, Error::OutOfRange);
    transports::BulkPool pool;
    if (Status s = pool.init(pools.mine, f.buffers, bytes); !s.ok()) return bulk_fail(f, s);
    f.copy_ns = copy_limit_ns(pools.mine, f.buffers, bytes, n, c);
    const u64 deadline = deadline_of(c);
    if (Status s = put(ch, tb::start_message{u32(Mode::Bulk), n, bytes}, c, deadline); !s.ok()) return bulk_fail(f, s);
    const u64 t0 = c.now();
    transports::BulkBuffer pending[kBulkBatch];
    u32 have = 0, given = 0;
    for (u32 polls = 0;;) {
        bool progress = false;
        for (; have < kBulkBatch && given + have < n; ++have) {
            Result<transports::BulkBuffer> b = pool.alloc();
            if (!b.ok()) break;
            pending[have] = *b;
            pending[have].offset = 0;
            pending[have].length = bytes;
            u8* p = pool.data(*b).value();
            copy_in(p, bytes);
            store_le64(p, given + have);
        }
        if (have > 0) {
            Result<u32> k = pool.give_batch(ch, pending, have);
            if (k.ok()) {
                for (u32 i = *k; i < have; ++i) pending[i - *k] = pending[i];
                have -= *k, given += *k, progress = true;
            } else if (k.error() != Error::WouldBlock) {
                return bulk_fail(f, k.error());
            }
        }
        Message m;
        Status got = ch.poll(m);
        if (got.ok() || got.error() != Error::WouldBlock) {
            progress = true;
            auto done = got.ok() ? transports::decode_message<tb::done_message>(m) : Result<tb::done_message>(got.error());
            if (done.ok()) {
                f.bulk_ns = c.ns(c.now() - t0);
                const u32 away = f.buffers - pool.free_count() - have;
                f.errors += done->errors + (done->received < n ? n - done->received : 0) + away;
                return bulk_fail(f, done->received == n && done->errors == 0 && away == 0 ? Status() : Status(Error::Malformed));
            }
            if (!got.ok() || !pool.take_back(m).ok()) ++f.errors;
        }
        if (!progress && ++polls % kPollsPerLook == 0 && c.now() > deadline) return bulk_fail(f, Error::Timeout);
        if (!progress) transports::cpu_relax();
    }
}

Status serve(Channel& ch, const Message& m, RawLine* line, const Counter& c, const Pools& pools) {
    auto start = transports::decode_message<tb::start_message>(m);
    if (!start.ok()) return Error::Malformed;
    if (start->count > kMaxCount) return Error::OutOfRange;
    if (Mode(start->mode) == Mode::Stream && !stream_bytes_ok(start->bytes)) return Error::OutOfRange;
    if (Mode(start->mode) == Mode::Bulk && pools.theirs && bulk_buffers(pools.bytes, start->bytes) == 0)
        return Error::OutOfRange;
    if (!c.read || !c.hz) return Error::Unsupported;
    switch (Mode(start->mode)) {
    case Mode::RoundTrip: return echo(ch, c, start->count);
    case Mode::Stream: return sink(ch, c, start->count, start->bytes);
    case Mode::Raw: return line ? answer_raw(line, c, start->count) : Status(Error::Unsupported);
    case Mode::Bulk:
        return pools.theirs ? bulk_sink(ch, c, pools.theirs, bulk_buffers(pools.bytes, start->bytes), start->bytes, start->count)
                            : Status(Error::Unsupported);
    }
    return Error::Malformed;
}

} // namespace mosaic::monitor::tbench
