// The transport benchmark between two monitors (./mosaic bench transports --boards): over a
// channel bound for it on the SKB's route, the round trip, one-way streaming in batches
// (Channel::send_batch/receive_batch) and, on a cache line both cores reach, the raw
// ping-pong between the same two cores: the limit of the machine (or the emulator) that
// the channel's figures stand beside. The initiator (run) drives each phase; the responder
// (serve) answers the phase a start message begins. Hardware-neutral: the caller binds the
// channel, gives the line and a counter (monitor/main.cpp on the boards, threads in the
// host tests). Both ends block in their phase, and every wait has a deadline: a peer that
// goes silent, lies or sends junk ends the phase with an error, never a hang.
#pragma once

#include <mosaic/transports/channel.hpp>
#include <mosaic/transports/interfaces/tbench.hpp>

namespace mosaic::monitor::tbench {

enum class Mode : u32 { RoundTrip = 1, Stream = 2, Raw = 3, Bulk = 4 };

// How much each phase does (run's defaults; the start message carries the count).
struct Counts {
    u32 round_trips = 2000; // timed, after kWarmup untimed ones
    u32 streamed = 20000;   // one-frame data messages, one way
    u32 raw_rounds = 2000;  // raw cache-line round trips
    u32 stream_bytes = transports::kFramePayload; // each streamed message's payload (8..480)
};
inline constexpr u32 kWarmup = 100;
inline constexpr u32 kMaxCount = 1u << 20;     // a start asking more is refused
inline constexpr u32 kBatch = 8;               // data messages per send_batch call
inline constexpr u64 kPhaseSeconds = 5;        // every phase ends by then, done or not
// A streamed message's size: room for its number, and at most what one message carries.
constexpr bool stream_bytes_ok(u32 bytes) {
    return bytes >= ifaces::tbench::kMinDataBytes && bytes <= transports::kMaxPayload;
}

// A free-running counter and its rate; run and serve refuse to start without a rate.
struct Counter {
    u64 (*read)(void* ctx) = nullptr;
    void* ctx = nullptr;
    u64 hz = 0;
    u64 now() const { return read(ctx); }
    u64 ns(u64 ticks) const; // ticks in nanoseconds (0 without a rate)
};

// The raw ping-pong's only shared state: one word alone on its cache line.
struct alignas(64) RawLine {
    u64 word;
    u8 pad[56];
};

struct Figures {
    Error status = Error::Ok; // the first phase's failure (the later phases still ran)
    u64 round_trip_ns = 0;    // Counts::round_trips round trips, all of them
    u64 stream_ns = 0;        // Counts::streamed messages, first send to the receiver's done
    u64 raw_ns = 0;           // Counts::raw_rounds raw round trips (0: no line)
    u32 errors = 0;           // wrong, missing or unexpected replies
};

// The bulk pools of a benchmark channel: the region this end gives buffers from when it
// initiates (`mine`) and the one its peer gives from (`theirs`), each `bytes` long and
// 64-byte aligned (nullptr: none; that end neither initiates nor serves a bulk phase).
struct Pools {
    u8* mine = nullptr;
    u8* theirs = nullptr;
    u64 bytes = 0;
};
inline constexpr u32 kMinBulkBytes = 4096;           // the smallest buffer a bulk phase moves
inline constexpr u32 kMaxBulkBytes = 1u << 30;
inline constexpr u32 kSourceBytes = 16 * 1024;       // the initiator's source, copied in turn
// How many buffers of `buffer_bytes` a pool of `pool_bytes` holds for the phase (both ends
// work it out the same way): 0 when the size is not a power of two in kMinBulkBytes..
// kMaxBulkBytes or does not fit.
u32 bulk_buffers(u64 pool_bytes, u32 buffer_bytes);

struct BulkFigures {
    Error status = Error::Ok;
    u64 bulk_ns = 0;  // `count` buffers handed over and back, first give to the done
    u64 copy_ns = 0;  // the same bytes copied into the pool's buffers on one core (the limit)
    u32 buffers = 0;  // the pool's buffers in this phase
    u32 errors = 0;   // descriptors refused, wrong words, missing buffers
};

// The initiator: the three phases over `ch` and `line` (nullptr: no raw phase).
Figures run(transports::Channel& ch, RawLine* line, const Counter& c, const Counts& n = {});

// The initiator's bulk phase: `count` buffers of `buffer_bytes` from pools.mine.
BulkFigures run_bulk(transports::Channel& ch, const Pools& pools, const Counter& c, u32 count, u32 buffer_bytes);

// The responder, for a message that came on the bench channel: serves the phase a start
// begins, to its end or its deadline. Malformed for anything else (nothing is sent back),
// OutOfRange for a count above kMaxCount, a stream's message size outside 8..480 or a bulk
// buffer size bulk_buffers refuses, Unsupported for a raw phase without a line, a bulk phase
// without pools.theirs or a counter without a rate, Timeout when the initiator fell silent.
Status serve(transports::Channel& ch, const transports::Message& m, RawLine* line, const Counter& c,
             const Pools& pools = {});

} // namespace mosaic::monitor::tbench
