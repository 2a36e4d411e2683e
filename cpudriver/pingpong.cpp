// The ping-pong loop (see pingpong.hpp).
#include "pingpong.hpp"

#include <mosaic/transports/interfaces/ping.hpp>

namespace mosaic::cpudriver {

namespace {

namespace ping = ifaces::ping;
using transports::Channel;
using transports::Message;

constexpr u64 kPattern = 0x5a5a'0123'4567'89abull;

// The server side of the ping interface: echoes the sequence, transforms the payload so
// that a reply cannot be mistaken for a reflected request.
struct Echo {
    u32 served = 0;
    Result<ping::pong_reply> ping(const ping::ping_request& r) {
        ++served;
        return ping::pong_reply{r.seq, r.payload ^ kPattern};
    }
    Status note(const ping::note_message&) { return {}; }
};

} // namespace

Status bind_urpc(Channel& ch, void* tx, void* rx) {
    transports::Binding b;
    b.kind = transports::TransportKind::Urpc;
    b.tx_base = tx;
    b.tx_slots = kPingSlots;
    b.rx_base = rx;
    b.rx_slots = kPingSlots;
    return ch.bind(b);
}

PingStats ping_pong(Channel* client, u32 count, Channel* server, u32 serve, bool (*give_up)(void*), void* ctx) {
    PingStats st;
    Echo echo;
    u32 sent = 0;
    Message m;
    while ((client && st.round_trips < count) || (server && echo.served < serve)) {
        if (give_up(ctx)) break;
        if (client && sent < count && sent == st.round_trips + st.bad) {
            ping::ping_request req{sent, u64(sent) * 0x9e3779b97f4a7c15ull};
            if (transports::send_message(*client, req).ok()) ++sent;
        }
        while (client && client->poll(m).ok()) {
            auto reply = transports::decode_message<ping::pong_reply>(m);
            u64 want = (u64(st.round_trips) * 0x9e3779b97f4a7c15ull) ^ kPattern;
            if (reply.ok() && reply->seq == st.round_trips && reply->payload == want) ++st.round_trips;
            else ++st.bad;
        }
        while (server && echo.served < serve && server->poll(m).ok()) (void)ping::serve(*server, m, echo);
    }
    st.served = echo.served;
    return st;
}

} // namespace mosaic::cpudriver
