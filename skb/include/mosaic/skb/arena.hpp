// Carves typed arrays out of one caller-supplied block of memory; nothing is ever freed.
// An arena made with measuring() hands out no memory and only counts the bytes a layout
// needs, so the same carving code both sizes and fills a block.
#pragma once

#include <mosaic/types.hpp>

namespace mosaic::skb {

class Arena {
  public:
    Arena() = default;
    Arena(void* mem, usize bytes) : base_(static_cast<u8*>(mem)), size_(bytes) {}
    static Arena measuring() {
        Arena a;
        a.size_ = ~usize(0);
        a.measure_ = true;
        return a;
    }

    // Returns room for n objects of T, aligned for T, or nullptr when the block is too
    // small. The memory is not initialised: T must be a plain aggregate that its owner
    // writes before reading. In a measuring arena the pointer is a placeholder.
    template <typename T> T* take(usize n) {
        uptr start = uptr(base_) + used_;
        usize at = usize(align_up(start, alignof(T)) - uptr(base_));
        if (at > size_ || n > (size_ - at) / sizeof(T)) return nullptr;
        used_ = at + n * sizeof(T);
        if (measure_) return reinterpret_cast<T*>(alignof(T));
        return reinterpret_cast<T*>(base_ + at);
    }
    usize used() const { return used_; }

  private:
    u8* base_ = nullptr;
    usize size_ = 0;
    usize used_ = 0;
    bool measure_ = false;
};

} // namespace mosaic::skb
