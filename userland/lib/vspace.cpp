// See vspace.hpp.
#include <mosaic/user/caps.hpp>
#include <mosaic/user/sys.hpp>
#include <mosaic/user/vspace.hpp>

namespace mosaic::user {

using namespace caps;

namespace {
constexpr CPtr kRoot = CPtr::at(sys::kSlotRootTable);
} // namespace

Status Vspace::init(u64 ram_bytes, u32 first_slot, CPtr ram, u32 scratch) {
    if (scratch > kMaxScratch) return Error::InvalidArgument;
    next_slot_ = first_slot;
    ram_ = ram;
    ram_size_ = ram_bytes;
    const CapType root_type = TRY(cap::identify(kRoot)).type;
    if (!is_page_table(root_type)) return Error::WrongType;
    const int root_level = pt_level(root_type);
    const u64 slot_bytes = entry_bytes(root_level);
    const u64 window = u64(uptr(&user::exit)) & ~(slot_bytes - 1); // the slot the program runs in
    base_ = window + slot_bytes;
    CPtr parent = kRoot, above = kRoot;
    u64 index = (base_ / slot_bytes) % kPtEntries, above_index = index;
    for (int level = root_level + 1; level < int(kPtLevels); ++level) {
        above = parent, above_index = index;
        parent = TRY(table(level, parent, index));
        index = (base_ / entry_bytes(level)) % kPtEntries;
    }
    leaves_[0] = parent;
    leaf_count_ = 1;
    above_ = above;
    above_index_ = above_index;
    // The scratch tables: the next 2 MiB spans after the first.
    for (u32 i = 0; i < scratch; ++i) scratch_[i] = TRY(table(int(kPtLevels) - 1, above, above_index + 1 + i));
    scratch_count_ = scratch;
    // The heap's later leaves follow the scratch tables in the same table.
    if (above_index_ + 1 + scratch_count_ + kMaxLeaves - 1 > kPtEntries) return Error::OutOfRange;
    ready_ = true;
    return {};
}

Result<CPtr> Vspace::table(int level, CPtr in, u64 index) {
    if (ram_used_ + kPageSize > ram_size_) return Error::NoMemory;
    CPtr t = fresh_slot();
    Error e = cap::retype(ram_, t, page_table_type(level), kPageTableBytes, 1, ram_used_);
    if (e == Error::Ok) e = cap::map_table(in, index, t);
    if (e != Error::Ok) return e;
    ram_used_ += kPageSize;
    return t;
}

Result<CPtr> Vspace::alloc_frame(u64 bytes) {
    if (!ready_) return Error::NotFound;
    if (bytes < kPageSize || !is_pow2(bytes)) return Error::InvalidArgument;
    u64 at = align_up(ram_used_, bytes);
    if (at + bytes > ram_size_) return Error::NoMemory;
    CPtr f = fresh_slot();
    if (Error e = cap::retype(ram_, f, CapType::Frame, bytes, 1, at); e != Error::Ok) return e;
    ram_used_ = at + bytes;
    return f;
}

Result<u64> Vspace::map(CPtr frame, u64 offset, u64 bytes) {
    if (!ready_) return Error::NotFound;
    const u64 pages = (bytes + kPageSize - 1) / kPageSize;
    if (pages == 0 || pages > kLeafPages) return Error::InvalidArgument;
    if (pages_ + pages > kLeafPages) { // the next leaf, after the scratch tables
        if (leaf_count_ == kMaxLeaves) return Error::CapacityExceeded;
        const u64 index = above_index_ + scratch_count_ + leaf_count_;
        leaves_[leaf_count_] = TRY(table(int(kPtLevels) - 1, above_, index));
        ++leaf_count_;
        pages_ = 0;
    }
    // base_ is aligned to a root entry, so every leaf's first entry is entry 0.
    const u32 leaf = leaf_count_ - 1;
    const u64 leaf_base = base_ + (leaf == 0 ? 0 : u64(scratch_count_ + leaf)) * kLeafPages * kPageSize;
    for (u64 i = 0; i < pages; ++i) {
        Error e = cap::map(leaves_[leaf], pages_ + i, frame, kRead | kWrite, offset + i * kPageSize);
        if (e != Error::Ok) {
            pages_ += u32(i); // those stay mapped until the frame goes: the next mapping starts after them
            return e;
        }
    }
    const u64 va = leaf_base + u64(pages_) * kPageSize;
    pages_ += u32(pages);
    return va;
}

Result<u64> Vspace::map_scratch(u32 table, u32 first, CPtr frame, u64 offset, u32 pages, u64 rights) {
    if (table >= scratch_count_) return Error::NotFound;
    if (first > kPtEntries || pages > kPtEntries - first) return Error::OutOfRange;
    for (u32 i = 0; i < pages; ++i) {
        Error e = cap::map(scratch_[table], first + i, frame, rights, offset + u64(i) * kPageSize);
        if (e != Error::Ok) return e;
    }
    return base_ + (u64(table) + 1) * kPtEntries * kPageSize + u64(first) * kPageSize;
}

} // namespace mosaic::user
