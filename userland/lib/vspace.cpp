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
    auto table = [&](int level, CPtr in, u64 at) -> Result<CPtr> {
        if (ram_used_ + kPageSize > ram_size_) return Error::NoMemory;
        CPtr t = fresh_slot();
        Error e = cap::retype(ram_, t, page_table_type(level), kPageTableBytes, 1, ram_used_);
        if (e == Error::Ok) e = cap::map_table(in, at, t);
        if (e != Error::Ok) return e;
        ram_used_ += kPageSize;
        return t;
    };
    for (int level = root_level + 1; level < int(kPtLevels); ++level) {
        above = parent, above_index = index;
        parent = TRY(table(level, parent, index));
        index = (base_ / entry_bytes(level)) % kPtEntries;
    }
    leaf_ = parent;
    // The scratch tables: the next 2 MiB spans after the first.
    for (u32 i = 0; i < scratch; ++i) scratch_[i] = TRY(table(int(kPtLevels) - 1, above, above_index + 1 + i));
    scratch_count_ = scratch;
    ready_ = true;
    return {};
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
    if (pages_ + pages > kMaxPages) return Error::CapacityExceeded;
    const u64 va = base_ + u64(pages_) * kPageSize;
    const u64 first_index = (base_ / kPageSize) % kPtEntries;
    for (u64 i = 0; i < pages; ++i) {
        Error e = cap::map(leaf_, first_index + pages_ + i, frame, kRead | kWrite, offset + i * kPageSize);
        if (e != Error::Ok) return e;
    }
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
