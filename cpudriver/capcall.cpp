// Capability invocations from user mode (sys::Number::CapInvoke): decode and check against
// the caller's capability space (caps/), then apply what the capability system decided to
// the hardware: clear retyped memory, write page-table entries for Map and MapTable, and
// clear entries whose capability was deleted or revoked.
#include "console.hpp"
#include "sched.hpp"

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

Status Scheduler::cap_check_map(Dispatcher* d, const caps::Invocation& inv) {
    auto slot = caps_.lookup(d->cnode, inv.a, caps::Want::Cap);
    if (!slot.ok()) return {}; // decode reports it
    const caps::Capability& table = caps_.at(*slot);
    if (!caps::is_page_table(table.type)) return {};
    // The root table is shared with the kernel map: the user may change its heap slot only.
    if (table.base == d->space.root() && inv.index != heap_slot()) return Error::PermissionDenied;
    if (inv.index < 512 && arch::mmu::is_valid(*entry_at(table.base, u32(inv.index)))) return Error::AlreadyExists;
    if (inv.op == caps::Op::Map) {
        // Pages only, and never writable and executable at once.
        if (caps::pt_level(table.type) != int(caps::kPtLevels) - 1) return Error::Unsupported;
        if ((inv.rights & caps::kWrite) && (inv.rights & caps::kExecute)) return Error::PermissionDenied;
    }
    return {};
}

Status Scheduler::cap_apply(Dispatcher* d, const caps::Invocation& inv, const caps::Reply& r) {
    switch (inv.op) {
    case caps::Op::Retype: {
        // New objects start zeroed: no data of the memory's earlier use is visible.
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
        const caps::Capability& c = caps_.at(m.target);
        mappings_[slot] = {m.target, c.type, c.base, e};
        arch::mmu::activate(d->space.root()); // drop any cached translation of the slot
        return {};
    }
    case caps::Op::Delete:
    case caps::Op::Revoke:
        sweep_mappings();
        return {};
    default:
        return {};
    }
}

void Scheduler::sweep_mappings() {
    bool cleared = false;
    for (auto& m : mappings_) {
        if (!m.entry) continue;
        bool alive = caps_.occupied(m.slot) && caps_.at(m.slot).type == m.type && caps_.at(m.slot).base == m.base;
        if (alive) continue;
        *m.entry = 0;
        m = MappingRecord{};
        cleared = true;
    }
    // Every core's cached translations of those entries go (only this core ever used them).
    if (cleared && loaded_) arch::mmu::activate(loaded_->space.root());
}

Status Scheduler::cap_transfer(Dispatcher* from, u64 cptr, Dispatcher* to) {
    caps::SlotId src = TRY(caps_.lookup(from->cnode, caps::CPtr{cptr}, caps::Want::Cap));
    const caps::Capability& c = caps_.at(src);
    if (!(c.rights & caps::kGrant) || caps::has_flag(c.type, caps::kMonitorOnly)) return Error::PermissionDenied;
    if (!to->recv_slot) return Error::InvalidSlot; // the receiver takes no capabilities now
    caps::SlotId dest = TRY(caps_.lookup(to->cnode, caps::CPtr{to->recv_slot}, caps::Want::Empty));
    // A copy, derived from the sender's: revoking the sender's takes it back.
    caps_.insert(dest, c, src, false);
    to->recv_slot = 0; // one capability per receive slot the receiver names
    return {};
}

sys::Return Scheduler::cap_invoke(Dispatcher* d, u64 words, u64 n) {
    sys::Return r;
    auto fail = [&](Error e) {
        r.error = u64(e);
        return r;
    };
    if (n == 0) return fail(Error::Truncated);
    if (n > sys::kMaxInvokeWords) return fail(Error::Malformed);
    u64 w[sys::kMaxInvokeWords] = {};
    auto copied = copy_from_user(d, words, w, usize(n * 8));
    if (!copied.ok()) return fail(copied.error());
    auto inv = caps::decode_invocation(w, usize(n));
    if (!inv.ok()) return fail(inv.error());
    if (inv->op == caps::Op::Map || inv->op == caps::Op::MapTable) {
        Status st = cap_check_map(d, *inv);
        if (!st.ok()) return fail(st.error());
    }
    auto reply = caps::execute(caps_, d->cnode, *inv);
    if (!reply.ok()) return fail(reply.error());
    Status applied = cap_apply(d, *inv, *reply);
    if (!applied.ok()) return fail(applied.error());
    if (inv->op == caps::Op::Identify)
        r.value[0] = caps::wire_id(reply->cap.type), r.value[1] = reply->cap.rights, r.value[2] = reply->cap.base,
        r.value[3] = reply->cap.size;
    if (inv->op == caps::Op::HasDescendants) r.value[0] = reply->flag;
    return r;
}

} // namespace mosaic::cpudriver
