// libFuzzer target for the receive side: arbitrary bytes as a stream of frames into a
// channel's reassembler and the stub decoders; it must never crash or over-read.
#include "directory_iface.hpp"
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
    for (size_t off = 0; off + kFrameBytes <= size; off += kFrameBytes) {
        Frame f;
        for (u32 i = 0; i < kFrameBytes; ++i) f.bytes[i] = data[off + i];
        if (!r.accept(f, m).ok()) continue;
        if (m.length > kMaxPayload) abort();
        (void)ifaces::ping::serve(out, m, server);
        (void)ifaces::directory::serve(out, m, server);
        Message drained;
        while (out.poll(drained).ok()) {}
    }
    return 0;
}
