// The SKB client (see skb.hpp).
#include <mosaic/fmt.hpp>
#include <mosaic/user/skb.hpp>

namespace mosaic::user {

namespace iface = ifaces::skb;

namespace {

// Copies a NUL-terminated text into a zero-padded wire field; OutOfRange if it is longer.
template <u32 N> Result<transports::FixedString<N>> fixed(const char* text) {
    transports::FixedString<N> out{};
    if (!text) return Error::InvalidArgument;
    for (u32 i = 0; text[i]; ++i) {
        if (i == N) return Error::OutOfRange;
        out.bytes[i] = u8(text[i]);
    }
    return out;
}

// Copies n bytes into out[0..cap) with a NUL; CapacityExceeded when they do not fit.
Status copy_out(const u8* bytes, usize n, char* out, usize cap) {
    if (!out || cap == 0) return Error::InvalidArgument;
    usize k = min(n, cap - 1);
    for (usize i = 0; i < k; ++i) out[i] = char(bytes[i]);
    out[k] = 0;
    return k == n ? Status() : Status(Error::CapacityExceeded);
}

Error status(u16 s) { return Error(s); }

} // namespace

Status SkbClient::connect(u64 server) {
    if (!is_dispatcher_sender(server)) return Error::InvalidArgument;
    ch_ = transports::Channel{};
    calls_ = transports::PendingCalls{};
    TRY_STATUS(port_.bind(ch_, server));
    connected_ = true;
    return {};
}

// One RPC through the generated client stub, waiting for its reply.
template <typename Reply, typename Request, typename Stub> Result<Reply> SkbClient::call(Stub stub, const Request& r) {
    if (!connected_) return Error::NotFound;
    struct Waiting {
        bool got = false, bad = false;
        Reply reply{};
    } w;
    auto on_reply = [](void* ctx, const transports::Message& m) {
        auto* w = static_cast<Waiting*>(ctx);
        auto decoded = transports::decode_message<Reply>(m);
        w->got = true;
        w->bad = !decoded.ok();
        if (decoded.ok()) w->reply = *decoded;
    };
    TRY(stub(ch_, calls_, r, on_reply, &w));
    transports::Message m;
    while (!w.got) {
        TRY_STATUS(ch_.poll(m));
        (void)calls_.complete(m); // NotFound: a stale reply (of a call that failed before), skipped
    }
    if (w.bad) return Error::Malformed;
    return w.reply;
}

Result<SkbClient::QueryResult> SkbClient::query(const char* text, u64 seed) {
    iface::query_request req{TRY(fixed<sizeof(iface::QueryText)>(text)), seed};
    auto r = TRY((call<iface::query_reply>(iface::client::query, req)));
    line_ = r.line;
    column_ = r.column;
    if (r.status != u16(Error::Ok)) return status(r.status);
    return QueryResult{r.lines, r.digest};
}

Result<u32> SkbClient::answer(const char* query, u32 index, char* out, usize cap, u32* total) {
    iface::answer_request req{TRY(fixed<sizeof(iface::QueryText)>(query)), index};
    auto r = TRY((call<iface::answer_reply>(iface::client::answer, req)));
    if (total) *total = r.total;
    if (r.status != u16(Error::Ok)) return status(r.status);
    TRY_STATUS(copy_out(r.line.bytes, min<usize>(r.len, sizeof r.line.bytes), out, cap));
    return r.len;
}

Status SkbClient::add_facts(const char* text, usize len) {
    constexpr usize kPiece = sizeof(iface::LongText);
    usize at = 0;
    while (at < len) {
        // The longest piece that ends at a fact boundary (".\n"), or the rest if it fits.
        usize n = len - at;
        if (n > kPiece) {
            n = 0;
            for (usize i = at + 1; i < at + kPiece; ++i)
                if (text[i - 1] == '.' && text[i] == '\n') n = i + 1 - at;
            if (n == 0) return Error::CapacityExceeded;
        }
        iface::add_facts_request req{};
        for (usize i = 0; i < n; ++i) req.text.bytes[i] = u8(text[at + i]);
        req.len = u32(n);
        auto r = TRY((call<iface::add_facts_reply>(iface::client::add_facts, req)));
        line_ = r.line;
        column_ = r.column;
        if (r.status != u16(Error::Ok)) return status(r.status);
        at += n;
    }
    return {};
}

Result<usize> SkbClient::multicast(u32 root, char* out, usize cap) {
    if (!out || cap == 0) return Error::InvalidArgument;
    usize have = 0;
    for (;;) {
        auto r = TRY((call<iface::multicast_reply>(iface::client::multicast, iface::multicast_request{root, u32(have)})));
        if (r.status != u16(Error::Ok)) return status(r.status);
        if (r.len > sizeof r.chunk.bytes || have + r.len > r.total) return Error::Malformed;
        if (have + r.len >= cap) return Error::CapacityExceeded;
        for (u32 i = 0; i < r.len; ++i) out[have++] = char(r.chunk.bytes[i]);
        out[have] = 0;
        if (have == r.total) return have;
        if (r.len == 0) return Error::Malformed; // no progress
    }
}

Result<transports::Route> SkbClient::route(u32 from, u32 to) {
    char q[64];
    BufferSink b(q, sizeof q);
    format(b.sink(), "?- transport({}, {}, X).", from, to);
    char line[64];
    u32 total = 0;
    auto n = answer(q, 0, line, sizeof line, &total);
    if (!n.ok()) return n.error() == Error::OutOfRange ? Error::NotFound : n.error();
    if (total != 1 || *n < 2 || line[0] != 'X' || line[1] != '=') return Error::Malformed;
    return transports::route_from_name(line + 2, *n - 2);
}

Status SkbClient::done(u32 code) {
    if (!connected_) return Error::NotFound;
    return iface::client::done(ch_, iface::done_message{code});
}

} // namespace mosaic::user
