// A client of the SKB server (skb.cpp) on the same core: asks it the board's standard
// queries over a channel bound to LMP, digests the answers as one text, and checks them
// against what the CPU driver's own SKB answered at boot; then checks that a malformed
// query comes back as an error with its position, and tells the server it is done.
//
// arg: the server's dispatcher id. Start data: the CPU driver's answers to compare with,
// two little-endian u64: the digest of the standard answers and their number of lines.
#include <mosaic/skb/board.hpp>
#include <mosaic/transports/conformance.hpp>
#include <mosaic/transports/interfaces/skb.hpp>
#include <mosaic/user/lmp.hpp>
#include <mosaic/user/sys.hpp>

using namespace mosaic;
namespace iface = mosaic::ifaces::skb;

namespace {

user::LmpPort g_port;

struct Reply {
    bool got = false;
    iface::query_reply r{};
};

// One split-phase call through the generated client stub, waiting for its reply.
Result<iface::query_reply> ask(transports::Channel& ch, transports::PendingCalls& calls, const char* text, u64 seed) {
    iface::query_request req{};
    for (u32 i = 0; text[i]; ++i) {
        if (i == sizeof req.text.bytes) return Error::OutOfRange;
        req.text.bytes[i] = u8(text[i]);
    }
    req.seed = seed;
    Reply reply;
    auto on_reply = [](void* ctx, const transports::Message& m) {
        auto* r = static_cast<Reply*>(ctx);
        auto decoded = transports::decode_message<iface::query_reply>(m);
        r->got = decoded.ok();
        if (decoded.ok()) r->r = *decoded;
    };
    TRY(iface::client::query(ch, calls, req, on_reply, &reply));
    transports::Message m;
    while (calls.outstanding()) {
        TRY_STATUS(ch.poll(m));
        TRY_STATUS(calls.complete(m));
    }
    if (!reply.got) return Error::Malformed;
    return reply.r;
}

} // namespace

int main(u64 server) {
    const u8* expected = user::start_data();
    u64 want_digest = load_le64(expected), want_lines = load_le64(expected + 8);
    transports::Channel ch;
    transports::PendingCalls calls;
    if (server == 0 || !g_port.bind(ch, server).ok()) return 1;
    u64 digest = transports::kFnv1a64Offset, lines = 0, first_digest = 0;
    u32 failed = 0;
    for (const char* q : skb::kBoardQueries) {
        auto r = ask(ch, calls, q, digest);
        if (!r.ok() || r->status != u16(Error::Ok)) {
            user::print("user: skbclient: '{}' failed: {}\n", q, error_name(r.ok() ? Error(r->status) : r.error()));
            ++failed;
            break;
        }
        if (q == skb::kBoardQueries[0]) first_digest = r->digest; // from a fresh digest
        digest = r->digest;
        lines += r->lines;
    }
    bool same = digest == want_digest && lines == want_lines;
    failed += !same;
    user::print("user: skbclient: the SKB server answered {} lines digest {:x}; the CPU driver's: {} lines digest {:x}\n",
                lines, digest, want_lines, want_digest);
    // A broken query: the server reports the error and where, and keeps serving (the same
    // answers as before).
    auto bad = ask(ch, calls, "?- transport(A, B", transports::kFnv1a64Offset);
    bool reported = bad.ok() && bad->status != u16(Error::Ok) && bad->line == 1 && bad->column > 1;
    failed += !reported;
    if (!reported)
        user::print("user: skbclient: a malformed query was not reported as an error: {}\n",
                    bad.ok() ? error_name(Error(bad->status)) : error_name(bad.error()));
    auto again = ask(ch, calls, skb::kBoardQueries[0], transports::kFnv1a64Offset);
    bool served_again = again.ok() && again->status == u16(Error::Ok) && again->digest == first_digest;
    failed += !served_again;
    if (!served_again) user::print("user: skbclient: after the malformed query the server answered differently\n");
    // Always the last word, so that the server ends too.
    if (!iface::client::done(ch, {failed}).ok()) return 2;
    return failed ? 3 : 0;
}
