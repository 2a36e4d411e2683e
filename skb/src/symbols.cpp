// Symbol interning for the SKB (see symbols.hpp).
#include <mosaic/skb/symbols.hpp>

namespace mosaic::skb {

namespace {

u32 hash_text(const char* s, u32 n) {
    u32 h = 2166136261u; // FNV-1a
    for (u32 i = 0; i < n; ++i) h = (h ^ u8(s[i])) * 16777619u;
    return h;
}

u32 table_size_for(u32 symbols) {
    u32 size = 16;
    while (size < symbols * 2) size <<= 1;
    return size;
}

} // namespace

bool Symbols::carve(Arena& arena, const Limits& limits) {
    cap_ = limits.max_symbols;
    text_cap_ = limits.symbol_bytes;
    u32 table_size = table_size_for(cap_);
    table_mask_ = table_size - 1;
    text_ = arena.take<char>(text_cap_);
    offsets_ = arena.take<u32>(usize(cap_) + 1);
    table_ = arena.take<u32>(table_size);
    return text_ && offsets_ && table_;
}

void Symbols::clear() {
    count_ = 0;
    text_used_ = 0;
    offsets_[0] = 0;
    for (u32 i = 0; i <= table_mask_; ++i) table_[i] = 0;
}

// Returns the slot holding s, or the empty slot where s would go.
u32 Symbols::slot_of(const char* s, u32 n) const {
    u32 slot = hash_text(s, n) & table_mask_;
    while (table_[slot] != 0) {
        if (name(table_[slot] - 1).equals(s, n)) return slot;
        slot = (slot + 1) & table_mask_;
    }
    return slot;
}

Result<u32> Symbols::find(const char* s, u32 n) const {
    u32 slot = slot_of(s, n);
    if (table_[slot] == 0) return Error::NotFound;
    return table_[slot] - 1;
}

Result<u32> Symbols::intern(const char* s, u32 n) {
    if (n > kMaxSymbolLen) return Error::OutOfRange;
    u32 slot = slot_of(s, n);
    if (table_[slot] != 0) return table_[slot] - 1;
    if (count_ >= cap_ || n > text_cap_ - text_used_) return Error::CapacityExceeded;
    for (u32 i = 0; i < n; ++i) text_[text_used_ + i] = s[i];
    offsets_[count_] = text_used_;
    text_used_ += n;
    offsets_[count_ + 1] = text_used_;
    table_[slot] = ++count_;
    return count_ - 1;
}

StrView Symbols::name(u32 id) const {
    if (id >= count_) return StrView{};
    return StrView{text_ + offsets_[id], offsets_[id + 1] - offsets_[id]};
}

} // namespace mosaic::skb
