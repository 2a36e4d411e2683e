// Address spaces: the generic page-table walker over the ISA's entry format
// (arch::mmu), with map, unmap, protect and translate. Page-table pages come from a
// PagePool of physical memory that belongs to this core.
#pragma once

#include <mosaic/cpudriver/arch.hpp>

namespace mosaic::cpudriver {

constexpr u64 kPageSize = 4096, kBlockSize = 2ull << 20;

// Hands out zeroed 4 KiB pages from one physical range (identity-mapped while in use).
class PagePool {
  public:
    PagePool() = default;
    PagePool(u64 base, u64 size) : start_(align_up(base, kPageSize)), next_(start_), end_(base + size) {}
    Result<u64> alloc();
    // size bytes (zeroed) aligned to align (a power of two); pages skipped to align are lost.
    Result<u64> alloc_range(u64 size, u64 align);
    bool contains(u64 pa) const { return pa >= start_ && pa < next_; }
    u64 remaining() const { return end_ > next_ ? end_ - next_ : 0; }

  private:
    u64 start_ = 0, next_ = 0, end_ = 0;
};

// A valid leaf: where it maps to and with which rights.
struct Mapping {
    u64 pa = 0;
    arch::mmu::MapFlags flags;
};

class AddressSpace {
  public:
    Status init(PagePool& pool);
    // A user address space: a new root that shares the kernel's map (every root entry of
    // kernel_root) except the root slot of user_base, which must be empty there and is
    // this space's own (AlreadyExists if the kernel uses it).
    Status init_shared(PagePool& pool, u64 kernel_root, u64 user_base);
    u64 root() const { return root_; }
    // A space whose root table was made elsewhere (a page-table capability): translated
    // and looked up only, never mapped into through this object.
    void adopt(u64 root) { root_ = root, pool_ = nullptr; }
    // Maps [va, va + size) to [pa, ...): 2 MiB blocks where both are aligned, else pages.
    // AlreadyExists if any part is mapped; Misaligned unless all three are page aligned.
    Status map(u64 va, u64 pa, u64 size, const arch::mmu::MapFlags& f);
    // Removes the 4 KiB pages of [va, va + size); NotFound if one is not mapped,
    // Unsupported if it lies inside a 2 MiB block.
    Status unmap(u64 va, u64 size);
    // Changes the flags of the 4 KiB pages of [va, va + size).
    Status protect(u64 va, u64 size, const arch::mmu::MapFlags& f);
    // The physical address va maps to; NotFound if unmapped.
    Result<u64> translate(u64 va) const;
    // The physical address and rights of va; NotFound if unmapped.
    Result<Mapping> lookup(u64 va) const;

  private:
    // The entry for va at `level`, creating tables on the way when create is set.
    Result<u64*> slot(u64 va, u32 level, bool create);
    u32 shift(u32 level) const;
    u64 root_ = 0;
    PagePool* pool_ = nullptr;
};

} // namespace mosaic::cpudriver
