// The benchmark workloads (see workload.hpp).
#include <mosaic/skb/workload.hpp>

namespace mosaic::skb::workload {

namespace {

// Appends decimal digits of v at buf[len]; false when cap is reached.
bool put_number(char* buf, usize cap, usize& len, u32 v) {
    char digits[10];
    u32 n = 0;
    do {
        digits[n++] = char('0' + v % 10);
        v /= 10;
    } while (v);
    if (cap - len <= n) return false;
    while (n) buf[len++] = digits[--n];
    return true;
}

bool put_text(char* buf, usize cap, usize& len, const char* s) {
    for (; *s; ++s) {
        if (cap - len <= 1) return false;
        buf[len++] = *s;
    }
    return true;
}

} // namespace

Result<usize> fact_text(u32 count, char* buf, usize cap) {
    if (!buf || cap == 0) return Error::InvalidArgument;
    usize len = 0;
    for (u32 i = 0; i < count; ++i) {
        bool ok = put_text(buf, cap, len, "fact(") && put_number(buf, cap, len, i) && put_text(buf, cap, len, ", ") &&
                  put_number(buf, cap, len, u32(u64(i) * 7919 % 1000)) && put_text(buf, cap, len, ", s") &&
                  put_number(buf, cap, len, i % 100) && put_text(buf, cap, len, ").\n");
        if (!ok) {
            buf[0] = 0;
            return Error::CapacityExceeded;
        }
    }
    buf[len] = 0;
    return len;
}

u32 Edges::xorshift() {
    x_ ^= x_ << 13;
    x_ ^= x_ >> 7;
    x_ ^= x_ << 17;
    return u32(x_ % nodes_);
}

bool Edges::next(u32& from, u32& to) {
    if (graph_ == Graph::Chain) {
        if (i_ + 1 >= nodes_) return false;
        from = i_++;
        to = i_;
        return true;
    }
    if (i_ >= random_edges_) return false;
    ++i_;
    from = xorshift();
    to = xorshift();
    return true;
}

} // namespace mosaic::skb::workload
