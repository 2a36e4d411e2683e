// A core's capability space (see capspace.hpp).
#include "capspace.hpp"

namespace mosaic::cpudriver {

namespace {

static_assert(sys::kMaxInvokeWords == caps::kMaxInvocationWords);

// The root-table slot that holds the user's own tables: the one after the user window's
// (the window itself holds the program and stack the CPU driver loaded).
u64 heap_slot() { return ((arch::user_window_base() >> arch::mmu::root_shift()) + 1) & 511; }

// The ISA's level of a caps page-table level (caps counts four levels on every ISA).
u32 arch_level(int caps_level) { return u32(caps_level) - (caps::kPtLevels - arch::mmu::levels()); }

u64* entry_at(u64 table, u32 index) { return reinterpret_cast<u64*>(uptr(table)) + index; }

} // namespace

u64 user_heap_base() { return heap_slot() << arch::mmu::root_shift(); }

Status CapSpace::install(u16 cnode, u32 slot, caps::CapType type, u64 base, u64 size, u8 rights, u64 badge) {
    caps::Capability c;
    c.type = type;
    c.rights = rights;
    c.owner = table_.core();
    c.base = base;
    c.size = size;
    c.badge = badge;
    return table_.install(cnode, slot, c, true);
}

Status CapSpace::install_at(u16 cnode, u64 cptr, caps::CapType type, u64 base, u8 rights, u64 badge) {
    caps::SlotId s = TRY(table_.lookup(cnode, caps::CPtr{cptr}, caps::Want::Empty));
    return install(u16(s / caps::kCNodeSlots), s % caps::kCNodeSlots, type, base, 0, rights, badge);
}

Result<const caps::Capability*> CapSpace::find(u16 cnode, u64 cptr, caps::CapType want, u8 rights) const {
    caps::SlotId s = TRY(table_.lookup(cnode, caps::CPtr{cptr}, caps::Want::Cap));
    const caps::Capability& c = table_.at(s);
    if (want != caps::CapType::Null && c.type != want) return Error::WrongType;
    if ((c.rights & rights) != rights) return Error::PermissionDenied;
    return &c;
}

Result<caps::Reply> CapSpace::invoke(u16 cnode, u64 root, const u64* words, usize n) {
    caps::Invocation inv = TRY(caps::decode_invocation(words, n));
    if (inv.op == caps::Op::Map || inv.op == caps::Op::MapTable) {
        auto slot = table_.lookup(cnode, inv.a, caps::Want::Cap);
        if (slot.ok() && caps::is_page_table(table_.at(*slot).type)) {
            const caps::Capability& table = table_.at(*slot);
            // The root table is shared with the kernel map: the user may change its heap slot only.
            if (table.base == root && inv.index != heap_slot()) return Error::PermissionDenied;
            if (inv.index < 512 && arch::mmu::is_valid(*entry_at(table.base, u32(inv.index)))) return Error::AlreadyExists;
            if (inv.op == caps::Op::Map) {
                // Pages only, and never writable and executable at once.
                if (caps::pt_level(table.type) != int(caps::kPtLevels) - 1) return Error::Unsupported;
                if ((inv.rights & caps::kWrite) && (inv.rights & caps::kExecute)) return Error::PermissionDenied;
            }
        }
    }
    caps::Reply reply = TRY(caps::execute(table_, cnode, inv));
    TRY_STATUS(apply(root, inv, reply));
    if (inv.op == caps::Op::IoRead) reply.io_value = arch::io_port_read(u16(reply.io_port), reply.io_width);
    return reply;
}

Status CapSpace::apply(u64 root, const caps::Invocation& inv, const caps::Reply& r) {
    switch (inv.op) {
    case caps::Op::Retype: {
        // New objects start zeroed: no data of the memory's earlier use is visible. Device
        // memory is the device's: a part of it cut out is left as it is.
        if (r.retyped == caps::CapType::DevFrame) return {};
        u8* p = reinterpret_cast<u8*>(uptr(r.retyped_base));
        for (u64 i = 0; i < r.retyped_bytes; ++i) p[i] = 0;
        return {};
    }
    case caps::Op::Map:
    case caps::Op::MapTable: {
        const caps::Mapping& m = r.mapping;
        u32 slot = kMaxMappings;
        for (u32 i = 0; i < kMaxMappings && slot == kMaxMappings; ++i)
            if (!mappings_[i].entry) slot = i;
        if (slot == kMaxMappings) return Error::CapacityExceeded;
        u64* e = entry_at(m.table_base, m.index);
        if (m.is_table) {
            *e = arch::mmu::table_entry(m.phys);
        } else {
            arch::mmu::MapFlags f{.write = (m.rights & caps::kWrite) != 0, .exec = (m.rights & caps::kExecute) != 0,
                                  .user = true, .device = m.device};
            *e = arch::mmu::leaf_entry(m.phys, f, arch_level(m.level));
        }
        const caps::Capability& c = table_.at(m.target);
        mappings_[slot] = {m.target, c.type, c.base, e, m.table, m.table_base};
        arch::mmu::activate(root); // drop any cached translation of the slot
        return {};
    }
    case caps::Op::Delete:
    case caps::Op::Revoke:
        sweep();
        return {};
    case caps::Op::IoWrite:
        arch::io_port_write(u16(r.io_port), r.io_value, r.io_width);
        return {};
    default:
        return {};
    }
}

void CapSpace::sweep() {
    // The page tables that some capability still names (by memory: any copy keeps a table).
    // An entry in a table nothing names any more is not cleared: that memory may be
    // something else by now, and the entry went with its table.
    constexpr u32 kMaxTables = 512;
    u64 tables[kMaxTables];
    u32 ntables = 0;
    bool all_known = true;
    for (caps::SlotId s = 0; s < caps::kTableSlots; ++s) {
        if (!table_.occupied(s) || !caps::is_page_table(table_.at(s).type)) continue;
        if (ntables == kMaxTables) all_known = false;
        else tables[ntables++] = table_.at(s).base;
    }
    auto table_alive = [&](u64 base) {
        for (u32 i = 0; i < ntables; ++i)
            if (tables[i] == base) return true;
        return !all_known;
    };
    bool cleared = false;
    for (auto& m : mappings_) {
        if (!m.entry) continue;
        const bool in_live_table = table_alive(m.table_base);
        const bool target_alive =
            table_.occupied(m.slot) && table_.at(m.slot).type == m.type && table_.at(m.slot).base == m.base;
        if (in_live_table && target_alive) continue;
        if (in_live_table) {
            *m.entry = 0;
            cleared = true;
        }
        m = MappingRecord{};
    }
    // This core's cached translations of those entries go (only this core ever used them).
    if (cleared && loaded_root_) arch::mmu::activate(loaded_root_);
}

void CapSpace::release(u16 cnode) {
    table_.release_cnode(cnode);
    sweep();
}

Status CapSpace::transfer(u16 from_cnode, u64 cptr, u16 to_cnode, u64 to_slot) {
    caps::SlotId src = TRY(table_.lookup(from_cnode, caps::CPtr{cptr}, caps::Want::Cap));
    const caps::Capability& c = table_.at(src);
    if (!(c.rights & caps::kGrant) || caps::has_flag(c.type, caps::kMonitorOnly)) return Error::PermissionDenied;
    if (!to_slot) return Error::InvalidSlot; // the receiver takes no capabilities now
    caps::SlotId dest = TRY(table_.lookup(to_cnode, caps::CPtr{to_slot}, caps::Want::Empty));
    // A copy, derived from the sender's: revoking the sender's takes it back.
    table_.insert(dest, c, src, false);
    return {};
}

} // namespace mosaic::cpudriver
