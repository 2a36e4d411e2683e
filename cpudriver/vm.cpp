// The generic page-table walker (see vm.hpp). Tables are reached through their physical
// address, which the CPU driver maps one to one.
#include "vm.hpp"

namespace mosaic::cpudriver {

namespace {
u64* table_at(u64 pa) { return reinterpret_cast<u64*>(uptr(pa)); }
constexpr u64 kIndexMask = 511;
} // namespace

Result<u64> PagePool::alloc() {
    if (next_ + kPageSize > end_) return Error::NoMemory;
    u64 page = next_;
    next_ += kPageSize;
    for (u64 i = 0; i < kPageSize / 8; ++i) table_at(page)[i] = 0;
    return page;
}

Result<u64> PagePool::alloc_range(u64 size, u64 align) {
    u64 at = align_up(next_, max(align, kPageSize));
    if (at < next_ || size > end_ || at > end_ - size || size % kPageSize) return Error::NoMemory;
    next_ = at;
    for (u64 off = 0; off < size; off += kPageSize) TRY(alloc());
    return at;
}

Status AddressSpace::init(PagePool& pool) {
    pool_ = &pool;
    root_ = TRY(pool.alloc());
    return {};
}

Status AddressSpace::init_shared(PagePool& pool, u64 kernel_root, u64 user_base) {
    u64 user_slot = (user_base >> arch::mmu::root_shift()) & kIndexMask;
    const u64* kernel = table_at(kernel_root);
    if (arch::mmu::is_valid(kernel[user_slot])) return Error::AlreadyExists;
    TRY_STATUS(init(pool));
    u64* root = table_at(root_);
    for (u64 i = 0; i <= kIndexMask; ++i) root[i] = kernel[i];
    return {};
}

u32 AddressSpace::shift(u32 level) const { return arch::mmu::root_shift() - 9 * level; }

Result<u64*> AddressSpace::slot(u64 va, u32 level, bool create) {
    u64* table = table_at(root_);
    for (u32 l = 0;; ++l) {
        u64* e = &table[(va >> shift(l)) & kIndexMask];
        if (l == level) return e;
        if (!arch::mmu::is_valid(*e)) {
            if (!create || !pool_) return Error::NotFound;
            u64 next = TRY(pool_->alloc());
            *e = arch::mmu::table_entry(next);
        } else if (!arch::mmu::is_table(*e, l)) {
            return create ? Error::AlreadyExists : Error::Unsupported; // a block covers va
        }
        table = table_at(arch::mmu::entry_address(*e));
    }
}

Status AddressSpace::map(u64 va, u64 pa, u64 size, const arch::mmu::MapFlags& f) {
    if ((va | pa | size) & (kPageSize - 1)) return Error::Misaligned;
    if (va + size < va || pa + size < pa) return Error::Overflow;
    u32 last = arch::mmu::levels() - 1;
    for (u64 off = 0; off < size;) {
        bool block = ((va + off) % kBlockSize == 0) && ((pa + off) % kBlockSize == 0) && size - off >= kBlockSize;
        u32 level = block ? last - 1 : last;
        u64* e = TRY(slot(va + off, level, true));
        if (arch::mmu::is_valid(*e)) return Error::AlreadyExists;
        *e = arch::mmu::leaf_entry(pa + off, f, level);
        off += block ? kBlockSize : kPageSize;
    }
    return {};
}

Status AddressSpace::unmap(u64 va, u64 size) {
    if ((va | size) & (kPageSize - 1)) return Error::Misaligned;
    for (u64 off = 0; off < size; off += kPageSize) {
        u64* e = TRY(slot(va + off, arch::mmu::levels() - 1, false));
        if (!arch::mmu::is_valid(*e)) return Error::NotFound;
        *e = 0;
        arch::mmu::invalidate(va + off);
    }
    return {};
}

Status AddressSpace::protect(u64 va, u64 size, const arch::mmu::MapFlags& f) {
    if ((va | size) & (kPageSize - 1)) return Error::Misaligned;
    u32 last = arch::mmu::levels() - 1;
    for (u64 off = 0; off < size; off += kPageSize) {
        u64* e = TRY(slot(va + off, last, false));
        if (!arch::mmu::is_valid(*e)) return Error::NotFound;
        *e = arch::mmu::leaf_entry(arch::mmu::entry_address(*e), f, last);
        arch::mmu::invalidate(va + off);
    }
    return {};
}

Result<u64> AddressSpace::translate(u64 va) const {
    auto m = TRY(lookup(va));
    return m.pa;
}

Result<Mapping> AddressSpace::lookup(u64 va) const {
    u64* table = table_at(root_);
    for (u32 l = 0; l < arch::mmu::levels(); ++l) {
        u64 e = table[(va >> shift(l)) & kIndexMask];
        if (!arch::mmu::is_valid(e)) return Error::NotFound;
        if (!arch::mmu::is_table(e, l)) {
            u64 span = u64(1) << shift(l);
            return Mapping{arch::mmu::entry_address(e) + (va & (span - 1)), arch::mmu::leaf_flags(e)};
        }
        table = table_at(arch::mmu::entry_address(e));
    }
    return Error::Malformed;
}

} // namespace mosaic::cpudriver
