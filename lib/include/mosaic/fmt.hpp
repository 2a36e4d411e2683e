// Console formatting without a C library: format("core {} at {:x}", id, addr) into
// any sink (a UART, a buffer). Placeholders: {} decimal/string, {:x} hex with 0x,
// {:08x} zero-padded hex, {:4} padded decimal. A bad format string prints as written.
#pragma once

#include <mosaic/types.hpp>

namespace mosaic {

// A byte sink: the console driver, or a fixed buffer in tests.
struct Sink {
    void (*put)(void* ctx, const char* s, usize n);
    void* ctx;
    void write(const char* s, usize n) const { put(ctx, s, n); }
};

// One formatting argument, type-erased so that the formatter is not a template.
struct FmtArg {
    enum class Kind : u8 { Signed, Unsigned, String, Char, Bool } kind;
    union {
        i64 s;
        u64 u;
        const char* str;
        char c;
    };
    FmtArg(int v) : kind(Kind::Signed), s(v) {}
    FmtArg(long v) : kind(Kind::Signed), s(v) {}
    FmtArg(long long v) : kind(Kind::Signed), s(v) {}
    FmtArg(unsigned v) : kind(Kind::Unsigned), u(v) {}
    FmtArg(unsigned long v) : kind(Kind::Unsigned), u(v) {}
    FmtArg(unsigned long long v) : kind(Kind::Unsigned), u(v) {}
    FmtArg(unsigned char v) : kind(Kind::Unsigned), u(v) {}
    FmtArg(unsigned short v) : kind(Kind::Unsigned), u(v) {}
    FmtArg(const char* v) : kind(Kind::String), str(v ? v : "(null)") {}
    FmtArg(char v) : kind(Kind::Char), c(v) {}
    FmtArg(bool v) : kind(Kind::Bool), u(v) {}
    FmtArg(const void* v) : kind(Kind::Unsigned), u(uptr(v)) {}
};

// Formats fmt with args into sink.
void vformat(const Sink& sink, const char* fmt, const FmtArg* args, usize nargs);

template <typename... Args> void format(const Sink& sink, const char* fmt, Args... args) {
    if constexpr (sizeof...(Args) == 0) {
        vformat(sink, fmt, nullptr, 0);
    } else {
        const FmtArg list[] = {FmtArg(args)...};
        vformat(sink, fmt, list, sizeof...(Args));
    }
}

// A sink into a fixed buffer, always NUL-terminated, truncating when full.
class BufferSink {
  public:
    BufferSink(char* buf, usize cap) : buf_(buf), cap_(cap) { if (cap) buf[0] = 0; }
    Sink sink() { return Sink{&BufferSink::put, this}; }
    const char* str() const { return buf_; }
    usize size() const { return len_; }
    bool truncated() const { return truncated_; }

  private:
    static void put(void* ctx, const char* s, usize n);
    char* buf_;
    usize cap_;
    usize len_ = 0;
    bool truncated_ = false;
};

// Small string helpers (no C library on the boards).
usize str_len(const char* s);
bool str_eq(const char* a, const char* b);
bool mem_eq(const void* a, const void* b, usize n);
// Copies `from` (null: nothing) into to[0..cap), cut to fit and always NUL-terminated (cap > 0).
void str_copy(char* to, usize cap, const char* from);

} // namespace mosaic
