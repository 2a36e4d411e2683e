// The per-core capability table: fixed storage for every CNode of the core, the derivation
// tree between its capabilities, and the mutations the invoke steps use (which cannot fail).
#pragma once

#include <mosaic/caps/capability.hpp>
#include <mosaic/error.hpp>

namespace mosaic::caps {

// A slot in the table: CNode index * kCNodeSlots + index in that CNode.
using SlotId = u16;
inline constexpr SlotId kNoSlot = 0xFFFF;

// Whether a lookup wants a capability (source) or an empty slot (destination).
enum class Want : u8 { Cap, Empty };

class CapTable {
  public:
    // constexpr so that a CPU driver can place its table in static storage without running
    // constructors (constinit); the table is about kTableSlots * 56 bytes.
    constexpr CapTable(u16 node, u16 core) : node_(node), core_(core) {}
    CapTable(const CapTable&) = delete;
    CapTable& operator=(const CapTable&) = delete;

    u16 node() const { return node_; }
    u16 core() const { return core_; }

    // Boot and monitor interface. A kernel-held CNode is the root of a dispatcher's
    // capability space: it lives until release_cnode() (called once, when the dispatcher
    // dies), even with no capability to it.
    Result<u16> create_cnode();
    void release_cnode(u16 cnode);
    // One more reference to a live CNode (a dispatcher's capability space made from a CNode
    // capability), dropped by release_cnode().
    Status retain_cnode(u16 cnode);
    // How many capabilities (and kernel holds) name a CNode: 1 for one the caller alone names.
    u32 cnode_refs(u16 cnode) const { return cnode_live(cnode) ? cnodes_[cnode].refs : 0; }
    // Installs a well-formed capability in an empty slot with no parent: `original` for boot
    // objects (RAM, device memory, IRQs, the kernel capability), a copy for one received
    // from another core. A CNode capability must name a live CNode.
    Status install(u16 cnode, u32 index, const Capability& cap, bool original);

    // Resolves a CPtr in the capability space rooted at CNode `root` (STYLE.md 5: lookup is
    // part of every decode step). Errors: InvalidSlot for a malformed or out-of-range
    // address, SlotEmpty/SlotOccupied when the slot is not as wanted, WrongType when the
    // first level is not a CNode, PermissionDenied when it lacks Read (Write for Empty).
    Result<SlotId> lookup(u16 root, CPtr p, Want want) const;

    const Capability& at(SlotId s) const { return slots_[s].cap; }
    bool occupied(SlotId s) const { return s < kTableSlots && !slots_[s].cap.is_null(); }
    static SlotId slot_of(u32 cnode, u32 index) { return SlotId(cnode * kCNodeSlots + index); }

    // Derivation queries: copies, mints and retyped objects are children of their source.
    SlotId parent(SlotId s) const { return slots_[s].parent; }
    SlotId first_child(SlotId s) const { return slots_[s].first_child; }
    SlotId next_sibling(SlotId s) const { return slots_[s].next; }
    bool is_original(SlotId s) const { return slots_[s].original; }
    bool has_descendants(SlotId s) const { return slots_[s].first_child != kNoSlot; }
    bool is_ancestor(SlotId a, SlotId d) const;
    // Whether a live original memory object other than `src` and its ancestors overlaps
    // [base, base + size): the "no live descendants" test of retype.
    bool overlaps_object(SlotId src, u64 base, u64 size) const;
    u32 free_cnodes() const;
    bool cnode_live(u32 cnode) const { return cnode < kMaxCNodes && cnodes_[cnode].used; }

    // Mutations for the invoke steps; their decode steps have checked every precondition.
    u16 take_cnode();
    void insert(SlotId dest, const Capability& cap, SlotId parent, bool original);
    void remove(SlotId s); // deletes one capability; its children pass to its parent
    void revoke(SlotId s); // deletes every descendant of s
    // Records whether a remote core holds a copy (OutOfRange for a core beyond kMaxCores).
    Status set_remote_copy(SlotId s, u32 core, bool held);

  private:
    struct Entry {
        Capability cap;
        SlotId parent = kNoSlot;
        SlotId first_child = kNoSlot;
        SlotId next = kNoSlot;
        SlotId prev = kNoSlot;
        bool original = false;
    };
    struct CNodeObject {
        u32 refs = 0; // capabilities naming it, plus one while the kernel holds it
        bool used = false;
    };

    void link(SlotId parent, SlotId child);
    void unlink(SlotId s);
    void erase(SlotId s);
    void reap();

    u16 node_;
    u16 core_;
    Entry slots_[kTableSlots];
    CNodeObject cnodes_[kMaxCNodes];
};

} // namespace mosaic::caps
