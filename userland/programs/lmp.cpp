// LMP ping-pong between two dispatchers of one core. arg = (peer << 32) | (rounds << 1) | role:
// role 0 answers `rounds` messages from anyone (peer unused); role 1 sends `rounds` pings
// to dispatcher `peer`, checks every reply, and reports the round-trip time.
#include <mosaic/user/sys.hpp>

using namespace mosaic;

namespace {
constexpr u64 kMagic = 0x4c4d50'70696e67ull; // "LMPping"

int pong(u64 rounds) {
    for (u64 i = 0; i < rounds; ++i) {
        auto m = user::lmp_receive();
        if (!m.ok()) return 1;
        u64 reply[sys::kLmpWords] = {m->word[0] + 1, m->word[1] ^ kMagic, ~m->word[2], m->word[3]};
        if (user::lmp_send(m->sender, reply) != Error::Ok) return 2;
    }
    return 0;
}

int ping(u64 peer, u64 rounds) {
    auto me = user::core_info();
    u64 bad = 0;
    u64 t0 = mosaic_user_counter();
    for (u64 i = 0; i < rounds; ++i) {
        u64 msg[sys::kLmpWords] = {i, i * 3, i << 7, me.dispatcher};
        Error e;
        while ((e = user::lmp_send(peer, msg)) == Error::WouldBlock) user::yield();
        if (e != Error::Ok) return 1;
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
} // namespace

int main(u64 arg) {
    u64 rounds = (arg & 0xffffffff) >> 1;
    if (rounds == 0) return 4;
    return (arg & 1) ? ping(arg >> 32, rounds) : pong(rounds);
}
