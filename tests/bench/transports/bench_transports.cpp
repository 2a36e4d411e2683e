// bench-transports: round-trip latency (median, p99) and pipelined throughput of
// 64-byte messages between two threads pinned to two cores, for URPC and, measured in
// the same run, the raw cache-line ping-pong (the physical limit), a pipe, eventfd,
// a mutex/condition-variable queue and boost::lockfree::spsc_queue.
// Usage: bench-transports [--json]. Goals are reported, never asserted.
#include <mosaic/transports/channel.hpp>
#include <mosaic/transports/cpu_relax.hpp>

#include <boost/lockfree/spsc_queue.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <pthread.h>
#include <sched.h>
#include <string>
#include <sys/eventfd.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace mosaic;
using namespace mosaic::transports;
using Clock = std::chrono::steady_clock;

namespace {

constexpr u64 kStop = ~0ull;             // Sequence number that ends a run.
constexpr double kRoundTripSeconds = 1.5; // Time budget per transport and measurement.
constexpr double kThroughputSeconds = 1.0;
constexpr u64 kMaxSamples = 400'000;
constexpr u64 kWarmup = 2'000;
constexpr u32 kQueueDepth = 256;

// A 64-byte message for the baselines; the first word is its sequence number.
struct alignas(64) Msg64 {
    u64 seq;
    u8 body[56];
};

void pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

// Nanoseconds per cycle-counter tick, measured against the steady clock.
double ns_per_tick() {
    auto t0 = Clock::now();
    u64 c0 = read_cycle_counter();
    while (Clock::now() - t0 < std::chrono::milliseconds(100)) {}
    u64 c1 = read_cycle_counter();
    return std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / double(c1 - c0);
}

void full_write(int fd, const void* p, size_t n) {
    for (size_t done = 0; done < n;) {
        ssize_t r = write(fd, static_cast<const u8*>(p) + done, n - done);
        if (r > 0) done += size_t(r);
    }
}

void full_read(int fd, void* p, size_t n) {
    for (size_t done = 0; done < n;) {
        ssize_t r = read(fd, static_cast<u8*>(p) + done, n - done);
        if (r > 0) done += size_t(r);
    }
}

// Each transport offers two one-way directions, d=0 (A to B) and d=1 (B to A):
// send(d, seq) blocks or spins until the message is queued, receive(d) returns its seq.

// URPC through the Channel interface (urpc: default binding, prefetch off): one-slot messages (16-byte header, 40-byte payload,
// 8-byte sequence word: one 64-byte cache line).
template <bool Prefetch> struct UrpcBench {
    std::vector<UrpcSlot> ring[2] = {std::vector<UrpcSlot>(kQueueDepth + 1), std::vector<UrpcSlot>(kQueueDepth + 1)};
    Channel end[2]; // end[0] sends on ring 0, end[1] on ring 1.
    Message in[2];
    UrpcBench() {
        for (int e = 0; e < 2; ++e)
            (void)end[e].bind({.kind = TransportKind::Urpc, .tx_base = ring[e].data(), .tx_slots = kQueueDepth,
                               .rx_base = ring[1 - e].data(), .rx_slots = kQueueDepth,
                               .prefetch = Prefetch});
    }
    void send(int d, u64 seq) {
        u8 payload[kFramePayload] = {};
        store_le64(payload, seq);
        Outgoing o{.interface = 1, .type = 1, .payload = payload, .length = kFramePayload};
        while (!end[d].send(o).ok()) cpu_relax();
    }
    u64 receive(int d) {
        Message& m = in[d];
        while (!end[1 - d].poll(m).ok()) cpu_relax();
        return load_le64(m.payload);
    }
};

// The physical limit: one cache line, both directions. `state` says who may act:
// 0 free, 1 a message from A for B, 3 a message from B for A; the reader frees it.
struct CachelineBench {
    struct alignas(64) Line {
        std::atomic<u64> state{0};
        u64 seq;
        u8 body[48];
    } line;
    void send(int d, u64 seq) {
        while (line.state.load(std::memory_order_acquire) != 0) cpu_relax();
        line.seq = seq;
        memset(line.body, int(seq), sizeof line.body);
        line.state.store(1 + 2 * u64(d), std::memory_order_release);
    }
    u64 receive(int d) {
        while (line.state.load(std::memory_order_acquire) != 1 + 2 * u64(d)) cpu_relax();
        u64 seq = line.seq;
        u8 copy[48];
        memcpy(copy, line.body, sizeof copy);
        asm volatile("" ::"r"(copy) : "memory");
        line.state.store(0, std::memory_order_release);
        return seq;
    }
};

struct PipeBench {
    int fd[2][2];
    PipeBench() {
        for (auto& p : fd)
            if (pipe(p) != 0) std::perror("pipe");
    }
    ~PipeBench() {
        for (auto& p : fd) close(p[0]), close(p[1]);
    }
    void send(int d, u64 seq) {
        Msg64 m{seq, {}};
        full_write(fd[d][1], &m, sizeof m);
    }
    u64 receive(int d) {
        Msg64 m;
        full_read(fd[d][0], &m, sizeof m);
        return m.seq;
    }
};

// A shared ring of 64-byte slots with eventfd counters as doorbells: `items` wakes the
// reader, `spaces` returns credits to the writer; each side batches what a read returns.
struct EventfdBench {
    struct Dir {
        Msg64 slots[kQueueDepth];
        int items = eventfd(0, 0), spaces = eventfd(0, 0);
        u64 head = 0, tail = 0, credits = kQueueDepth, available = 0;
    } dir[2];
    ~EventfdBench() {
        for (auto& d : dir) close(d.items), close(d.spaces);
    }
    void send(int d, u64 seq) {
        Dir& q = dir[d];
        if (q.credits == 0) {
            u64 v;
            full_read(q.spaces, &v, 8);
            q.credits += v;
        }
        q.slots[q.head++ % kQueueDepth].seq = seq;
        --q.credits;
        u64 one = 1;
        full_write(q.items, &one, 8);
    }
    u64 receive(int d) {
        Dir& q = dir[d];
        if (q.available == 0) full_read(q.items, &q.available, 8);
        --q.available;
        u64 seq = q.slots[q.tail++ % kQueueDepth].seq;
        u64 one = 1;
        full_write(q.spaces, &one, 8);
        return seq;
    }
};

// A bounded queue under a mutex with two condition variables (futex-based in glibc).
struct FutexQueueBench {
    struct Dir {
        std::mutex lock;
        std::condition_variable not_empty, not_full;
        Msg64 slots[kQueueDepth];
        u64 head = 0, tail = 0;
    } dir[2];
    void send(int d, u64 seq) {
        Dir& q = dir[d];
        std::unique_lock<std::mutex> g(q.lock);
        q.not_full.wait(g, [&] { return q.head - q.tail < kQueueDepth; });
        q.slots[q.head++ % kQueueDepth].seq = seq;
        q.not_empty.notify_one();
    }
    u64 receive(int d) {
        Dir& q = dir[d];
        std::unique_lock<std::mutex> g(q.lock);
        q.not_empty.wait(g, [&] { return q.head != q.tail; });
        u64 seq = q.slots[q.tail++ % kQueueDepth].seq;
        q.not_full.notify_one();
        return seq;
    }
};

struct BoostSpscBench {
    boost::lockfree::spsc_queue<Msg64, boost::lockfree::capacity<kQueueDepth>> q[2];
    void send(int d, u64 seq) {
        Msg64 m{seq, {}};
        while (!q[d].push(m)) cpu_relax();
    }
    u64 receive(int d) {
        Msg64 m;
        while (!q[d].pop(m)) cpu_relax();
        return m.seq;
    }
};

struct Figures {
    double rt_median_ns = 0, rt_p99_ns = 0, msgs_per_s = 0;
    u64 samples = 0, errors = 0;
};

// Round trips: A (CPU 0) sends and waits for the echo from B (CPU 1), timing each one.
template <typename T> void round_trip(T& t, double tick_ns, Figures& f) {
    std::vector<u64> ticks;
    ticks.reserve(kMaxSamples);
    u64 errors = 0;
    std::thread echo([&] {
        pin(1);
        for (u64 s; (s = t.receive(0)) != kStop;) t.send(1, s);
        t.send(1, kStop);
    });
    pin(0);
    auto end = Clock::now() + std::chrono::duration<double>(kRoundTripSeconds);
    for (u64 i = 0; i < kWarmup + kMaxSamples; ++i) {
        u64 c0 = read_cycle_counter();
        t.send(0, i);
        errors += t.receive(1) != i;
        u64 c1 = read_cycle_counter();
        if (i >= kWarmup) ticks.push_back(c1 - c0);
        if ((i & 255) == 0 && Clock::now() > end) break;
    }
    t.send(0, kStop);
    (void)t.receive(1);
    echo.join();
    std::sort(ticks.begin(), ticks.end());
    f.samples = ticks.size();
    f.rt_median_ns = double(ticks[ticks.size() / 2]) * tick_ns;
    f.rt_p99_ns = double(ticks[ticks.size() * 99 / 100]) * tick_ns;
    f.errors += errors;
}

// Throughput: A streams messages to B for a fixed time; B checks their order.
template <typename T> void throughput(T& t, Figures& f) {
    std::atomic<u64> received{0}, errors{0};
    Clock::time_point last;
    std::thread sink([&] {
        pin(1);
        u64 n = 0, bad = 0;
        for (u64 s; (s = t.receive(0)) != kStop; ++n) bad += s != n;
        last = Clock::now();
        received = n;
        errors = bad;
    });
    pin(0);
    auto start = Clock::now();
    auto end = start + std::chrono::duration<double>(kThroughputSeconds);
    for (u64 i = 0;; ++i) {
        t.send(0, i);
        if ((i & 1023) == 0 && Clock::now() > end) break;
    }
    t.send(0, kStop);
    sink.join();
    f.msgs_per_s = double(received) / std::chrono::duration<double>(last - start).count();
    f.errors += errors;
}

template <typename T> Figures measure(double tick_ns) {
    Figures f;
    {
        auto t = std::make_unique<T>();
        round_trip(*t, tick_ns, f);
    }
    auto t = std::make_unique<T>();
    throughput(*t, f);
    return f;
}

struct Row {
    const char* name;
    Figures f;
};

void print_table(const std::vector<Row>& rows, const Figures& urpc, const Figures& line,
                 const Figures& pipe, const Figures& spsc) {
    std::printf("transport        round trip median   p99        throughput (msgs/s)   samples\n");
    for (const Row& r : rows)
        std::printf("%-16s %10.0f ns %10.0f ns %16.3g %14llu%s\n", r.name, r.f.rt_median_ns,
                    r.f.rt_p99_ns, r.f.msgs_per_s, (unsigned long long)r.f.samples,
                    r.f.errors ? "  ERRORS" : "");
    double a = urpc.rt_median_ns / line.rt_median_ns, b = pipe.rt_median_ns / urpc.rt_median_ns,
           c = urpc.msgs_per_s / spsc.msgs_per_s;
    std::printf("\nurpc/cacheline round trip %.3fx (goal <= 1.3x: %s)\n", a, a <= 1.3 ? "met" : "not met");
    std::printf("pipe/urpc round trip      %.1fx (goal >= 20x: %s)\n", b, b >= 20 ? "met" : "not met");
    std::printf("urpc/boost_spsc throughput %.2fx (goal >= 1x: %s)\n", c, c >= 1 ? "met" : "not met");
    std::printf("(cacheline is one line and no queue: its throughput is one hand-off per line round trip)\n");
}

void print_json(const std::vector<Row>& rows, const Figures& urpc, const Figures& line,
                const Figures& pipe, const Figures& spsc) {
    std::printf("{");
    for (const Row& r : rows)
        std::printf("\"%s\": {\"round_trip_ns\": %.1f, \"round_trip_p99_ns\": %.1f, "
                    "\"throughput_msgs_per_s\": %.0f, \"samples\": %llu, \"errors\": %llu}, ",
                    r.name, r.f.rt_median_ns, r.f.rt_p99_ns, r.f.msgs_per_s,
                    (unsigned long long)r.f.samples, (unsigned long long)r.f.errors);
    std::printf("\"ratios\": {\"urpc_over_cacheline_round_trip\": %.3f, \"pipe_over_urpc_round_trip\": %.2f, "
                "\"urpc_over_boost_spsc_throughput\": %.3f}}\n",
                urpc.rt_median_ns / line.rt_median_ns, pipe.rt_median_ns / urpc.rt_median_ns,
                urpc.msgs_per_s / spsc.msgs_per_s);
}

} // namespace

int main(int argc, char** argv) {
    bool json = argc > 1 && std::strcmp(argv[1], "--json") == 0;
    if (std::thread::hardware_concurrency() < 2) std::fprintf(stderr, "warning: fewer than two CPUs\n");
    double tick_ns = ns_per_tick();
    std::vector<Row> rows = {
        {"urpc", measure<UrpcBench<false>>(tick_ns)},
        {"cacheline", measure<CachelineBench>(tick_ns)},
        {"pipe", measure<PipeBench>(tick_ns)},
        {"eventfd", measure<EventfdBench>(tick_ns)},
        {"futex_queue", measure<FutexQueueBench>(tick_ns)},
        {"boost_spsc", measure<BoostSpscBench>(tick_ns)},
        {"urpc_prefetch", measure<UrpcBench<true>>(tick_ns)}, // Extra: the optional prefetch on.
    };
    if (json) print_json(rows, rows[0].f, rows[1].f, rows[2].f, rows[5].f);
    else print_table(rows, rows[0].f, rows[1].f, rows[2].f, rows[5].f);
    return 0;
}
