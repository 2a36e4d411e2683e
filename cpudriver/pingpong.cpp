// Ping round trips (see pingpong.hpp).
#include "pingpong.hpp"

#include <mosaic/cpudriver/arch.hpp>
#include <mosaic/transports/interfaces/ping.hpp>

namespace mosaic::cpudriver {

namespace {

namespace ping = ifaces::ping;
using transports::Channel;
using transports::Message;

constexpr u64 kPattern = 0x5a5a'0123'4567'89abull;

u64 payload_of(u32 seq) { return u64(seq) * 0x9e3779b97f4a7c15ull; }

// The server side of the ping interface: echoes the sequence, transforms the payload so
// that a reply cannot be mistaken for a reflected request.
struct Echo {
    Result<ping::pong_reply> ping(const ping::ping_request& r) { return ping::pong_reply{r.seq, r.payload ^ kPattern}; }
    Status note(const ping::note_message&) { return {}; }
};

} // namespace

Status send_ping(Channel& ch, u32 seq) { return transports::send_message(ch, ping::ping_request{seq, payload_of(seq)}); }

bool is_pong(const Message& m, u32 seq) {
    auto reply = transports::decode_message<ping::pong_reply>(m);
    return reply.ok() && m.reply && reply->seq == seq && reply->payload == (payload_of(seq) ^ kPattern);
}

Status answer_ping(Channel& ch, const Message& m) {
    Echo echo;
    return ping::serve(ch, m, echo);
}

bool is_ping_interface(const Message& m) { return m.interface == ping::kInterfaceId; }

u64 round_trip_ns(u64 counter_ticks, u32 round_trips) {
    u64 hz = arch::counter_hz();
    if (!hz || !round_trips) return 0;
    // In milli-ticks first: no overflow for any plausible run, no rounding to whole ticks.
    return counter_ticks * 1000 / round_trips * 1000000 / hz;
}

void PingClient::step(Channel& ch) {
    if (sent > count || sent != answered) return;
    if (sent == 1) c0 = arch::counter();
    if (send_ping(ch, sent).ok()) ++sent;
}

void PingClient::on_reply(const Message& m) {
    bool good = answered < sent && is_pong(m, answered);
    if (!good) {
        ++bad;
        if (answered >= sent) return; // nothing outstanding: not an answer to anything
    }
    if (good && answered > 0) ++round_trips;
    if (++answered == count + 1 && round_trips) counter_ticks = arch::counter() - c0;
}

PingClient ping_pong(Channel& client, u32 count, bool (*give_up)(void*), void* ctx) {
    PingClient c;
    c.count = count;
    Message m;
    while (!c.done() && !give_up(ctx)) {
        c.step(client);
        while (client.poll(m).ok()) {
            if (m.reply && is_ping_interface(m)) c.on_reply(m);
            else ++c.bad;
        }
    }
    if (!c.done() && c.round_trips) c.counter_ticks = arch::counter() - c.c0;
    return c;
}

} // namespace mosaic::cpudriver
