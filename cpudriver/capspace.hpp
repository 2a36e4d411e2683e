// A core's capability space: the CapTable of every dispatcher's capabilities (caps/), and
// the page-table entries written for Map and MapTable invocations, which live only as long
// as the capability they were made from. Decode and check (caps/), then apply to the
// hardware: clear retyped memory, write entries, clear entries whose capability is gone.
#pragma once

#include "vm.hpp"

#include <mosaic/caps/invocation.hpp>

namespace mosaic::cpudriver {

// A page-table entry written for a user capability invocation (Map, MapTable): it stays
// only while the capability it was made from does (delete and revoke clear it).
struct MappingRecord {
    caps::SlotId slot = caps::kNoSlot; // the frame or table capability mapped
    caps::CapType type = caps::CapType::Null;
    u64 base = 0;                      // ... and what it named, to notice a reused slot
    u64* entry = nullptr;              // the entry written
    caps::SlotId table = caps::kNoSlot; // the table capability it was written into
    u64 table_base = 0;                 //   and its memory: once that goes, the entry is not ours to clear
};

class CapSpace {
  public:
    explicit CapSpace(u16 core) : table_(0, core) {}
    caps::CapTable& table() { return table_; }
    u16 core() const { return table_.core(); }

    // Installs an original capability of `type` over [base, base + size) in slot `slot` of
    // CNode `cnode` (a new dispatcher's memory, the Kernel capability, device memory).
    Status install(u16 cnode, u32 slot, caps::CapType type, u64 base, u64 size, u8 rights, u64 badge = 0);
    // The same in the empty slot a CPtr of the space rooted at `cnode` names.
    Status install_at(u16 cnode, u64 cptr, caps::CapType type, u64 base, u8 rights, u64 badge = 0);
    // The capability a CPtr of the space rooted at `cnode` names, of type `want` (any for
    // Null; else WrongType) with `rights` (else PermissionDenied).
    Result<const caps::Capability*> find(u16 cnode, u64 cptr, caps::CapType want, u8 rights = 0) const;
    // Invocation words from a dispatcher whose root CNode is `cnode` and root page table
    // `root`: decoded, checked, executed and applied.
    Result<caps::Reply> invoke(u16 cnode, u64 root, const u64* words, usize n);
    // A copy of the capability at `cptr` (with Grant, not monitor-only) in the receiver's
    // slot `to_slot` (a CPtr of the space rooted at `to_cnode`), derived from it.
    Status transfer(u16 from_cnode, u64 cptr, u16 to_cnode, u64 to_slot);
    // Every capability of a dispatcher's space goes, and with them their mappings.
    void release(u16 cnode);
    // The address space whose translations this core holds now (for a flush).
    void set_loaded(u64 root) { loaded_root_ = root; }

  private:
    Status apply(u64 root, const caps::Invocation& inv, const caps::Reply& r);
    void sweep(); // clears entries whose capability is gone

    caps::CapTable table_;
    static constexpr u32 kMaxMappings = 2048; // every page of every program the monitor loaded
    MappingRecord mappings_[kMaxMappings];
    u64 loaded_root_ = 0;
};

} // namespace mosaic::cpudriver
