// libFuzzer target for the receive side: arbitrary bytes as a stream of frames into a
// channel's reassembler, the stub decoders and the bulk pool's descriptor decoders (both
// ends); it must never crash or over-read, and a descriptor accepted must lie inside the
// pool, for a buffer neither end held before and only one holds after.
#include "directory_iface.hpp"
#include <mosaic/transports/bulk.hpp>
#include <mosaic/transports/interfaces/ping.hpp>
#include <mosaic/transports/reassembler.hpp>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

using namespace mosaic;
using namespace mosaic::transports;

namespace {

struct NullServer {
    Result<ifaces::ping::pong_reply> ping(const ifaces::ping::ping_request& r) { return ifaces::ping::pong_reply{r.seq, r.payload}; }
    Status note(const ifaces::ping::note_message&) { return {}; }
    Result<ifaces::directory::register_reply> register_name(const ifaces::directory::register_request&) { return ifaces::directory::register_reply{0}; }
    Result<ifaces::directory::lookup_reply> lookup(const ifaces::directory::lookup_request&) { return ifaces::directory::lookup_reply{0, 0, 0}; }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    alignas(64) static UrpcSlot ring[9];
    static Reassembler r;
    static Message m;
    r = Reassembler{};
    // Replies from the server stubs go to a loopback ring that is drained each time.
    for (auto& s : ring) s = UrpcSlot{};
    Channel out;
    if (!out.bind({.kind = TransportKind::Loopback, .tx_base = ring, .tx_slots = 8}).ok()) abort();
    NullServer server;
    // A pool of 4 buffers of 256 bytes whose buffer 1 is away (given, generation 1).
    alignas(64) static u8 region[4 * 256];
    static BulkPool pool;
    static BulkPeer peer;
    if (!pool.init(region, 4, 256).ok() || !peer.init(region, 4, 256).ok()) abort();
    (void)pool.alloc();
    BulkBuffer away = pool.alloc().value();
    if (!pool.give(out, away, 0, 1).ok()) abort();
    Message sent;
    while (out.poll(sent).ok()) {}
    for (size_t off = 0; off + kFrameBytes <= size; off += kFrameBytes) {
        Frame f;
        for (u32 i = 0; i < kFrameBytes; ++i) f.bytes[i] = data[off + i];
        if (!r.accept(f, m).ok()) continue;
        if (m.length > kMaxPayload) abort();
        (void)ifaces::ping::serve(out, m, server);
        (void)ifaces::directory::serve(out, m, server);
        BulkBuffer got[kBulkGivesPerMessage];
        if (Result<u32> n = peer.accept_all(m, got); n.ok()) {
            if (*n < 1 || *n > kBulkGivesPerMessage || (*n == 2 && got[0].index == got[1].index)) abort();
            for (u32 i = 0; i < *n; ++i) {
                const BulkBuffer& b = got[i];
                if (b.index >= 4 || u64(b.offset) + b.length > 256 || !peer.holds(b.index)) abort();
                if (!peer.data(b).ok() || !peer.give_back(out, b).ok() || peer.holds(b.index)) abort();
            }
        }
        // Only the buffer that is away can come back, by a give_back or a set of one.
        bool was_away = pool.given(away.index);
        if (pool.take_back(m).ok() && (!was_away || pool.given(away.index) || (m.length != 8 && m.length != 36))) abort();
        Message drained;
        while (out.poll(drained).ok()) {}
    }
    return 0;
}
