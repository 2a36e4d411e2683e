// The console formatter behind format(): decimal, hex and strings, no allocation.
#include <mosaic/fmt.hpp>

namespace mosaic {

usize str_len(const char* s) {
    usize n = 0;
    while (s[n]) ++n;
    return n;
}

void str_copy(char* to, usize cap, const char* from) {
    usize i = 0;
    for (; from && from[i] && i + 1 < cap; ++i) to[i] = from[i];
    to[i] = 0;
}

bool str_eq(const char* a, const char* b) {
    while (*a && *a == *b) ++a, ++b;
    return *a == *b;
}

bool mem_eq(const void* a, const void* b, usize n) {
    auto* x = static_cast<const u8*>(a);
    auto* y = static_cast<const u8*>(b);
    for (usize i = 0; i < n; ++i)
        if (x[i] != y[i]) return false;
    return true;
}

void BufferSink::put(void* ctx, const char* s, usize n) {
    auto* self = static_cast<BufferSink*>(ctx);
    for (usize i = 0; i < n; ++i) {
        if (self->len_ + 1 >= self->cap_) {
            self->truncated_ = true;
            break;
        }
        self->buf_[self->len_++] = s[i];
    }
    if (self->cap_) self->buf_[self->len_] = 0;
}

namespace {

// A parsed "{:...}" specification.
struct Spec {
    bool hex = false;
    bool zero = false;
    unsigned width = 0;
};

// Parses the text between '{' and '}'; returns false if it is not a valid spec.
bool parse_spec(const char* p, const char* end, Spec& spec) {
    if (p == end) return true;
    if (*p++ != ':') return false;
    if (p < end && *p == '0') spec.zero = true, ++p;
    while (p < end && *p >= '0' && *p <= '9') spec.width = spec.width * 10 + unsigned(*p++ - '0');
    if (spec.width > 32) return false;
    if (p < end && *p == 'x') spec.hex = true, ++p;
    return p == end;
}

void put_padded(const Sink& sink, const char* digits, usize n, const Spec& spec, bool neg) {
    char pad = spec.zero ? '0' : ' ';
    usize used = n + (neg ? 1 : 0) + (spec.hex ? 2 : 0);
    if (neg && spec.zero) sink.write("-", 1);
    if (spec.hex && spec.zero) sink.write("0x", 2);
    for (usize i = used; i < spec.width; ++i) sink.write(&pad, 1);
    if (neg && !spec.zero) sink.write("-", 1);
    if (spec.hex && !spec.zero) sink.write("0x", 2);
    sink.write(digits, n);
}

void put_number(const Sink& sink, u64 v, bool neg, const Spec& spec) {
    char buf[24];
    usize i = sizeof buf;
    unsigned base = spec.hex ? 16 : 10;
    do {
        buf[--i] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    put_padded(sink, buf + i, sizeof buf - i, spec, neg);
}

void put_arg(const Sink& sink, const FmtArg& a, const Spec& spec) {
    switch (a.kind) {
    case FmtArg::Kind::Signed:
        if (a.s < 0 && !spec.hex) put_number(sink, u64(0) - u64(a.s), true, spec);
        else put_number(sink, u64(a.s), false, spec);
        break;
    case FmtArg::Kind::Unsigned: put_number(sink, a.u, false, spec); break;
    case FmtArg::Kind::Bool: sink.write(a.u ? "true" : "false", a.u ? 4 : 5); break;
    case FmtArg::Kind::Char: sink.write(&a.c, 1); break;
    case FmtArg::Kind::String: {
        usize n = str_len(a.str);
        for (usize i = n; i < spec.width; ++i) sink.write(" ", 1);
        sink.write(a.str, n);
        break;
    }
    }
}

} // namespace

void vformat(const Sink& sink, const char* fmt, const FmtArg* args, usize nargs) {
    usize next = 0;
    const char* run = fmt;
    for (const char* p = fmt; *p; ++p) {
        if (*p != '{') continue;
        if (p[1] == '{') { // "{{" prints one brace
            sink.write(run, usize(p - run) + 1);
            run = ++p + 1;
            continue;
        }
        const char* close = p + 1;
        while (*close && *close != '}') ++close;
        Spec spec;
        if (!*close || !parse_spec(p + 1, close, spec) || next >= nargs) continue;
        sink.write(run, usize(p - run));
        put_arg(sink, args[next++], spec);
        run = close + 1;
        p = close;
    }
    sink.write(run, str_len(run));
}

} // namespace mosaic
