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

enum class Mode : u32 { RoundTrip = 1, Stream = 2, Raw = 3 };

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

// The initiator: the three phases over `ch` and `line` (nullptr: no raw phase).
Figures run(transports::Channel& ch, RawLine* line, const Counter& c, const Counts& n = {});

// The responder, for a message that came on the bench channel: serves the phase a start
// begins, to its end or its deadline. Malformed for anything else (nothing is sent back),
// OutOfRange for a count above kMaxCount or a stream's message size outside 8..480, Unsupported for a raw phase without a line or a
// counter without a rate, Timeout when the initiator fell silent.
Status serve(transports::Channel& ch, const transports::Message& m, RawLine* line, const Counter& c);

} // namespace mosaic::monitor::tbench
