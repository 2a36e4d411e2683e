// The SKB server: loads the board's facts and the rule files into the SKB engine and
// answers the skb interface (transports/interfaces/skb.hpp) for any number of clients of
// its core: the monitor tells it what boot discovered and measured and asks it for routes,
// test programs ask it queries, walk answers and ask for the multicast tree. The request
// handling is hardware-neutral (skb::Service, skb/include/mosaic/skb/service.hpp); this
// program gives it memory and channels (user::LmpServer: one channel per client).
//
// Start data: the board manifest (a dispatcher cannot read the boot image; its monitor
// copies the manifest into the server's pages, sys::kStartDataOffset). arg: its length.
//
// It never ends on its own: a client's done event ends that client's session; only a done
// with code ifaces::skb::kQuitCode (0xdead), which its parent sends when the node shuts
// down, ends the server.
#include <mosaic/skb/board.hpp>
#include <mosaic/skb/service.hpp>
#include <mosaic/user/lmp.hpp>
#include <mosaic/user/sys.hpp>

using namespace mosaic;
namespace iface = mosaic::ifaces::skb;

namespace {

alignas(16) u8 g_arena[576 * 1024]; // >= Engine::arena_bytes(kBoardLimits), checked by Service::init
skb::Service g_service;
user::LmpServer g_server;

// The interface's handler: the service's replies, and done.
struct Handler {
    u64 client = 0;
    bool quit = false;

    Result<iface::query_reply> query(const iface::query_request& r) { return g_service.query(r); }
    Result<iface::answer_reply> answer(const iface::answer_request& r) { return g_service.answer(r); }
    Result<iface::add_facts_reply> add_facts(const iface::add_facts_request& r) { return g_service.add_facts(r); }
    Result<iface::multicast_reply> multicast(const iface::multicast_request& r) { return g_service.multicast(r); }
    Status done(const iface::done_message& m) {
        if (m.code == iface::kQuitCode) quit = true;
        else g_server.forget(client);
        return {};
    }
};

} // namespace

int main(u64 arg) {
    if (arg == 0 || arg > sys::kMaxStartData) {
        user::print("user: skb: bad argument {} (the length of the board manifest)\n", arg);
        return 1;
    }
    BoardError err;
    Status s = g_service.init(g_arena, sizeof g_arena);
    if (s.ok()) s = g_service.load_board(reinterpret_cast<const char*>(user::start_data()), usize(arg), &err);
    if (!s.ok()) {
        user::print("user: skb: cannot load the board's facts and the rules: {} (manifest line {}: {})\n",
                    error_name(s.error()), err.line, err.message);
        return 2;
    }
    Handler h;
    u64 failures = 0;
    while (!h.quit) {
        transports::Message m;
        auto ch = g_server.next(m, &h.client);
        Status st = ch.ok() ? iface::serve(**ch, m, h) : Status(ch.error());
        if (st.ok()) continue;
        // A bad message, or a client that went away before its reply: that client's
        // business only. Reported sparingly, the server goes on.
        if (++failures <= 8)
            user::print("user: skb: a request from dispatcher {} failed: {}\n", h.client, error_name(st.error()));
        if (!ch.ok() && ch.error() != Error::Malformed) user::yield(); // receiving failed: no busy loop
    }
    user::print("user: skb: told to quit after {} queries ({} tuples, {} rules loaded)\n", g_service.queries(),
                g_service.engine().tuple_count(), g_service.engine().rule_count());
    return 0;
}
