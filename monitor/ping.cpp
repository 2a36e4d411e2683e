// Ping round trips (see include/mosaic/monitor/ping.hpp), the monitor's successor of the
// CPU driver's pingpong.cpp: the same wire exchange, with the counter passed in.
#include <mosaic/monitor/ping.hpp>
#include <mosaic/skb/value.hpp>
#include <mosaic/transports/interfaces/ping.hpp>

namespace mosaic::monitor {

namespace {
namespace ping = ifaces::ping;

constexpr u64 kPattern = 0x5a5a'0123'4567'89abull;

u64 payload_of(u32 seq) { return u64(seq) * 0x9e3779b97f4a7c15ull; }
} // namespace

Status send_ping(transports::Channel& ch, u32 seq) {
    return transports::send_message(ch, ping::ping_request{seq, payload_of(seq)});
}

u64 pong_payload(u64 ping_payload) { return ping_payload ^ kPattern; }

bool is_pong(const transports::Message& m, u32 seq) {
    auto reply = transports::decode_message<ping::pong_reply>(m);
    return reply.ok() && m.reply && reply->seq == seq && reply->payload == pong_payload(payload_of(seq));
}

u64 round_trip_ns(u64 ticks, u32 round_trips, u64 hz) {
    if (!hz || !round_trips) return 0;
    // In milli-ticks first: no overflow for any plausible run, no rounding to whole ticks.
    u64 ns = ticks * 1000 / round_trips * 1000000 / hz;
    return min<u64>(max<u64>(ns, 1), u64(skb::Value::kMaxInt));
}

void PingClient::start(u32 n) {
    *this = PingClient{};
    count = n;
}

bool PingClient::step(transports::Channel& ch, u64 counter_now) {
    if (!active() || sent > count || sent != answered) return false;
    if (sent == 1) c0 = counter_now;
    if (!send_ping(ch, sent).ok()) return false;
    ++sent;
    return true;
}

bool PingClient::on_reply(const transports::Message& m, u64 counter_now) {
    if (answered >= sent) {
        ++bad; // nothing outstanding: not an answer to anything
        return false;
    }
    bool good = is_pong(m, answered);
    if (!good) ++bad;
    if (good && answered > 0) ++round_trips;
    if (++answered == count + 1 && round_trips) ticks = counter_now - c0;
    return good;
}

} // namespace mosaic::monitor
