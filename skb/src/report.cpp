// Canonical text for query answers (see report.hpp).
#include <mosaic/skb/report.hpp>

namespace mosaic::skb {

namespace {

struct ReportOut {
    Engine* engine;
    char* buf;
    usize cap;
    usize len = 0;

    bool put(const char* s, usize n) {
        if (n >= cap - len) return false;
        for (usize i = 0; i < n; ++i) buf[len++] = s[i];
        return true;
    }
    bool put_value(Value v) {
        if (v.is_symbol()) {
            StrView s = engine->symbol_name(v);
            return put(s.data, s.len);
        }
        char digits[24];
        usize n = 0;
        i64 x = v.as_int();
        u64 mag = x < 0 ? u64(-(x + 1)) + 1 : u64(x);
        do {
            digits[sizeof(digits) - ++n] = char('0' + mag % 10);
            mag /= 10;
        } while (mag);
        if (x < 0) digits[sizeof(digits) - ++n] = '-';
        return put(digits + sizeof(digits) - n, n);
    }
};

Status put_line(void* ctx, const Answer& a) {
    ReportOut& out = *static_cast<ReportOut*>(ctx);
    bool ok = true;
    if (a.arity == 0) ok = out.put("true", 4);
    for (u32 i = 0; i < a.arity && ok; ++i) {
        ok = (i == 0 || out.put(" ", 1)) && out.put(a.names[i].data, a.names[i].len) && out.put("=", 1) &&
             out.put_value(a.values[i]);
    }
    if (!ok || !out.put("\n", 1)) return Error::CapacityExceeded;
    return {};
}

} // namespace

Result<usize> render_answers(Engine& engine, const char* query, char* buf, usize cap, ParseError* err) {
    if (!buf || cap == 0) return Error::InvalidArgument;
    buf[0] = 0;
    usize qlen = 0;
    while (query[qlen]) ++qlen;
    ReportOut out{&engine, buf, cap};
    auto r = engine.query(query, qlen, put_line, &out, err);
    if (!r) {
        buf[0] = 0;
        return r.error();
    }
    buf[out.len] = 0;
    return out.len;
}

} // namespace mosaic::skb
