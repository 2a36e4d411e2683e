// The ISA-neutral invocation encoding: an array of u64 message words (word 0 the operation,
// then CPtrs and arguments) that the CPU driver's system-call path hands to decode_invocation()
// and execute(). Hostile words give an Error, never undefined behaviour.
#pragma once

#include <mosaic/caps/mapping.hpp>
#include <mosaic/caps/operations.hpp>

namespace mosaic::caps {

// The operations, declared once: X(name, code, words including word 0). Words after word 0:
//   Copy            src, dest
//   Mint            src, dest, rights, badge
//   Retype          src, dest, type wire id, object size, count, offset
//   Delete, Revoke, Identify, HasDescendants   slot
//   Map             table, index, frame, offset, rights
//   MapTable        table, index, child table
//   IoRead          port range, offset, width            (x86 I/O ports; needs Read)
//   IoWrite         port range, offset, value, width     (needs Write)
// An I/O access is 1, 2 or 4 bytes wide, at an offset that is a multiple of its width, all
// inside the range (a 16-bit selector, a 32-bit configuration address register).
#define MOSAIC_CAP_OPS(X)                                                                    \
    X(Copy, 1, 3)                                                                            \
    X(Mint, 2, 5)                                                                            \
    X(Retype, 3, 7)                                                                          \
    X(Delete, 4, 2)                                                                          \
    X(Revoke, 5, 2)                                                                          \
    X(Identify, 6, 2)                                                                        \
    X(HasDescendants, 7, 2)                                                                  \
    X(Map, 8, 6)                                                                             \
    X(MapTable, 9, 4)                                                                        \
    X(IoRead, 10, 4)                                                                         \
    X(IoWrite, 11, 5)

enum class Op : u8 {
    None = 0,
#define X(name, code, words) name = code,
    MOSAIC_CAP_OPS(X)
#undef X
};
inline constexpr usize kMaxInvocationWords = 7;

// A decoded invocation: the fields its operation uses are set, the others are zero.
struct Invocation {
    Op op = Op::None;
    CPtr a;     // source, slot, or page table
    CPtr b;     // destination, frame, or child table
    u64 rights = 0;
    u64 badge = 0;
    CapType type = CapType::Null;
    u64 size = 0;
    u64 count = 0;
    u64 offset = 0;
    u64 index = 0;
    u64 value = 0; // IoWrite
    u64 width = 0; // IoRead, IoWrite: bytes
};

// What an executed invocation returns to its caller.
struct Reply {
    Capability cap;  // Identify
    bool flag = false; // HasDescendants
    Mapping mapping; // Map, MapTable: the entry for the arch layer to write
    // Retype: the memory now holding new objects, which the CPU driver must clear (and, for
    // page tables, initialise) before their capabilities are used.
    CapType retyped = CapType::Null;
    u64 retyped_base = 0;
    u64 retyped_bytes = 0;
    // IoRead, IoWrite: the port the CPU driver reads or writes, how many bytes, and the value.
    u64 io_port = 0;
    u32 io_width = 0;
    u32 io_value = 0;
};

// Decodes message words. Errors: Truncated (fewer words than the operation has),
// Malformed (more), InvalidArgument (unknown operation), InvalidSlot (a word that is not a
// CPtr), WrongType (an unknown type id).
Result<Invocation> decode_invocation(const u64* words, usize n);

// Decodes then invokes against the capability space rooted at `root`.
Result<Reply> execute(CapTable& t, u16 root, const Invocation& inv);
Result<Reply> execute(CapTable& t, u16 root, const u64* words, usize n);

// Encoders, for user-level stubs and tests: each fills `w` and returns the word count.
usize encode_copy(u64* w, CPtr src, CPtr dest);
usize encode_mint(u64* w, CPtr src, CPtr dest, u64 rights, u64 badge);
usize encode_retype(u64* w, CPtr src, CPtr dest, CapType type, u64 size, u64 count, u64 offset);
usize encode_slot_op(u64* w, Op op, CPtr slot); // Delete, Revoke, Identify, HasDescendants
usize encode_map(u64* w, const MapRequest& r);
usize encode_map_table(u64* w, CPtr table, u64 index, CPtr child);
usize encode_io_read(u64* w, CPtr ports, u64 offset, u32 width = 1);
usize encode_io_write(u64* w, CPtr ports, u64 offset, u32 value, u32 width = 1);

} // namespace mosaic::caps
