// The per-core capability table: CNode storage, derivation links, deletion and revocation.
#include <mosaic/caps/cap_table.hpp>

namespace mosaic::caps {

Result<u16> CapTable::create_cnode() {
    if (free_cnodes() == 0) return Error::CapacityExceeded;
    u16 c = take_cnode();
    cnodes_[c].refs = 1;
    return c;
}

void CapTable::release_cnode(u16 cnode) {
    if (!cnode_live(cnode) || cnodes_[cnode].refs == 0) return;
    --cnodes_[cnode].refs;
    reap();
}

Status CapTable::retain_cnode(u16 cnode) {
    if (!cnode_live(cnode) || cnodes_[cnode].refs == 0) return Error::InvalidArgument;
    ++cnodes_[cnode].refs;
    return {};
}

Status CapTable::install(u16 cnode, u32 index, const Capability& cap, bool original) {
    if (!cnode_live(cnode) || index >= kCNodeSlots) return Error::InvalidSlot;
    TRY_STATUS(validate(cap));
    if (cap.type == CapType::CNode && !cnode_live(cap.object)) return Error::InvalidArgument;
    SlotId s = slot_of(cnode, index);
    if (occupied(s)) return Error::SlotOccupied;
    insert(s, cap, kNoSlot, original);
    return {};
}

Result<SlotId> CapTable::lookup(u16 root, CPtr p, Want want) const {
    if (!cnode_live(root) || !p.well_formed()) return Error::InvalidSlot;
    if (p.first() >= kCNodeSlots || p.second() >= kCNodeSlots) return Error::InvalidSlot;
    SlotId s = slot_of(root, p.first());
    if (p.depth() == 2) {
        const Capability& c = slots_[s].cap;
        if (c.is_null()) return Error::SlotEmpty;
        if (c.type != CapType::CNode) return Error::WrongType;
        if (!(c.rights & (want == Want::Empty ? kWrite : kRead))) return Error::PermissionDenied;
        s = slot_of(c.object, p.second());
    }
    if (want == Want::Cap && !occupied(s)) return Error::SlotEmpty;
    if (want == Want::Empty && occupied(s)) return Error::SlotOccupied;
    return s;
}

bool CapTable::is_ancestor(SlotId a, SlotId d) const {
    for (SlotId p = slots_[d].parent; p != kNoSlot; p = slots_[p].parent)
        if (p == a) return true;
    return false;
}

bool CapTable::overlaps_object(SlotId src, u64 base, u64 size) const {
    for (SlotId s = 0; s < kTableSlots; ++s) {
        const Entry& e = slots_[s];
        if (!e.original || !e.cap.overlaps(base, size) || e.cap.node != slots_[src].cap.node) continue;
        if (s != src && !is_ancestor(s, src)) return true;
    }
    return false;
}

u32 CapTable::free_cnodes() const {
    u32 n = 0;
    for (const CNodeObject& c : cnodes_) n += !c.used;
    return n;
}

u16 CapTable::take_cnode() {
    u16 c = 0;
    while (cnodes_[c].used) ++c;
    cnodes_[c] = {0, true};
    return c;
}

void CapTable::insert(SlotId dest, const Capability& cap, SlotId parent, bool original) {
    slots_[dest] = Entry{cap, kNoSlot, kNoSlot, kNoSlot, kNoSlot, original};
    if (parent != kNoSlot) link(parent, dest);
    if (cap.type == CapType::CNode) ++cnodes_[cap.object].refs;
}

void CapTable::link(SlotId parent, SlotId child) {
    Entry& c = slots_[child];
    c.parent = parent;
    c.prev = kNoSlot;
    c.next = slots_[parent].first_child;
    if (c.next != kNoSlot) slots_[c.next].prev = child;
    slots_[parent].first_child = child;
}

void CapTable::unlink(SlotId s) {
    Entry& e = slots_[s];
    if (e.prev != kNoSlot) slots_[e.prev].next = e.next;
    else if (e.parent != kNoSlot) slots_[e.parent].first_child = e.next;
    if (e.next != kNoSlot) slots_[e.next].prev = e.prev;
    e.parent = e.prev = e.next = kNoSlot;
}

// Removes one capability; its children move to its parent (or become roots), so the
// derivation of every remaining capability from its ancestors stays exact.
void CapTable::erase(SlotId s) {
    Entry& e = slots_[s];
    while (e.first_child != kNoSlot) {
        SlotId c = e.first_child;
        unlink(c);
        if (e.parent != kNoSlot) link(e.parent, c);
    }
    unlink(s);
    if (e.cap.type == CapType::CNode) --cnodes_[e.cap.object].refs;
    e = Entry{};
}

// Frees every CNode that nothing names any more, deleting the capabilities stored in it
// (which may free further CNodes). FIXME: a CNode reachable only through a cycle of CNodes
// stays allocated until its memory is revoked (seL4 resolves this with zombie capabilities).
void CapTable::reap() {
    for (bool again = true; again;) {
        again = false;
        for (u32 c = 0; c < kMaxCNodes; ++c) {
            if (!cnodes_[c].used || cnodes_[c].refs) continue;
            for (u32 i = 0; i < kCNodeSlots; ++i)
                if (occupied(slot_of(c, i))) erase(slot_of(c, i));
            cnodes_[c].used = false;
            again = true;
        }
    }
}

void CapTable::remove(SlotId s) {
    erase(s);
    reap();
}

// Deletes descendants leaf first, so no erase() has children to hand on.
void CapTable::revoke(SlotId s) {
    while (slots_[s].first_child != kNoSlot) {
        SlotId leaf = slots_[s].first_child;
        while (slots_[leaf].first_child != kNoSlot) leaf = slots_[leaf].first_child;
        erase(leaf);
    }
    reap();
}

Status CapTable::set_remote_copy(SlotId s, u32 core, bool held) {
    if (core >= kMaxCores || !occupied(s)) return Error::OutOfRange;
    u64 bit = u64(1) << core;
    Capability& c = slots_[s].cap;
    c.remote_copies = held ? (c.remote_copies | bit) : (c.remote_copies & ~bit);
    return {};
}

} // namespace mosaic::caps
