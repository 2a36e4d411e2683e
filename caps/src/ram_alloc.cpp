// First-fit splitting of a RAM capability into aligned chunks through retype invocations.
#include <mosaic/caps/ram_alloc.hpp>

namespace mosaic::caps {

Status RamAllocator::init() {
    u64 w[kMaxInvocationWords];
    Reply r = TRY(invoke_(ctx_, w, encode_slot_op(w, Op::Identify, source_)));
    if (r.cap.type != CapType::Ram) return Error::WrongType;
    if (!(r.cap.rights & kWrite)) return Error::PermissionDenied;
    base_ = r.cap.base;
    size_ = r.cap.size;
    return {};
}

// The lowest offset at or after `from` where `size` bytes are aligned and free of chunks.
Result<u64> RamAllocator::find_offset(u64 size, u64 from) const {
    if (size > size_ || from > size_) return Error::NoMemory;
    u64 off = align_up(base_ + from, size) - base_;
    for (bool moved = true; moved;) {
        moved = false;
        if (off > size_ || size_ - off < size) return Error::NoMemory;
        for (u32 i = 0; i < count_; ++i) {
            const Chunk& c = chunks_[i];
            if (c.size && c.offset < off + size && off < c.offset + c.size) {
                off = align_up(base_ + c.offset + c.size, size) - base_;
                moved = true;
            }
        }
    }
    return off;
}

Result<u32> RamAllocator::free_slot() const {
    for (u32 i = 0; i < count_; ++i)
        if (!chunks_[i].size) return i;
    return Error::CapacityExceeded;
}

Result<CPtr> RamAllocator::alloc(u64 size) {
    if (!is_pow2(size) || size < kPageSize) return Error::InvalidArgument;
    u32 slot = TRY(free_slot());
    CPtr dest = first_.with_last(first_.last() + slot);
    u64 w[kMaxInvocationWords];
    // The kernel is the authority: a range busy for a reason unknown here is skipped.
    for (u64 off = 0;; off += size) {
        off = TRY(find_offset(size, off));
        auto r = invoke_(ctx_, w, encode_retype(w, source_, dest, CapType::Ram, size, 1, off));
        if (r.ok()) {
            chunks_[slot] = {off, size};
            return dest;
        }
        if (r.error() != Error::HasDescendants) return r.error();
    }
}

Status RamAllocator::free(CPtr chunk) {
    u32 i = chunk.last() - first_.last();
    if (chunk.with_last(first_.last()).raw != first_.raw || chunk.last() < first_.last() || i >= count_ ||
        !chunks_[i].size)
        return Error::NotFound;
    u64 w[kMaxInvocationWords];
    TRY(invoke_(ctx_, w, encode_slot_op(w, Op::Delete, chunk)));
    chunks_[i] = {};
    return {};
}

u64 RamAllocator::bytes_free() const {
    u64 used = 0;
    for (u32 i = 0; i < count_; ++i) used += chunks_[i].size;
    return size_ - used;
}

} // namespace mosaic::caps
