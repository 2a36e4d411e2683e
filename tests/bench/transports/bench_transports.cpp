// bench-transports: message transports between two threads, measured in one run and
// labelled by how they wait, each figure the median of g_reps repetitions (interleaved, so
// that a noisy moment of a shared machine hits every transport alike; the ratios the goals
// name are medians of per-repetition ratios of two figures measured back to back):
//   spinning  URPC (one message per call, and batched: Channel::send_batch/receive_batch)
//             against the raw cache-line ping-pong (the physical limit of a round trip) and
//             boost::lockfree::spsc_queue (one element per call, and its array push/pop);
//   blocking  URPC that polls then sleeps on a futex doorbell (Channel::wait with the
//             guests' policy: kGuestSpins polls, then say so in the ring and sleep), and the
//             same with no polling, against a pipe, eventfd and a futex-based queue;
// each with both threads pinned to two CPUs and unpinned (the scheduler places them);
// and bulk transfer: BulkPool buffers filled on one core, their descriptors sent over URPC
// in batches (give_batch), read in place on the other and given back (give_back_batch), for 4 KiB to 1 MiB, beside memcpy bandwidth
// (the limit) and beside copying the same bytes through URPC slots.
// Usage: bench-transports [--json] [--json-out FILE] [--only ROW[,ROW...]|bulk] [--reps N], or --parts (where batched
// URPC's time goes: UrpcPartsBench). Goals are reported, never asserted.
#include <mosaic/transports/bulk.hpp>
#include <mosaic/transports/channel.hpp>
#include <mosaic/transports/cpu_relax.hpp>

#include <boost/lockfree/spsc_queue.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <linux/futex.h>
#include <map>
#include <memory>
#include <mutex>
#include <pthread.h>
#include <sched.h>
#include <string>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace mosaic;
using namespace mosaic::transports;
using Clock = std::chrono::steady_clock;

namespace {

int g_reps = 7; // Repetitions; every figure is their median (--reps N: fewer for a quick check, not for figures).
constexpr double kRoundTripSeconds = 0.1; // Per transport, placement and repetition.
constexpr double kThroughputSeconds = 0.1;
constexpr double kBulkSeconds = 0.08;      // Per size, path and repetition.
constexpr u64 kMaxSamples = 200'000;
constexpr u64 kWarmup = 1'000;
constexpr u32 kQueueDepth = 256; // Slots (URPC) or elements (the rest) per direction.
constexpr u32 kBatch = 32;       // Messages per call in the batched variants.
constexpr u32 kGuestSpins = 2000; // Polls before a sleep: monitor/main.cpp's kIdleRounds.
constexpr u64 kStop = ~0ull;     // Sequence number that ends a run.

// A value alone in its cache lines (two, for the adjacent-line prefetcher), so that what one
// thread writes never shares a line with what the other reads.
template <typename T> struct alignas(128) Alone {
    T v{};
};

// A 64-byte message for the baselines; the first word is its sequence number.
struct alignas(64) Msg64 {
    u64 seq;
    u8 body[56];
};

// Placement of the two threads: pinned to CPUs 0 and 1, or left to the scheduler (the
// mask every CPU the process may use, since a thread inherits its creator's mask).
bool g_pinned = true;
cpu_set_t g_all_cpus;
const char* g_only = nullptr; // --only NAME[,NAME...]: those rows (or "bulk"), for profiling

// True if --only was not given or names `name` in its comma-separated list.
bool selected(const char* name) {
    if (!g_only) return true;
    size_t n = std::strlen(name);
    for (const char* p = g_only; *p;) {
        const char* end = std::strchr(p, ',');
        size_t len = end ? size_t(end - p) : std::strlen(p);
        if (len == n && std::strncmp(p, name, n) == 0) return true;
        if (!end) break;
        p = end + 1;
    }
    return false;
}

void place(int cpu) {
    if (!g_pinned) {
        pthread_setaffinity_np(pthread_self(), sizeof g_all_cpus, &g_all_cpus);
        return;
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

// The host's CPU as /proc/cpuinfo names it ("model name", with x86's family and model numbers;
// else "unknown"), and whether it runs under a hypervisor (the x86 "hypervisor" flag): figures
// from different hosts differ several times over, so every run says which host it measured.
struct HostCpu {
    std::string model = "unknown";
    bool hypervisor = false;
};
std::string trimmed(const std::string& t) {
    const size_t a = t.find_first_not_of(" \t\n"), b = t.find_last_not_of(" \t\n");
    return a == std::string::npos ? std::string() : t.substr(a, b - a + 1);
}
HostCpu read_host_cpu() {
    HostCpu h;
    FILE* f = std::fopen("/proc/cpuinfo", "r");
    if (!f) return h;
    char line[4096];
    bool named = false;
    std::string family, number; // x86's "cpu family" and "model", beside the name
    while (std::fgets(line, sizeof line, f)) {
        const char* colon = std::strchr(line, ':');
        if (!colon) continue;
        const std::string key = trimmed(std::string(line, size_t(colon - line))), value = trimmed(colon + 1);
        if (key == "model name" && !named) h.model = value, named = true;
        if (key == "cpu family" && family.empty()) family = value;
        if (key == "model" && number.empty()) number = value;
        if (key == "flags" && (" " + value + " ").find(" hypervisor ") != std::string::npos) h.hypervisor = true;
    }
    std::fclose(f);
    if (!family.empty() && !number.empty()) h.model += " (family " + family + ", model " + number + ")";
    for (char& c : h.model) // the name goes into JSON as it is: no quotes, backslashes or controls
        if (c == '"' || c == '\\' || u8(c) < 0x20) c = ' ';
    return h;
}
// Read once: the table and the JSON of one run name the same host.
const HostCpu& host_cpu() {
    static const HostCpu h = read_host_cpu();
    return h;
}

void print_host() {
    const HostCpu& cpu = host_cpu();
    std::printf("host: %s%s, %d CPUs usable\n", cpu.model.c_str(), cpu.hypervisor ? " (under a hypervisor)" : "",
                CPU_COUNT(&g_all_cpus));
}

// Nanoseconds per cycle-counter tick, measured against the steady clock.
double ns_per_tick() {
    auto t0 = Clock::now();
    u64 c0 = read_cycle_counter();
    while (Clock::now() - t0 < std::chrono::milliseconds(100)) {}
    u64 c1 = read_cycle_counter();
    return std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / double(c1 - c0);
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

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
// Batched ones also offer send_many(d, first, k) (how many of seq first.. were queued,
// 0 if none) and receive_many(d, seqs, max) (how many were taken), both without waiting.

// URPC through the Channel interface: one-slot messages (16-byte header, 40-byte payload,
// 8-byte sequence word: one 64-byte cache line), the default binding (prefetch off).
struct UrpcBench {
    std::vector<UrpcSlot> ring[2] = {std::vector<UrpcSlot>(kQueueDepth + 1), std::vector<UrpcSlot>(kQueueDepth + 1)};
    Channel end[2]; // end[0] sends on ring 0, end[1] on ring 1.
    // Per direction d: what its sender encodes from and its receiver decodes into.
    Message in[2][kBatch];
    u8 payloads[2][kBatch][kFramePayload] = {};
    Outgoing out[2][kBatch];
    explicit UrpcBench(Hooks h0 = {}, Hooks h1 = {}) {
        Hooks hooks[2] = {h0, h1};
        for (int e = 0; e < 2; ++e) {
            (void)end[e].bind({.kind = TransportKind::Urpc, .tx_base = ring[e].data(), .tx_slots = kQueueDepth,
                               .rx_base = ring[1 - e].data(), .rx_slots = kQueueDepth, .hooks = hooks[e]});
            for (u32 i = 0; i < kBatch; ++i)
                out[e][i] = {.interface = 1, .type = 1, .payload = payloads[e][i], .length = kFramePayload};
        }
    }
    void send(int d, u64 seq) {
        store_le64(payloads[d][0], seq);
        while (!end[d].send(out[d][0]).ok()) cpu_relax();
    }
    u64 receive(int d) {
        while (!end[1 - d].poll(in[d][0]).ok()) cpu_relax();
        return load_le64(in[d][0].payload);
    }
    u32 send_many(int d, u64 first, u32 k) {
        for (u32 i = 0; i < k; ++i) store_le64(payloads[d][i], first + i);
        Result<u32> n = end[d].send_batch(out[d], k);
        return n.ok() ? *n : 0;
    }
    u32 receive_many(int d, u64* seqs, u32 max) {
        Result<u32> n = end[1 - d].receive_batch(in[d], max);
        if (!n.ok()) return 0;
        for (u32 i = 0; i < *n; ++i) seqs[i] = load_le64(in[d][i].payload);
        return *n;
    }
};

// The host's doorbell for a blocking URPC reader: a futex word. ring() sets it and wakes a
// sleeper; sleep() takes a ring that came before it (nothing is lost between the reader's
// last poll and its sleep), else blocks until one comes.
struct alignas(64) FutexBell {
    u32 word = 0;
    void ring() {
        __atomic_store_n(&word, 1, __ATOMIC_RELEASE);
        syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
    }
    void sleep() {
        while (__atomic_exchange_n(&word, 0, __ATOMIC_ACQUIRE) == 0)
            syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, nullptr, nullptr, 0);
    }
};

// URPC with the guests' policy: a reader polls `Spins` times, says in the ring that it
// sleeps, polls once more and sleeps on its futex; a writer rings the futex only for a
// sleep it has not rung for (Channel's Hooks). A writer facing a full ring polls
// kGuestSpins times, then yields the CPU (there is no doorbell for free slots).
template <u32 Spins> struct UrpcFutexBench {
    struct Ends {
        FutexBell* own;
        FutexBell* peer;
    };
    FutexBell bell[2];
    Ends ends[2] = {{&bell[0], &bell[1]}, {&bell[1], &bell[0]}};
    static void ring(void* c) { static_cast<Ends*>(c)->peer->ring(); }
    static void sleep(void* c) { static_cast<Ends*>(c)->own->sleep(); }
    UrpcBench urpc{Hooks{.notify = ring, .wait = sleep, .ctx = &ends[0]},
                   Hooks{.notify = ring, .wait = sleep, .ctx = &ends[1]}};
    void send(int d, u64 seq) {
        store_le64(urpc.payloads[d][0], seq);
        for (u32 tries = 0; !urpc.end[d].send(urpc.out[d][0]).ok();) {
            if (++tries < kGuestSpins) cpu_relax();
            else std::this_thread::yield(), tries = 0;
        }
    }
    u64 receive(int d) {
        while (!urpc.end[1 - d].wait(urpc.in[d][0], Spins).ok()) {}
        return load_le64(urpc.in[d][0].payload);
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

// A bare writer's frame, what a Channel reader takes with none of the Channel's work per
// message: a valid one-frame header for 40-byte messages of interface 1, type 1 (bare_header:
// encoded once, by encode_single), frame number `seq`, the payload's first word `first` and a
// zeroed rest.
u64 bare_header() {
    const u8 payload[kFramePayload] = {};
    u8 frame[kFrameBytes];
    encode_single({.interface = 1, .type = 1, .payload = payload, .length = kFramePayload}, 0, frame);
    return load_native<u64>(frame);
}
void put_bare_frame(u8* f, u64 header, u32 seq, u64 first) {
    store_native<u64>(f, header);
    store_native<u64>(f + 8, u64(seq));
    store_le64(f + field::kPayload, first);
    __builtin_memset(f + field::kPayload + 8, 0, kFramePayload - 8);
}

// Where a URPC round trip's time goes (beside the goal's line, not instead of it):
// LinePairBench is the least a one-way channel can move, one line per direction written only by
// its sender and reused for every message (the sender's count as its last word, the payload's
// first word the sequence number, read in place); RingRawBench is a URPC ring with nothing
// around it (UrpcWriter::claim/publish of a bare frame, put_bare_frame;
// UrpcReader::peek, the payload copied out, consume and ack_lazy), whose messages take a new
// slot, and so a new line, each. ring_raw over line_pair is what rotating through slots costs on
// this machine; urpc over ring_raw is what the Channel adds.
struct LinePairBench {
    struct alignas(64) Line {
        u64 payload[7];
        u64 count;
    };
    Alone<Line> line[2];
    Alone<u64> sent[2], taken[2]; // per direction: the sender's and the receiver's counts
    void send(int d, u64 seq) {
        line[d].v.payload[0] = seq;
        __atomic_store_n(&line[d].v.count, ++sent[d].v, __ATOMIC_RELEASE);
    }
    u64 receive(int d) {
        const u64 want = taken[d].v + 1;
        while (__atomic_load_n(&line[d].v.count, __ATOMIC_ACQUIRE) != want) cpu_relax();
        taken[d].v = want;
        return line[d].v.payload[0];
    }
};

struct RingRawBench {
    std::vector<UrpcSlot> ring[2] = {std::vector<UrpcSlot>(kQueueDepth + 1), std::vector<UrpcSlot>(kQueueDepth + 1)};
    Alone<UrpcWriter> writer[2]; // writer[d] and reader[d] are direction d's ends
    Alone<UrpcReader> reader[2];
    const u64 header = bare_header();
    RingRawBench() {
        for (int d = 0; d < 2; ++d) {
            (void)writer[d].v.init(ring[d].data(), kQueueDepth, false);
            (void)reader[d].v.init(ring[d].data(), kQueueDepth, false);
        }
    }
    void send(int d, u64 seq) {
        UrpcWriter& w = writer[d].v;
        while (!w.has_room()) cpu_relax();
        const UrpcWriter::Claim c = w.claim();
        put_bare_frame(c.slot->frame, header, u32(seq), seq);
        w.publish(c);
    }
    u64 receive(int d) {
        UrpcReader& r = reader[d].v;
        const u8* f;
        while (!(f = r.peek())) cpu_relax();
        u8 copy[kFramePayload];
        __builtin_memcpy(copy, f + field::kPayload, kFramePayload);
        asm volatile("" ::"r"(copy) : "memory");
        r.consume();
        r.ack_lazy();
        return load_le64(copy);
    }
};

struct BoostSpscBench {
    boost::lockfree::spsc_queue<Msg64, boost::lockfree::capacity<kQueueDepth>> q[2];
    Msg64 sent[2][kBatch] = {}, got[2][kBatch] = {}; // per direction, like UrpcBench's
    void send(int d, u64 seq) {
        Msg64 m{seq, {}};
        while (!q[d].push(m)) cpu_relax();
    }
    u64 receive(int d) {
        Msg64 m;
        while (!q[d].pop(m)) cpu_relax();
        return m.seq;
    }
    u32 send_many(int d, u64 first, u32 k) {
        for (u32 i = 0; i < k; ++i) sent[d][i].seq = first + i;
        return u32(q[d].push(sent[d], k));
    }
    u32 receive_many(int d, u64* seqs, u32 max) {
        u32 n = u32(q[d].pop(got[d], max));
        for (u32 i = 0; i < n; ++i) seqs[i] = got[d][i].seq;
        return n;
    }
};

// --parts: where batched URPC's time goes. One URPC ring whose writer and reader are each
// either the Channel (send_batch of 40-byte Outgoing messages / receive_batch into Messages,
// as urpc_batch) or bare: the ring's own batch calls with nothing around them (the writer
// puts bare frames, put_bare_frame, with UrpcWriter::fill_batch; the reader reads the
// payload's first word in place,
// UrpcReader::take_each, and checks nothing). Bare on both sides is the ring alone.
template <bool ChannelWriter, bool ChannelReader> struct UrpcPartsBench {
    std::vector<UrpcSlot> ring = std::vector<UrpcSlot>(kQueueDepth + 1);
    std::vector<UrpcSlot> unused[2] = {std::vector<UrpcSlot>(kQueueDepth + 1), std::vector<UrpcSlot>(kQueueDepth + 1)};
    Alone<Channel> tx, rx; // tx writes `ring`, rx reads it (their other rings stay unused)
    Alone<UrpcWriter> bare_tx;
    Alone<UrpcReader> bare_rx;
    Alone<u32> bare_seq; // the bare writer's frame numbers (what a Channel reader expects)
    const u64 header = bare_header();
    u8 payloads[kBatch][kFramePayload] = {};
    Outgoing out[kBatch];
    Message in[kBatch];
    UrpcPartsBench() {
        (void)tx.v.bind({.kind = TransportKind::Urpc, .tx_base = ring.data(), .tx_slots = kQueueDepth,
                         .rx_base = unused[0].data(), .rx_slots = kQueueDepth});
        (void)rx.v.bind({.kind = TransportKind::Urpc, .tx_base = unused[1].data(), .tx_slots = kQueueDepth,
                         .rx_base = ring.data(), .rx_slots = kQueueDepth});
        (void)bare_tx.v.init(ring.data(), kQueueDepth, false);
        (void)bare_rx.v.init(ring.data(), kQueueDepth, false);
        bare_seq.v = 0;
        for (u32 i = 0; i < kBatch; ++i)
            out[i] = {.interface = 1, .type = 1, .payload = payloads[i], .length = kFramePayload};
    }
    u32 send_many(int, u64 first, u32 k) {
        if constexpr (ChannelWriter) {
            for (u32 i = 0; i < k; ++i) store_le64(payloads[i], first + i);
            Result<u32> n = tx.v.send_batch(out, k);
            return n.ok() ? *n : 0;
        } else {
            UrpcWriter& w = bare_tx.v;
            k = min(k, w.space(k));
            if (k == 0) return 0;
            const u32 seq = bare_seq.v;
            const u64 h = header;
            u32 n = w.fill_batch(k, [&](u32 i, u8* f) {
                put_bare_frame(f, h, seq + i, first + i);
                return true;
            });
            bare_seq.v = seq + n;
            return n;
        }
    }
    u32 receive_many(int, u64* seqs, u32 max) {
        if constexpr (ChannelReader) {
            Result<u32> n = rx.v.receive_batch(in, max);
            if (!n.ok()) return 0;
            for (u32 i = 0; i < *n; ++i) seqs[i] = load_le64(in[i].payload);
            return *n;
        } else {
            UrpcReader& r = bare_rx.v;
            u32 k = 0;
            r.take_each(max, [&](const u8* f) {
                seqs[k++] = load_le64(f + field::kPayload);
                return true;
            });
            if (k < max) r.ack();
            else r.ack_lazy();
            return k;
        }
    }
    void send(int d, u64 seq) {
        while (send_many(d, seq, 1) == 0) cpu_relax();
    }
    u64 receive(int d) {
        u64 seq;
        while (receive_many(d, &seq, 1) == 0) cpu_relax();
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

// One repetition's figures of one transport in one placement (0: not measured).
struct Sample {
    double rt_median_ns = 0, rt_p99_ns = 0, msgs_per_s = 0;
    u64 samples = 0, errors = 0;
};

// Round trips: A (CPU 0) sends and waits for the echo from B (CPU 1), timing each one.
template <typename T> void round_trip(T& t, double tick_ns, Sample& f) {
    std::vector<u64> ticks;
    ticks.reserve(kMaxSamples);
    u64 errors = 0;
    std::thread echo([&] {
        place(1);
        for (u64 s; (s = t.receive(0)) != kStop;) t.send(1, s);
        t.send(1, kStop);
    });
    place(0);
    auto end = Clock::now() + std::chrono::duration<double>(kRoundTripSeconds);
    for (u64 i = 0; i < kWarmup + kMaxSamples; ++i) {
        u64 c0 = read_cycle_counter();
        t.send(0, i);
        errors += t.receive(1) != i;
        u64 c1 = read_cycle_counter();
        if (i >= kWarmup) ticks.push_back(c1 - c0);
        if ((i & 63) == 0 && Clock::now() > end) break;
    }
    t.send(0, kStop);
    (void)t.receive(1);
    echo.join();
    std::sort(ticks.begin(), ticks.end());
    f.samples = ticks.size();
    if (!ticks.empty()) {
        f.rt_median_ns = double(ticks[ticks.size() / 2]) * tick_ns;
        f.rt_p99_ns = double(ticks[ticks.size() * 99 / 100]) * tick_ns;
    }
    f.errors += errors;
}

// Streams from A (this thread, CPU 0) to B (a thread on CPU 1) for kThroughputSeconds:
// receive(n, bad) takes messages on B until kStop, counting them and those out of order;
// send(end) sends from A until the clock passes end; then kStop, and the rate B saw.
template <typename T, typename Receive, typename Send> void stream(T& t, Sample& f, Receive receive, Send send) {
    u64 received = 0, errors = 0;
    Clock::time_point last;
    std::thread sink([&] {
        place(1);
        u64 n = 0, bad = 0;
        receive(n, bad);
        last = Clock::now();
        received = n;
        errors = bad;
    });
    place(0);
    auto start = Clock::now();
    send(start + std::chrono::duration<double>(kThroughputSeconds));
    t.send(0, kStop);
    sink.join();
    f.msgs_per_s = double(received) / std::chrono::duration<double>(last - start).count();
    f.errors += errors;
}

// Throughput, one message per call: A streams to B for a fixed time; B checks the order.
template <typename T> void throughput(T& t, Sample& f) {
    stream(
        t, f, [&](u64& n, u64& bad) { for (u64 s; (s = t.receive(0)) != kStop; ++n) bad += s != n; },
        [&](auto end) {
            for (u64 i = 0;; ++i) {
                t.send(0, i);
                if ((i & 1023) == 0 && Clock::now() > end) break;
            }
        });
}

// Throughput, up to kBatch messages per call on both sides, spinning when a call moves none.
template <typename T> void throughput_batched(T& t, Sample& f) {
    stream(
        t, f,
        [&](u64& n, u64& bad) {
            u64 seqs[kBatch];
            for (bool stop = false; !stop;) {
                u32 k = t.receive_many(0, seqs, kBatch);
                if (k == 0) cpu_relax();
                for (u32 i = 0; i < k; ++i, ++n) {
                    if (seqs[i] == kStop) {
                        stop = true;
                        break;
                    }
                    bad += seqs[i] != n;
                }
            }
        },
        [&](auto end) {
            for (u64 i = 0, calls = 0;; ++calls) {
                u32 k = t.send_many(0, i, kBatch);
                if (k == 0) cpu_relax();
                i += k;
                if ((calls & 255) == 0 && Clock::now() > end) break;
            }
        });
}

enum Measure { RoundTrip = 1, Throughput = 2, Batched = 4 };

template <typename T> Sample measure(double tick_ns, int what) {
    Sample f;
    if (what & RoundTrip) {
        auto t = std::make_unique<T>();
        round_trip(*t, tick_ns, f);
    }
    if (what & Throughput) {
        auto t = std::make_unique<T>();
        throughput(*t, f);
    }
    if constexpr (requires(T & t, u64* s) { t.receive_many(0, s, 1u); }) {
        if (what & Batched) {
            auto t = std::make_unique<T>();
            throughput_batched(*t, f);
        }
    }
    return f;
}

// ---- Bulk transfer ----

// Buffers in the pool: at least 8, and up to 16 as long as they hold at most 256 KiB, so that
// the buffers in flight cover a cross-core round trip also for small buffers (with 8 the
// giver of 4 or 16 KiB buffers waits for returns: a pool below its bandwidth-delay product).
// Half are given per batch.
constexpr u32 kBulkMinBuffers = 8, kBulkMaxBuffers = 16, kBulkPoolBytes = 256u << 10;
constexpr u32 bulk_buffers(u32 size) { return min(kBulkMaxBuffers, max(kBulkMinBuffers, kBulkPoolBytes / size)); }
static_assert(kBulkMaxBuffers / 2 <= kBulkMaxBatch);
const u32 kBulkSizes[] = {4u << 10, 16u << 10, 64u << 10, 256u << 10, 1u << 20};

// The bytes are set and then handed to an empty asm that may read and write any memory, so
// that the compiler cannot know them: while it knew that a source held only ones, clang
// compiled memcpy_bandwidth's and raw_read_throughput's memcpy from it into a memset of ones
// (a store-only loop, about 1.7x memcpy's speed at 1 MiB), and the limits they report were
// not copies (the handover's giver, whose source escapes to the reader thread, copied).
struct AlignedBytes {
    explicit AlignedBytes(size_t n) : p(static_cast<u8*>(std::aligned_alloc(4096, n))), n(n) {
        memset(p, 1, n);
        asm volatile("" ::"r"(p) : "memory");
    }
    ~AlignedBytes() { std::free(p); }
    u8* p;
    size_t n;
};

// Reads every byte in place, as a consumer of the data would (summed in u64 words).
u64 read_all(const u8* p, u32 n) {
    u64 sum = 0;
    for (u32 i = 0; i < n; i += 8) {
        u64 w;
        memcpy(&w, p + i, 8);
        sum += w;
    }
    return sum;
}

// memcpy bandwidth on one core: the source copied into the pool's buffers in turn (the
// same bytes and buffers the bulk path fills), bytes per second.
double memcpy_bandwidth(u32 size) {
    const u32 buffers = bulk_buffers(size);
    AlignedBytes src(size), region(size_t(buffers) * size);
    place(0);
    u64 bytes = 0;
    auto start = Clock::now();
    for (u32 i = 0; seconds_since(start) < kBulkSeconds; ++i) {
        memcpy(region.p + size_t(i % buffers) * size, src.p, size);
        asm volatile("" ::"r"(region.p) : "memory");
        bytes += size;
    }
    return double(bytes) / seconds_since(start);
}

struct BulkEnds {
    Alone<BulkPool> pool;
    Alone<BulkPeer> peer;
    Alone<std::atomic<bool>> done;
};

// The bulk path: CPU 0 takes free buffers (up to half the pool), copies the payload into each
// and gives them over URPC with one give_batch; CPU 1 accepts what arrived in one
// receive_batch and gives it back with one give_back_batch, reading every byte in place
// first if `read` (otherwise it takes ownership and reads none: the handover alone).
// Bytes per second.
double bulk_throughput(u32 size, bool read, u64& errors) {
    const u32 buffers = bulk_buffers(size), batch = buffers / 2;
    AlignedBytes src(size), region(size_t(buffers) * size);
    auto ch = std::make_unique<UrpcBench>();
    // Each end's table in lines of its own, as two cores' private memory would be (side by
    // side on the giver's stack, the peer's table shared lines with the pool's free list),
    // and the flag the reader polls whenever its ring is empty alone too: on the giver's
    // stack among its locals, every poll pulled that line over and the giver's next store
    // to it waited for the line to come back, the copies' stores queued behind (stores
    // leave in order): the giver's 4 KiB copies slowed down one after another within a
    // round (from ~300 to 700-1,000 TSC ticks); with the flag alone they take as long as
    // memcpy_bandwidth's (~260).
    auto ends = std::make_unique<BulkEnds>();
    BulkPool& pool = ends->pool.v;
    BulkPeer& peer = ends->peer.v;
    if (!pool.init(region.p, buffers, size).ok() || !peer.init(region.p, buffers, size).ok()) {
        ++errors;
        return 0;
    }
    std::atomic<bool>& done = ends->done.v; // polled by the reader whenever its ring is empty
    u64 delivered = 0, reader_errors = 0; // written by the reader once, when it ends
    std::thread reader([&] {
        place(1);
        // The counts live in the reader's own frame while it runs: stored per buffer into
        // `delivered` on the giver's stack, they shared a line with the giver's locals
        // and pulled it across at every buffer (4 KiB handover 0.3x or 0.6x memcpy).
        u64 sum = 0, bytes = 0, bad = 0;
        Message ms[kBulkMaxBatch];
        BulkBuffer held[kBulkMaxBatch];
        for (;;) {
            // At most as many messages as give_back_batch can answer in one call.
            Result<u32> got = ch->end[1].receive_batch(ms, kBulkMaxBatch / kBulkGivesPerMessage);
            if (!got.ok()) {
                if (done.load(std::memory_order_acquire)) break;
                cpu_relax();
                continue;
            }
            u32 n = 0;
            for (u32 i = 0; i < *got; ++i) {
                BulkBuffer two[kBulkGivesPerMessage];
                Result<u32> k = peer.accept_all(ms[i], two);
                if (!k.ok()) {
                    ++bad;
                    continue;
                }
                for (u32 j = 0; j < *k; ++j) {
                    if (read) sum += read_all(peer.data(two[j]).value() + two[j].offset, two[j].length);
                    bytes += two[j].length;
                    held[n++] = two[j];
                }
            }
            for (u32 back = 0; back < n;) {
                Result<u32> k = peer.give_back_batch(ch->end[1], held + back, n - back);
                if (k.ok()) back += *k;
                else cpu_relax();
            }
        }
        asm volatile("" ::"r"(sum));
        delivered = bytes;
        reader_errors = bad;
    });
    place(0);
    Message m;
    auto start = Clock::now();
    Message ms[kBulkMaxBatch];
    while (seconds_since(start) < kBulkSeconds) {
        if (Result<u32> got = ch->end[0].receive_batch(ms, kBulkMaxBatch); got.ok())
            for (u32 i = 0; i < *got; ++i) errors += !pool.take_back(ms[i]).ok();
        BulkBuffer bs[kBulkMaxBuffers / 2];
        u32 n = 0;
        for (; n < batch; ++n) {
            Result<BulkBuffer> b = pool.alloc();
            if (!b.ok()) break;
            memcpy(pool.data(*b).value(), src.p, size);
            bs[n] = *b;
            bs[n].offset = 0;
            bs[n].length = size;
        }
        if (n == 0) {
            cpu_relax();
            continue;
        }
        for (u32 given = 0; given < n;) {
            Result<u32> k = pool.give_batch(ch->end[0], bs + given, n - given);
            if (k.ok()) given += *k;
            else cpu_relax();
        }
    }
    // Every buffer given is back (so read, if reading) before the clock stops; one that
    // is not back within a second is counted as an error rather than waited for.
    auto last = Clock::now();
    while (pool.free_count() < buffers && seconds_since(last) < 1.0)
        if (ch->end[0].poll(m).ok()) errors += !pool.take_back(m).ok();
    errors += buffers - pool.free_count();
    double secs = seconds_since(start);
    done.store(true, std::memory_order_release);
    reader.join();
    errors += reader_errors;
    return double(delivered) / secs;
}

// The limit of filling on one core and reading in place on the other, without the pool or
// URPC: the same buffers, each with a flag the writer sets and the reader clears.
double raw_read_throughput(u32 size) {
    const u32 buffers = bulk_buffers(size);
    AlignedBytes src(size), region(size_t(buffers) * size);
    struct alignas(64) Flag {
        std::atomic<u32> full{0};
    };
    std::vector<Flag> flags(buffers);
    auto stop = std::make_unique<Alone<std::atomic<bool>>>(); // polled by the reader, alone in its lines
    std::atomic<bool>& done = stop->v;
    u64 delivered = 0; // written by the reader once, when it ends (see bulk_throughput)
    std::thread reader([&] {
        place(1);
        u64 sum = 0, bytes = 0;
        for (u32 i = 0;; i = (i + 1) % buffers) {
            while (!flags[i].full.load(std::memory_order_acquire)) {
                if (done.load(std::memory_order_acquire)) {
                    asm volatile("" ::"r"(sum));
                    delivered = bytes;
                    return;
                }
                cpu_relax();
            }
            sum += read_all(region.p + size_t(i) * size, size);
            bytes += size;
            flags[i].full.store(0, std::memory_order_release);
        }
    });
    place(0);
    auto start = Clock::now();
    for (u32 i = 0; seconds_since(start) < kBulkSeconds; i = (i + 1) % buffers) {
        while (flags[i].full.load(std::memory_order_acquire)) cpu_relax();
        memcpy(region.p + size_t(i) * size, src.p, size);
        flags[i].full.store(1, std::memory_order_release);
    }
    for (Flag& f : flags)
        while (f.full.load(std::memory_order_acquire)) cpu_relax();
    double secs = seconds_since(start);
    done.store(true, std::memory_order_release);
    reader.join();
    return double(delivered) / secs;
}

// Without the pool: the same bytes copied through URPC slots as 480-byte messages (twelve
// frames each), sent in batches and copied out of the messages on the other core.
double slot_copy_throughput(u32 size, u64& errors) {
    AlignedBytes src(size), dst(size);
    auto ch = std::make_unique<UrpcBench>();
    constexpr u32 kChunk = kMaxPayload;
    const u32 chunks = (size + kChunk - 1) / kChunk;
    // What the reader writes and the giver polls, and the flag the reader polls, each alone
    // in its lines (on the giver's stack they shared lines with its locals).
    struct Shared {
        Alone<std::atomic<bool>> done;
        Alone<std::atomic<u64>> delivered;
    };
    auto shared = std::make_unique<Shared>();
    std::atomic<bool>& done = shared->done.v;
    std::atomic<u64>& delivered = shared->delivered.v;
    std::thread reader([&] {
        place(1);
        static Message in[kBatch];
        u32 next = 0;
        for (;;) {
            Result<u32> n = ch->end[1].receive_batch(in, kBatch);
            if (!n.ok()) {
                if (done.load(std::memory_order_acquire)) break;
                cpu_relax();
                continue;
            }
            for (u32 i = 0; i < *n; ++i) {
                memcpy(dst.p + size_t(next) * kChunk, in[i].payload, in[i].length);
                delivered.fetch_add(in[i].length, std::memory_order_relaxed);
                next = next + 1 == chunks ? 0 : next + 1;
            }
        }
        asm volatile("" ::"r"(dst.p) : "memory");
    });
    place(0);
    Outgoing out[kBatch];
    auto start = Clock::now();
    u64 sent = 0;
    for (u32 next = 0; seconds_since(start) < kBulkSeconds;) {
        u32 k = 0;
        for (u32 c = next; k < kBatch && k < chunks; ++k, c = c + 1 == chunks ? 0 : c + 1)
            out[k] = {.interface = 1, .type = 1, .payload = src.p + size_t(c) * kChunk,
                      .length = u16(min<u32>(kChunk, size - c * kChunk))};
        Result<u32> n = ch->end[0].send_batch(out, k);
        if (!n.ok()) {
            cpu_relax();
            continue;
        }
        for (u32 i = 0; i < *n; ++i) sent += out[i].length;
        next = (next + *n) % chunks;
    }
    while (delivered.load(std::memory_order_relaxed) < sent) cpu_relax(); // the last batches land
    double secs = seconds_since(start);
    done.store(true, std::memory_order_release);
    reader.join();
    errors += delivered != sent;
    return double(sent) / secs;
}

// ---- Collection and report ----

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// a[i] / b[i] for each repetition that measured both: ratios of figures of the same
// repetition, measured back to back.
std::vector<double> paired_ratios(const std::vector<double>& a, const std::vector<double>& b) {
    std::vector<double> v;
    for (size_t i = 0; i < a.size() && i < b.size(); ++i)
        if (a[i] > 0 && b[i] > 0) v.push_back(a[i] / b[i]);
    return v;
}
double paired_median(const std::vector<double>& a, const std::vector<double>& b) { return median(paired_ratios(a, b)); }

// A goal's ratio: the median of the per-repetition ratios, and their lowest and highest (how
// far one repetition can stray on a shared machine, reported beside the median it judges).
struct Spread {
    double median = 0, lo = 0, hi = 0;
};

// Every repetition of one row (transport, in one placement and group).
struct Row {
    std::string placement, group, name;
    std::vector<Sample> reps;
    double rt() const { return med([](const Sample& s) { return s.rt_median_ns; }); }
    double p99() const { return med([](const Sample& s) { return s.rt_p99_ns; }); }
    double tput() const { return med([](const Sample& s) { return s.msgs_per_s; }); }
    u64 errors() const {
        u64 e = 0;
        for (const Sample& s : reps) e += s.errors;
        return e;
    }
    template <typename F> double med(F f) const {
        std::vector<double> v;
        for (const Sample& s : reps)
            if (f(s) > 0) v.push_back(f(s));
        return median(v);
    }
};

struct Results {
    std::vector<Row> rows;
    std::map<u32, std::vector<double>> bulk, bulk_read, raw_read, memcpy_bw, slot_copy;
    u64 bulk_errors = 0;
    std::string bulk_placement = "pinned";
    Row& row(const std::string& placement, const std::string& group, const std::string& name) {
        for (Row& r : rows)
            if (r.placement == placement && r.group == group && r.name == name) return r;
        rows.push_back({placement, group, name, {}});
        return rows.back();
    }
    const Row* find(const std::string& placement, const std::string& name) const {
        for (const Row& r : rows)
            if (r.placement == placement && r.name == name) return &r;
        return nullptr;
    }
    // a over b: the median of the ratios of each repetition, whose two figures were measured
    // back to back (one_repetition), so that both saw the same moment of a shared machine
    // (where the hypervisor puts the two vCPUs changes the cost of a cache-line transfer
    // several times over, from one second to the next).
    double ratio(const std::string& placement, const std::string& a, const std::string& b, bool rt) const {
        return spread(placement, a, b, rt).median;
    }
    // The same ratio with the lowest and highest of the per-repetition ratios beside it.
    Spread spread(const std::string& placement, const std::string& a, const std::string& b, bool rt) const {
        const Row *x = find(placement, a), *y = find(placement, b);
        if (!x || !y) return {};
        auto figures = [rt](const Row& r) {
            std::vector<double> v;
            for (const Sample& s : r.reps) v.push_back(rt ? s.rt_median_ns : s.msgs_per_s);
            return v;
        };
        std::vector<double> v = paired_ratios(figures(*x), figures(*y));
        if (v.empty()) return {};
        auto [lo, hi] = std::minmax_element(v.begin(), v.end());
        return {median(v), *lo, *hi};
    }
};

void one_repetition(Results& res, double tick_ns, const char* placement, int rep) {
    auto add = [&](const char* group, const char* name, auto measure_it) {
        if (selected(name)) res.row(placement, group, name).reps.push_back(measure_it());
    };
    // Spinning: both sides poll and never sleep. The pairs the goals compare run back to
    // back (cacheline and urpc round trips, the two batched streams), the list forwards in
    // even repetitions and backwards in odd ones (ABBA), so that a drift within a pair
    // favours neither; urpc measures its round trips on the side next to the line's.
    const bool forward = rep % 2 == 0;
    struct Step {
        const char* name;
        std::function<Sample()> measure_it;
    };
    const Step spinning[] = {
        {"line_pair", [&] { return measure<LinePairBench>(tick_ns, RoundTrip); }},
        {"ring_raw", [&] { return measure<RingRawBench>(tick_ns, RoundTrip); }},
        {"cacheline", [&] { return measure<CachelineBench>(tick_ns, RoundTrip); }},
        {"urpc",
         [&] {
             Sample first = measure<UrpcBench>(tick_ns, forward ? RoundTrip : Throughput);
             Sample second = measure<UrpcBench>(tick_ns, forward ? Throughput : RoundTrip);
             Sample& r = forward ? first : second;
             r.msgs_per_s = (forward ? second : first).msgs_per_s;
             r.errors = first.errors + second.errors;
             return r;
         }},
        {"boost_spsc", [&] { return measure<BoostSpscBench>(tick_ns, RoundTrip | Throughput); }},
        {"boost_spsc_batch", [&] { return measure<BoostSpscBench>(tick_ns, Batched); }},
        {"urpc_batch", [&] { return measure<UrpcBench>(tick_ns, Batched); }},
    };
    constexpr u32 kSteps = sizeof spinning / sizeof spinning[0];
    for (u32 i = 0; i < kSteps; ++i) {
        const Step& step = spinning[forward ? i : kSteps - 1 - i];
        add("spinning", step.name, step.measure_it);
    }
    // Blocking: a reader with nothing to read sleeps in the kernel until woken.
    add("blocking", "urpc_futex", [&] { return measure<UrpcFutexBench<kGuestSpins>>(tick_ns, RoundTrip | Throughput); });
    add("blocking", "urpc_futex_nospin", [&] { return measure<UrpcFutexBench<0>>(tick_ns, RoundTrip | Throughput); });
    add("blocking", "pipe", [&] { return measure<PipeBench>(tick_ns, RoundTrip | Throughput); });
    add("blocking", "eventfd", [&] { return measure<EventfdBench>(tick_ns, RoundTrip | Throughput); });
    add("blocking", "futex_queue", [&] { return measure<FutexQueueBench>(tick_ns, RoundTrip | Throughput); });
}

// --parts: boost's batched stream and the four writer/reader combinations, every one in every
// repetition, the list forwards in even repetitions and backwards in odd ones.
struct Part {
    const char* name;
    const char* writer;
    const char* reader;
};
const Part kParts[] = {{"boost_spsc_batch", "boost", "boost"},
                       {"channel_both", "Channel", "Channel"},
                       {"bare_writer", "bare", "Channel"},
                       {"bare_reader", "Channel", "bare"},
                       {"ring_alone", "bare", "bare"}};
void parts_repetition(Results& res, double tick_ns, const char* placement, int rep) {
    std::function<Sample()> measure_it[] = {
        [&] { return measure<BoostSpscBench>(tick_ns, Batched); },
        [&] { return measure<UrpcPartsBench<true, true>>(tick_ns, Batched); },
        [&] { return measure<UrpcPartsBench<false, true>>(tick_ns, Batched); },
        [&] { return measure<UrpcPartsBench<true, false>>(tick_ns, Batched); },
        [&] { return measure<UrpcPartsBench<false, false>>(tick_ns, Batched); },
    };
    constexpr u32 n = sizeof kParts / sizeof kParts[0];
    for (u32 i = 0; i < n; ++i) {
        u32 j = rep % 2 == 0 ? i : n - 1 - i;
        res.row(placement, "parts", kParts[j].name).reps.push_back(measure_it[j]());
    }
}

void print_parts(const Results& r, const std::vector<std::string>& placements) {
    print_host();
    std::printf("%d repetitions; batched streams of 64-byte messages, %u per call, %u-deep rings: boost spsc's array\n"
                "push and pop, and one URPC ring whose writer and reader are each the Channel (send_batch,\n"
                "receive_batch: urpc_batch) or bare (the ring's batch calls alone: a fixed header, no checks,\n"
                "the payload's first word read in place); each row's figure over boost's, the median of\n"
                "per-repetition ratios with their lowest and highest\n",
                g_reps, kBatch, kQueueDepth);
    for (const std::string& pl : placements) {
        std::printf("\n%s       writer    reader    throughput (msgs/s)   /boost_spsc_batch\n", pl.c_str());
        for (const Part& part : kParts) {
            const Row* row = r.find(pl, part.name);
            if (!row) continue;
            std::printf("  %-18s %-9s %-9s %12.3g", part.name, part.writer, part.reader, row->tput());
            if (&part != &kParts[0]) { // each over boost's, the first
                Spread x = r.spread(pl, part.name, kParts[0].name, false);
                std::printf("   %.2fx (%.2fx-%.2fx)", x.median, x.lo, x.hi);
            }
            std::printf("%s\n", row->errors() ? "  ERRORS" : "");
        }
    }
}

// Each size's compared pairs (memcpy and handover, read and raw read) back to back, in turn
// first and second over the repetitions (ABBA).
void bulk_repetition(Results& res, int rep) {
    if (!selected("bulk")) return;
    for (u32 size : kBulkSizes) {
        auto pair = [rep](auto a, auto b) { // a then b in even repetitions, b then a in odd ones
            if (rep % 2 == 0) a(), b();
            else b(), a();
        };
        pair([&] { res.memcpy_bw[size].push_back(memcpy_bandwidth(size)); },
             [&] { res.bulk[size].push_back(bulk_throughput(size, false, res.bulk_errors)); });
        pair([&] { res.bulk_read[size].push_back(bulk_throughput(size, true, res.bulk_errors)); },
             [&] { res.raw_read[size].push_back(raw_read_throughput(size)); });
        res.slot_copy[size].push_back(slot_copy_throughput(size, res.bulk_errors));
    }
}

// A goal's verdict; the goals are medians of at least 5 repetitions, so a shorter run
// (--reps) judges none.
const char* met(bool ok) {
    if (g_reps < 5) return "not judged, fewer than 5 repetitions";
    return ok ? "met" : "not met";
}

// The ratios the issue sets goals for, and the fair comparisons beside them.
struct Ratios {
    Spread rt_spread, batch_spread; // the two spinning goals' ratios, with their spread
    double pair_vs_line, ring_vs_pair, urpc_vs_ring; // where a round trip's time goes
    double rt_vs_line, tput_vs_spsc, batch_vs_spsc_batch, batch_vs_spsc, block_rt_vs_best, block_tput_vs_best,
        nospin_rt_vs_best, bulk_vs_memcpy_min, bulk_read_vs_raw_min;
    const char* best_rt;
    const char* best_tput;
};

Ratios ratios(const Results& r, const std::string& pl) {
    Ratios x{};
    x.rt_spread = r.spread(pl, "urpc", "cacheline", true);
    x.batch_spread = r.spread(pl, "urpc_batch", "boost_spsc_batch", false);
    x.rt_vs_line = x.rt_spread.median;
    x.pair_vs_line = r.ratio(pl, "line_pair", "cacheline", true);
    x.ring_vs_pair = r.ratio(pl, "ring_raw", "line_pair", true);
    x.urpc_vs_ring = r.ratio(pl, "urpc", "ring_raw", true);
    x.tput_vs_spsc = r.ratio(pl, "urpc", "boost_spsc", false);
    x.batch_vs_spsc_batch = x.batch_spread.median;
    x.batch_vs_spsc = r.ratio(pl, "urpc_batch", "boost_spsc", false);
    // The best blocking baseline: the lowest round trip, the highest throughput.
    double best_rt = 0, best_tput = 0;
    x.best_rt = x.best_tput = "";
    for (const char* b : {"pipe", "eventfd", "futex_queue"}) {
        const Row* row = r.find(pl, b);
        if (!row) continue;
        if (best_rt == 0 || row->rt() < best_rt) best_rt = row->rt(), x.best_rt = b;
        if (row->tput() > best_tput) best_tput = row->tput(), x.best_tput = b;
    }
    const Row *u = r.find(pl, "urpc_futex"), *n = r.find(pl, "urpc_futex_nospin");
    if (u && best_rt > 0) x.block_rt_vs_best = best_rt / u->rt();
    if (u && best_tput > 0) x.block_tput_vs_best = u->tput() / best_tput;
    if (n && best_rt > 0) x.nospin_rt_vs_best = best_rt / n->rt();
    x.bulk_vs_memcpy_min = 1e9;
    x.bulk_read_vs_raw_min = 1e9;
    for (auto& [size, v] : r.bulk) {
        x.bulk_vs_memcpy_min = std::min(x.bulk_vs_memcpy_min, paired_median(v, r.memcpy_bw.at(size)));
        x.bulk_read_vs_raw_min = std::min(x.bulk_read_vs_raw_min, paired_median(r.bulk_read.at(size), r.raw_read.at(size)));
    }
    return x;
}

void print_table(const Results& r, const std::vector<std::string>& placements) {
    print_host();
    std::printf("%d repetitions, each figure their median, the spinning ratios medians of per-repetition ratios of\n"
                "figures measured back to back; %u-deep queues, batches of %u; blocking URPC polls %u "
                "times before it sleeps (the guests' policy)\n",
                g_reps, kQueueDepth, kBatch, kGuestSpins);
    for (const std::string& pl : placements) {
        std::printf("\n%s         transport          round trip   p99          throughput (msgs/s)\n", pl.c_str());
        for (const Row& row : r.rows) {
            if (row.placement != pl) continue;
            char rt[32] = "-", p99[32] = "-", tp[32] = "-";
            if (row.rt() > 0) std::snprintf(rt, sizeof rt, "%.0f ns", row.rt()), std::snprintf(p99, sizeof p99, "%.0f ns", row.p99());
            if (row.tput() > 0) std::snprintf(tp, sizeof tp, "%.3g", row.tput());
            std::printf("  %-9s %-18s %12s %12s %14s%s\n", row.group.c_str(), row.name.c_str(), rt, p99, tp,
                        row.errors() ? "  ERRORS" : "");
        }
        Ratios x = ratios(r, pl);
        // A ratio is 0 when --only left out one of its two rows: such lines are not printed.
        if (x.rt_vs_line > 0)
            std::printf("  urpc/cacheline round trip         %.2fx (goal <= 1.3x: %s; repetitions %.2fx-%.2fx)\n", x.rt_vs_line,
                        met(x.rt_vs_line <= 1.3), x.rt_spread.lo, x.rt_spread.hi);
        if (x.ring_vs_pair > 0 && x.urpc_vs_ring > 0)
            std::printf("  round trip, where it goes: line_pair/cacheline %.2fx, ring_raw/line_pair %.2fx (a new slot and\n"
                        "  line per message), urpc/ring_raw %.2fx (the Channel's work)\n",
                        x.pair_vs_line, x.ring_vs_pair, x.urpc_vs_ring);
        if (x.batch_vs_spsc_batch > 0)
            std::printf("  urpc_batch/boost_spsc_batch tput  %.2fx (goal >= 1x, batched against batched: %s; repetitions "
                        "%.2fx-%.2fx)\n",
                        x.batch_vs_spsc_batch, met(x.batch_vs_spsc_batch >= 1), x.batch_spread.lo, x.batch_spread.hi);
        if (x.batch_vs_spsc > 0)
            std::printf("  urpc_batch/boost_spsc tput        %.2fx (batched URPC against one-element pushes)\n", x.batch_vs_spsc);
        if (x.tput_vs_spsc > 0)
            std::printf("  urpc/boost_spsc tput              %.2fx (one message per call on both)\n", x.tput_vs_spsc);
        if (x.block_rt_vs_best > 0)
            std::printf("  blocking: %s/urpc_futex round trip %.1fx, urpc_futex/%s throughput %.2fx\n", x.best_rt,
                        x.block_rt_vs_best, x.best_tput, x.block_tput_vs_best);
        if (x.nospin_rt_vs_best > 0)
            std::printf("  blocking: %s/urpc_futex_nospin round trip %.1fx\n", x.best_rt, x.nospin_rt_vs_best);
    }
    std::printf("(cacheline is one line and no queue: it has no throughput figure; the machine is shared, so\n"
                " figures move between runs)\n");
    if (r.bulk.empty()) return;
    std::printf("\nbulk, bytes/s (%s; pools of %u to %u buffers, 256 KiB where that allows, half given per batch):\n"
                "handover = filled on CPU 0, given, taken on CPU 1 and given back, read = the same with every byte\n"
                "read in place on CPU 1, raw read = that without pool or URPC; memcpy into the same buffers; the\n"
                "ratios are medians of per-repetition ratios of figures measured back to back\n",
                r.bulk_placement.c_str(), kBulkMinBuffers, kBulkMaxBuffers);
    std::printf("  size   buffers    memcpy    handover  /memcpy      read  raw read  read/raw  URPC slots\n");
    for (u32 size : kBulkSizes) {
        double m = median(r.memcpy_bw.at(size)), b = median(r.bulk.at(size)), rd = median(r.bulk_read.at(size)),
               raw = median(r.raw_read.at(size)), sc = median(r.slot_copy.at(size));
        std::printf("  %4u KiB %5u %11.3g %11.3g %7.2fx %9.3g %9.3g %8.2fx %11.3g\n", size >> 10, bulk_buffers(size), m,
                    b, paired_median(r.bulk.at(size), r.memcpy_bw.at(size)), rd, raw,
                    paired_median(r.bulk_read.at(size), r.raw_read.at(size)), sc);
    }
    Ratios x = ratios(r, placements.front());
    std::printf("  lowest handover/memcpy %.2fx (goal >= 0.5x: %s); lowest read/raw read %.2fx%s\n", x.bulk_vs_memcpy_min,
                met(x.bulk_vs_memcpy_min >= 0.5), x.bulk_read_vs_raw_min, r.bulk_errors ? "  ERRORS" : "");
}

void print_json(FILE* out, const Results& r, const std::vector<std::string>& placements, double tick_ns) {
    const HostCpu& cpu = host_cpu();
    std::fprintf(out, "{\"config\": {\"repetitions\": %d, \"queue_depth\": %u, \"batch\": %u, \"guest_spins\": %u, "
                "\"cpus\": %d, \"ns_per_tick\": %.4f, \"cpu_model\": \"%s\", \"hypervisor\": %s},\n",
                g_reps, kQueueDepth, kBatch, kGuestSpins, CPU_COUNT(&g_all_cpus), tick_ns, cpu.model.c_str(),
                cpu.hypervisor ? "true" : "false");
    for (const std::string& pl : placements) {
        std::fprintf(out, " \"%s\": {", pl.c_str());
        bool first = true;
        for (const Row& row : r.rows) {
            if (row.placement != pl) continue;
            std::fprintf(out, "%s\n  \"%s\": {\"group\": \"%s\", \"round_trip_ns\": %.1f, \"round_trip_p99_ns\": %.1f, "
                        "\"throughput_msgs_per_s\": %.0f, \"errors\": %llu}",
                        first ? "" : ",", row.name.c_str(), row.group.c_str(), row.rt(), row.p99(), row.tput(),
                        (unsigned long long)row.errors());
            first = false;
        }
        Ratios x = ratios(r, pl);
        std::fprintf(out, "%s\n  \"ratios\": {\"urpc_over_cacheline_round_trip\": %.3f, "
                    "\"urpc_over_cacheline_round_trip_range\": [%.3f, %.3f], "
                    "\"line_pair_over_cacheline_round_trip\": %.3f, \"ring_raw_over_line_pair_round_trip\": %.3f, "
                    "\"urpc_over_ring_raw_round_trip\": %.3f, "
                    "\"urpc_batch_over_boost_spsc_batch_throughput\": %.3f, "
                    "\"urpc_batch_over_boost_spsc_batch_throughput_range\": [%.3f, %.3f], "
                    "\"urpc_batch_over_boost_spsc_throughput\": %.3f, \"urpc_over_boost_spsc_throughput\": %.3f, "
                    "\"best_blocking_baseline_over_urpc_futex_round_trip\": %.2f, "
                    "\"urpc_futex_over_best_blocking_baseline_throughput\": %.3f, "
                    "\"best_blocking_baseline_over_urpc_futex_nospin_round_trip\": %.2f, "
                    "\"best_blocking_round_trip\": \"%s\", \"best_blocking_throughput\": \"%s\"}},\n",
                    first ? "" : ",", x.rt_vs_line, x.rt_spread.lo, x.rt_spread.hi, x.pair_vs_line, x.ring_vs_pair,
                    x.urpc_vs_ring, x.batch_vs_spsc_batch, x.batch_spread.lo,
                    x.batch_spread.hi, x.batch_vs_spsc, x.tput_vs_spsc, x.block_rt_vs_best,
                    x.block_tput_vs_best, x.nospin_rt_vs_best, x.best_rt, x.best_tput);
    }
    if (r.bulk.empty()) {
        std::fprintf(out, " \"bulk\": {}}\n");
        return;
    }
    std::fprintf(out, " \"bulk\": {\"placement\": \"%s\", \"errors\": %llu, \"buffers\": [",
                r.bulk_placement.c_str(), (unsigned long long)r.bulk_errors);
    const char* sep = "";
    for (u32 size : kBulkSizes) std::fprintf(out, "%s%u", sep, bulk_buffers(size)), sep = ", ";
    std::fprintf(out, "], \"sizes\": [");
    sep = "";
    for (u32 size : kBulkSizes) std::fprintf(out, "%s%u", sep, size), sep = ", ";
    auto series = [&](const char* name, const std::map<u32, std::vector<double>>& m, bool last) {
        std::fprintf(out, "], \"%s\": [", name);
        const char* s = "";
        for (u32 size : kBulkSizes) std::fprintf(out, "%s%.0f", s, median(m.at(size))), s = ", ";
        if (last) std::fprintf(out, "]");
    };
    series("memcpy_bytes_per_s", r.memcpy_bw, false);
    series("bulk_handover_bytes_per_s", r.bulk, false);
    series("bulk_read_bytes_per_s", r.bulk_read, false);
    series("raw_read_bytes_per_s", r.raw_read, false);
    series("urpc_slot_copy_bytes_per_s", r.slot_copy, true);
    Ratios x = ratios(r, placements.front());
    std::fprintf(out, ", \"lowest_bulk_handover_over_memcpy\": %.3f, \"lowest_bulk_read_over_raw_read\": %.3f}}\n",
                x.bulk_vs_memcpy_min, x.bulk_read_vs_raw_min);
}

} // namespace

int main(int argc, char** argv) {
    bool json = false, parts = false;
    const char* json_out = nullptr;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--json") == 0) json = true;
        else if (std::strcmp(argv[i], "--json-out") == 0 && i + 1 < argc) json_out = argv[++i];
        else if (std::strcmp(argv[i], "--only") == 0 && i + 1 < argc) g_only = argv[++i];
        else if (std::strcmp(argv[i], "--parts") == 0) parts = true;
        else if (std::strcmp(argv[i], "--reps") == 0 && i + 1 < argc && (g_reps = std::atoi(argv[++i])) >= 1 && g_reps <= 99) {}
        else return std::fprintf(stderr, "usage: bench-transports [--json] [--json-out FILE] [--only ROW[,ROW...]|bulk] "
                                         "[--reps 1..99] | --parts [--reps 1..99]\n"), 2;
    }
    sched_getaffinity(0, sizeof g_all_cpus, &g_all_cpus);
    std::vector<std::string> placements;
    if (CPU_COUNT(&g_all_cpus) >= 2 && CPU_ISSET(0, &g_all_cpus) && CPU_ISSET(1, &g_all_cpus)) placements.push_back("pinned");
    else std::fprintf(stderr, "warning: CPUs 0 and 1 are not both usable: no pinned figures\n");
    placements.push_back("unpinned");
    double tick_ns = ns_per_tick();
    Results res;
    if (parts) {
        for (int rep = 0; rep < g_reps; ++rep)
            for (const std::string& pl : placements) {
                g_pinned = pl == "pinned";
                parts_repetition(res, tick_ns, pl.c_str(), rep);
            }
        print_parts(res, placements);
        return 0;
    }
    for (int rep = 0; rep < g_reps; ++rep) {
        for (const std::string& pl : placements) {
            g_pinned = pl == "pinned";
            one_repetition(res, tick_ns, pl.c_str(), rep);
        }
        if (placements.front() == "pinned") g_pinned = true, bulk_repetition(res, rep);
    }
    if (placements.front() != "pinned") { // bulk figures unpinned, then
        g_pinned = false;
        res.bulk_placement = "unpinned";
        for (int rep = 0; rep < g_reps; ++rep) bulk_repetition(res, rep);
    }
    if (json) print_json(stdout, res, placements, tick_ns);
    else print_table(res, placements);
    if (json_out) {
        FILE* f = std::fopen(json_out, "w");
        if (!f) return std::perror(json_out), 1;
        print_json(f, res, placements, tick_ns);
        std::fclose(f);
    }
    return 0;
}
