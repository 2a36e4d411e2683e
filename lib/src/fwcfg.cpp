// See fwcfg.hpp.
#include <mosaic/fmt.hpp>
#include <mosaic/fwcfg.hpp>

namespace mosaic {

namespace {
constexpr u16 kSignature = 0x0000, kDirectory = 0x0019;
constexpr u32 kMaxFiles = 4096;  // more entries than this is no directory QEMU writes
constexpr u64 kMaxNumber = 1'000'000'000;

// Decimal digits from s up to a space or the end (at most `n` bytes when n is given).
Result<u64> decimal(const char* s, usize n) {
    u64 v = 0;
    usize i = 0;
    for (; i < n && s[i] && s[i] != ' '; ++i) {
        if (s[i] < '0' || s[i] > '9' || v > kMaxNumber) return Error::Malformed;
        v = v * 10 + u64(s[i] - '0');
    }
    if (i == 0 || v > kMaxNumber) return Error::Malformed;
    return v;
}
} // namespace

bool FwCfg::present() const {
    if (!io_.select || !io_.read8) return false;
    io_.select(io_.ctx, kSignature);
    u8 sig[4];
    for (u8& b : sig) b = read8();
    return mem_eq(sig, "QEMU", 4);
}

Result<u32> FwCfg::read_file(const char* name, char* buf, u32 cap) const {
    if (cap == 0) return Error::CapacityExceeded;
    if (!present()) return Error::NotFound;
    io_.select(io_.ctx, kDirectory);
    u8 word[4];
    for (u8& b : word) b = read8();
    const u32 count = load_be32(word);
    if (count > kMaxFiles) return Error::Malformed;
    for (u32 i = 0; i < count; ++i) {
        u8 entry[64];
        for (u8& b : entry) b = read8();
        entry[63] = 0;
        if (!str_eq(reinterpret_cast<const char*>(entry + 8), name)) continue;
        const u32 size = load_be32(entry);
        const u16 key = u16(entry[4] << 8 | entry[5]);
        if (size >= cap) return Error::CapacityExceeded; // size is untrusted: no size + 1
        io_.select(io_.ctx, key);
        for (u32 k = 0; k < size; ++k) buf[k] = char(read8());
        buf[size] = 0;
        return size;
    }
    return Error::NotFound;
}

Result<u64> FwCfg::read_number(const char* name) const {
    char text[24];
    const u32 n = TRY(read_file(name, text, sizeof text));
    // The whole file is the number (a trailing newline allowed).
    const u32 digits = n && text[n - 1] == '\n' ? n - 1 : n;
    for (u32 i = 0; i < digits; ++i)
        if (text[i] < '0' || text[i] > '9') return Error::Malformed;
    return decimal(text, digits);
}

Result<u64> bootargs_number(const char* args, const char* key) {
    if (!args) return Error::NotFound;
    char word[48];
    BufferSink w(word, sizeof word);
    format(w.sink(), "mosaic.{}=", key);
    const usize n = w.size();
    if (n + 1 >= sizeof word) return Error::InvalidArgument; // the key does not fit
    for (const char* p = args; *p;) {
        while (*p == ' ') ++p;
        usize len = 0;
        while (p[len] && p[len] != ' ') ++len;
        if (len >= n && mem_eq(p, word, n)) return decimal(p + n, len - n);
        p += len;
    }
    return Error::NotFound;
}

Result<u64> boot_param(const FwCfg* fw, const char* bootargs, const char* key) {
    if (fw) {
        char file[48];
        BufferSink f(file, sizeof file);
        format(f.sink(), "opt/mosaic/{}", key);
        auto v = fw->read_number(file);
        if (v.ok() || v.error() != Error::NotFound) return v;
    }
    return bootargs_number(bootargs, key);
}

} // namespace mosaic
