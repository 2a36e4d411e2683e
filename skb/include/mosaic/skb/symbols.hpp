// The symbol table: interns names and symbol constants to small dense ids, in arrays
// carved from the engine's arena (open addressing, no deletion).
#pragma once

#include <mosaic/error.hpp>
#include <mosaic/skb/arena.hpp>
#include <mosaic/skb/limits.hpp>
#include <mosaic/skb/value.hpp>

namespace mosaic::skb {

class Symbols {
  public:
    // Takes the symbol arrays from the arena; false when it is too small.
    bool carve(Arena& arena, const Limits& limits);
    // Empties the table (after carve() from a real, not a measuring, arena).
    void clear();
    // Returns the id of the text s[0..n), adding it when new.
    Result<u32> intern(const char* s, u32 n);
    // Returns the id of s if it is known, without adding it.
    Result<u32> find(const char* s, u32 n) const;
    StrView name(u32 id) const;
    u32 count() const { return count_; }

  private:
    u32 slot_of(const char* s, u32 n) const;

    char* text_ = nullptr;
    u32* offsets_ = nullptr; // symbol i is text_[offsets_[i] .. offsets_[i + 1])
    u32* table_ = nullptr;   // id + 1 per occupied slot, 0 when empty
    u32 table_mask_ = 0;
    u32 text_used_ = 0;
    u32 text_cap_ = 0;
    u32 count_ = 0;
    u32 cap_ = 0;
};

} // namespace mosaic::skb
