// Values of the SKB: 63-bit integers and interned symbols packed in one 64-bit word,
// plus StrView, the (pointer, length) text slice the SKB passes around.
#pragma once

#include <mosaic/types.hpp>

namespace mosaic::skb {

// A slice of text that is not NUL-terminated; the SKB never copies text it is given.
struct StrView {
    const char* data = nullptr;
    u32 len = 0;

    bool equals(const char* s, u32 n) const {
        if (n != len) return false;
        for (u32 i = 0; i < n; ++i)
            if (data[i] != s[i]) return false;
        return true;
    }
    bool equals(StrView o) const { return equals(o.data, o.len); }
    // Compares with a NUL-terminated string.
    bool is(const char* s) const {
        u32 n = 0;
        while (s[n]) ++n;
        return equals(s, n);
    }
};

// An integer or a symbol. The low bit is the tag (0 integer, 1 symbol), so equality of
// values is equality of words and hashing needs no case split.
class Value {
  public:
    static constexpr i64 kMaxInt = (i64(1) << 62) - 1;
    static constexpr i64 kMinInt = -(i64(1) << 62);

    constexpr Value() = default;
    static constexpr bool fits(i64 n) { return n >= kMinInt && n <= kMaxInt; }
    // The caller checks fits(n) first; out-of-range integers wrap.
    static constexpr Value integer(i64 n) { return Value(u64(n) << 1); }
    static constexpr Value symbol(u32 id) { return Value(u64(id) << 1 | 1); }
    static constexpr Value from_raw(u64 raw) { return Value(raw); }

    constexpr bool is_int() const { return (raw_ & 1) == 0; }
    constexpr bool is_symbol() const { return (raw_ & 1) != 0; }
    constexpr i64 as_int() const { return i64(raw_) >> 1; }
    constexpr u32 symbol_id() const { return u32(raw_ >> 1); }
    constexpr u64 raw() const { return raw_; }
    constexpr bool operator==(const Value& o) const { return raw_ == o.raw_; }
    constexpr bool operator!=(const Value& o) const { return raw_ != o.raw_; }

  private:
    constexpr explicit Value(u64 raw) : raw_(raw) {}
    u64 raw_ = 0;
};

} // namespace mosaic::skb
