// The fw_cfg reader (see fwcfg.hpp): the selector takes a 16-bit key, then the data
// register streams the item's bytes; key 0x19 is the directory of named files (big-endian
// count, then 64-byte entries: size, key, reserved, name).
#include "fwcfg.hpp"

#include <mosaic/cpudriver/arch.hpp>
#include <mosaic/fmt.hpp>
#include <mosaic/mmio.hpp>

namespace mosaic::cpudriver {

namespace {
constexpr u16 kSignature = 0x0000, kDirectory = 0x0019;
}

void FwCfg::select(u16 key) {
    if (mmio_) mmio_write16_be(mmio_ + 8, key);
    else arch::fw_cfg_legacy_select(key);
}

u8 FwCfg::read8() { return mmio_ ? mmio_read8(mmio_) : arch::fw_cfg_legacy_read8(); }

bool FwCfg::present() {
    if (!mmio_ && !arch::fw_cfg_legacy_present()) return false;
    select(kSignature);
    u8 sig[4];
    for (u8& b : sig) b = read8();
    return mem_eq(sig, "QEMU", 4);
}

Result<u32> FwCfg::read_file(const char* name, char* buf, u32 cap) {
    if (!present()) return Error::NotFound;
    select(kDirectory);
    u8 word[4];
    for (u8& b : word) b = read8();
    u32 count = load_be32(word);
    if (count > 4096) return Error::Malformed;
    for (u32 i = 0; i < count; ++i) {
        u8 entry[64];
        for (u8& b : entry) b = read8();
        entry[63] = 0;
        if (!str_eq(reinterpret_cast<const char*>(entry + 8), name)) continue;
        u32 size = load_be32(entry);
        u16 key = u16(entry[4] << 8 | entry[5]);
        if (size >= cap) return Error::CapacityExceeded; // size is untrusted: no size + 1
        select(key);
        for (u32 k = 0; k < size; ++k) buf[k] = char(read8());
        buf[size] = 0;
        return size;
    }
    return Error::NotFound;
}

Result<u64> FwCfg::read_number(const char* name) {
    char text[24];
    u32 n = TRY(read_file(name, text, sizeof text));
    if (n == 0) return Error::Malformed;
    u64 v = 0;
    for (u32 i = 0; i < n; ++i) {
        if (text[i] < '0' || text[i] > '9' || v > 1'000'000'000) return Error::Malformed;
        v = v * 10 + u64(text[i] - '0');
    }
    return v;
}

namespace {

// Parses decimal digits at p up to a space or the end.
Result<u64> parse_decimal(const char* p) {
    u64 v = 0;
    u32 n = 0;
    for (; *p && *p != ' '; ++p, ++n) {
        if (*p < '0' || *p > '9' || v > 1'000'000'000) return Error::Malformed;
        v = v * 10 + u64(*p - '0');
    }
    if (n == 0) return Error::Malformed;
    return v;
}

// Finds "mosaic.<key>=" as a whole word of args.
Result<u64> from_bootargs(const char* args, const char* key) {
    char word[48];
    BufferSink w(word, sizeof word);
    format(w.sink(), "mosaic.{}=", key);
    usize n = w.size();
    for (const char* p = args; *p;) {
        if (mem_eq(p, word, min(n, str_len(p))) && str_len(p) >= n) return parse_decimal(p + n);
        while (*p && *p != ' ') ++p;
        while (*p == ' ') ++p;
    }
    return Error::NotFound;
}

} // namespace

Result<u64> boot_param(const BootInfo& bi, const char* key) {
    char file[48];
    BufferSink f(file, sizeof file);
    format(f.sink(), "opt/mosaic/{}", key);
    FwCfg fw(bi.fw_cfg);
    auto v = fw.read_number(file);
    if (v.ok() || v.error() != Error::NotFound) return v;
    return from_bootargs(bi.bootargs, key);
}

} // namespace mosaic::cpudriver
