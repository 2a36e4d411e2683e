// A capability (the token held in a CNode slot) and a CPtr (the slot address user code names).
#pragma once

#include <mosaic/caps/cap_types.hpp>
#include <mosaic/error.hpp>

namespace mosaic::caps {

// What one capability records. Memory types name [base, base + size); an IRQ names line `base`
// with size 0; Kernel and Null carry neither.
struct Capability {
    CapType type = CapType::Null;
    u8 rights = 0;
    u16 node = 0;          // the node whose physical address space `base` belongs to
    u16 owner = 0;         // the core that orders operations on this capability
    u16 object = 0;        // core-local object index (the CNode of a CNode capability)
    u64 base = 0;
    u64 size = 0;
    u64 badge = 0;         // for endpoints: set once by mint, 0 means unbadged
    u64 remote_copies = 0; // bit c set: core c holds a copy (kept for the monitors' protocols)

    bool is_null() const { return type == CapType::Null; }
    u64 end() const { return base + size; }
    bool overlaps(u64 b, u64 s) const { return is_memory(type) && base < b + s && b < base + size; }
};

// Checks that a capability is well formed for its type: memory page-aligned (or naturally
// aligned to its fixed size), non-empty and not wrapping; fixed-size objects of their size;
// rights known; a badge only on endpoints. Used for boot capabilities and the wire form.
Status validate(const Capability& cap);

// A slot address, encoded in one message word:
//   bits 0..7 index in the root CNode, bits 8..15 index in the second CNode,
//   bits 16..63 the depth (1 or 2); an index must be below kCNodeSlots, unused bits zero.
// Depth 2 looks up a CNode capability in the root CNode slot, then the slot inside it.
struct CPtr {
    u64 raw = 0;

    static constexpr CPtr at(u32 i) { return {(u64(1) << 16) | (i & 0xff)}; }
    static constexpr CPtr at(u32 i, u32 j) { return {(u64(2) << 16) | (u64(j & 0xff) << 8) | (i & 0xff)}; }
    constexpr u64 depth() const { return raw >> 16; }
    constexpr u32 first() const { return u32(raw & 0xff); }
    constexpr u32 second() const { return u32((raw >> 8) & 0xff); }
    // The index in the last CNode looked up.
    constexpr u32 last() const { return depth() == 2 ? second() : first(); }
    // The same address with its last index replaced.
    constexpr CPtr with_last(u32 i) const { return depth() == 2 ? at(first(), i) : at(i); }
    // Whether the word is shaped like a slot address (the table still checks the indices).
    constexpr bool well_formed() const {
        return (depth() == 1 && second() == 0) || depth() == 2;
    }
};

} // namespace mosaic::caps
