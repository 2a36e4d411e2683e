// LMP between two dispatchers of one core. arg = (peer << 32) | (rounds << 2) | mode:
//   0 pong    answers `rounds` messages from anyone (peer unused);
//   1 ping    sends `rounds` pings to dispatcher `peer`, checks every reply, and reports the
//             round-trip time;
//   2 sink    takes `rounds` one-way messages, checks each, then answers the last one's
//             sender once with how many were right;
//   3 stream  sends `rounds` one-way messages to dispatcher `peer` as fast as its mailbox
//             takes them (yielding to it when full), waits for the sink's answer, and
//             reports the throughput.
// Both reporters print a BENCH line for ./mosaic bench.
#include <mosaic/user/sys.hpp>

using namespace mosaic;

namespace {
constexpr u64 kMagic = 0x4c4d50'70696e67ull; // "LMPping"
enum Mode : u64 { kPong = 0, kPing = 1, kSink = 2, kStream = 3 };

int pong(u64 rounds) {
    for (u64 i = 0; i < rounds; ++i) {
        auto m = user::lmp_receive();
        if (!m.ok()) return 1;
        u64 reply[sys::kLmpWords] = {m->word[0] + 1, m->word[1] ^ kMagic, ~m->word[2], m->word[3]};
        if (user::lmp_send(m->sender, reply) != Error::Ok) return 2;
    }
    return 0;
}

Error send(u64 peer, const u64 (&msg)[sys::kLmpWords]) {
    Error e;
    while ((e = user::lmp_send(peer, msg)) == Error::WouldBlock) user::yield();
    return e;
}

int ping(u64 peer, u64 rounds) {
    auto me = user::core_info();
    u64 bad = 0;
    u64 t0 = mosaic_user_counter();
    for (u64 i = 0; i < rounds; ++i) {
        u64 msg[sys::kLmpWords] = {i, i * 3, i << 7, me.dispatcher};
        if (send(peer, msg) != Error::Ok) return 1;
        auto m = user::lmp_receive();
        if (!m.ok()) return 2;
        bad += !(m->sender == peer && m->word[0] == i + 1 && m->word[1] == ((i * 3) ^ kMagic) && m->word[2] == ~(i << 7) &&
                 m->word[3] == me.dispatcher);
    }
    u64 ticks = mosaic_user_counter() - t0;
    u64 ns = me.counter_hz ? ticks * 1000000000 / me.counter_hz / rounds : 0;
    user::print("user: LMP ping-pong: {} round trips with dispatcher {}, {} bad, in {} counter ticks (~{} ns each)\n",
                rounds, peer, bad, ticks, ns);
    user::print("BENCH lmp-round-trip count {} ticks {} hz {}\n", rounds, ticks, me.counter_hz);
    return bad ? 3 : 0;
}

int sink(u64 rounds) {
    u64 right = 0, sender = 0;
    for (u64 i = 0; i < rounds; ++i) {
        auto m = user::lmp_receive();
        if (!m.ok()) return 1;
        sender = m->sender;
        right += m->word[0] == i && m->word[1] == ~i && m->word[2] == (i ^ kMagic);
    }
    const u64 answer[sys::kLmpWords] = {right, rounds, kMagic, 0};
    return send(sender, answer) == Error::Ok ? 0 : 2;
}

int stream(u64 peer, u64 rounds) {
    auto me = user::core_info();
    const u64 t0 = mosaic_user_counter();
    for (u64 i = 0; i < rounds; ++i) {
        const u64 msg[sys::kLmpWords] = {i, ~i, i ^ kMagic, me.dispatcher};
        if (send(peer, msg) != Error::Ok) return 1;
    }
    auto m = user::lmp_receive();
    const u64 ticks = mosaic_user_counter() - t0;
    if (!m.ok() || m->sender != peer || m->word[2] != kMagic || m->word[1] != rounds) return 2;
    const u64 right = m->word[0];
    user::print("user: LMP stream: {} messages to dispatcher {}, {} right, in {} counter ticks\n", rounds, peer, right,
                ticks);
    user::print("BENCH lmp-stream count {} ticks {} hz {}\n", rounds, ticks, me.counter_hz);
    return right == rounds ? 0 : 3;
}
} // namespace

int main(u64 arg) {
    const u64 rounds = (arg & 0xffffffff) >> 2, peer = arg >> 32;
    if (rounds == 0) return 4;
    switch (Mode(arg & 3)) {
    case kPong: return pong(rounds);
    case kPing: return ping(peer, rounds);
    case kSink: return sink(rounds);
    case kStream: return stream(peer, rounds);
    }
    return 4;
}
