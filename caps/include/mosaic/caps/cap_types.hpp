// The capability types and rights of Mosaic, declared once (STYLE.md 8): names, wire ids,
// object sizes, page-table levels and the kernel-object, retype and mapping properties are
// all derived from the one list below.
#pragma once

#include <mosaic/caps/config.hpp>

namespace mosaic::caps {

// Property flags of a capability type.
enum TypeFlag : u8 {
    kMem = 1,          // names a range of physical memory (base, size)
    kKernelObject = 2, // a kernel object: user space may never map it
    kFromRam = 4,      // may be made by retyping RAM
    kFromDev = 8,      // may be made by retyping a device frame
    kMappable = 16,    // may be mapped into user space
    kMonitorOnly = 32, // only the monitor may hold it: never copied or minted
    kCoreLocal = 64,   // a core-local object: never sent to another core
};

// The list: X(name, wire id, fixed object size in bytes or 0 for variable, page-table level
// or -1, flags). Variable-size memory objects made by retype are a power of two of at least
// one page; page tables form one family whose level is an ISA-neutral index (L0 = root).
// Dispatcher, Endpoint and Irq name a core's objects by number (base: a dispatcher id, an
// interrupt line) and only that core's CPU driver makes them.
#define MOSAIC_CAP_TYPES(X)                                                                  \
    X(Null, 0, 0, -1, 0)                                                                     \
    X(Ram, 1, 0, -1, kMem | kFromRam)                                                        \
    X(Frame, 2, 0, -1, kMem | kFromRam | kMappable)                                          \
    X(DevFrame, 3, 0, -1, kMem | kFromDev | kMappable)                                       \
    X(CNode, 4, kCNodeBytes, -1, kMem | kKernelObject | kFromRam | kCoreLocal)               \
    X(PageTableL0, 5, kPageTableBytes, 0, kMem | kKernelObject | kFromRam)                   \
    X(PageTableL1, 6, kPageTableBytes, 1, kMem | kKernelObject | kFromRam)                   \
    X(PageTableL2, 7, kPageTableBytes, 2, kMem | kKernelObject | kFromRam)                   \
    X(PageTableL3, 8, kPageTableBytes, 3, kMem | kKernelObject | kFromRam)                   \
    X(Dispatcher, 9, 0, -1, kKernelObject | kCoreLocal)                                      \
    X(Endpoint, 10, 0, -1, kKernelObject | kCoreLocal)                                       \
    X(Irq, 11, 0, -1, kKernelObject | kCoreLocal)                                            \
    X(Kernel, 12, 0, -1, kKernelObject | kMonitorOnly | kCoreLocal)                           \
    X(IoPort, 13, 0, -1, kKernelObject)

enum class CapType : u8 {
#define X(name, wire, size, level, flags) name,
    MOSAIC_CAP_TYPES(X)
#undef X
        Count
};

struct TypeInfo {
    const char* name;
    u8 wire_id;
    u64 fixed_size;
    i8 pt_level;
    u8 flags;
};

inline constexpr TypeInfo kTypeInfo[] = {
#define X(name, wire, size, level, flags) {#name, wire, size, level, u8(flags)},
    MOSAIC_CAP_TYPES(X)
#undef X
};
inline constexpr u32 kTypeCount = u32(CapType::Count);

constexpr const TypeInfo& info(CapType t) { return kTypeInfo[u32(t) < kTypeCount ? u32(t) : 0]; }
constexpr const char* type_name(CapType t) { return info(t).name; }
constexpr bool has_flag(CapType t, u8 f) { return (info(t).flags & f) != 0; }
constexpr bool is_memory(CapType t) { return has_flag(t, kMem); }
constexpr bool is_kernel_object(CapType t) { return has_flag(t, kKernelObject); }
constexpr bool is_mappable(CapType t) { return has_flag(t, kMappable); }
constexpr bool is_page_table(CapType t) { return info(t).pt_level >= 0; }
constexpr int pt_level(CapType t) { return info(t).pt_level; }
constexpr u8 wire_id(CapType t) { return info(t).wire_id; }

// Whether an object of type `to` may be made by retyping a capability of type `from`.
constexpr bool can_retype(CapType from, CapType to) {
    if (from == CapType::Ram) return has_flag(to, kFromRam);
    if (from == CapType::DevFrame) return has_flag(to, kFromDev);
    return false;
}

// The type with a given wire id, or Null if none (Null itself is never valid on the wire).
constexpr CapType type_from_wire(u64 id) {
    for (u32 i = 1; i < kTypeCount; ++i)
        if (kTypeInfo[i].wire_id == id) return CapType(i);
    return CapType::Null;
}

// The page-table type of a level (0..3).
constexpr CapType page_table_type(int level) {
    for (u32 i = 0; i < kTypeCount; ++i)
        if (kTypeInfo[i].pt_level == level) return CapType(i);
    return CapType::Null;
}

// Bytes mapped by one entry of a page table of this level (L3: a page).
constexpr u64 entry_bytes(int level) { return kPageSize << (kPtIndexBits * u32(kPtLevels - 1 - level)); }

constexpr bool wire_ids_unique() {
    for (u32 i = 0; i < kTypeCount; ++i)
        for (u32 j = 0; j < i; ++j)
            if (kTypeInfo[i].wire_id == kTypeInfo[j].wire_id) return false;
    return true;
}
static_assert(wire_ids_unique(), "capability wire ids must be distinct");
static_assert(entry_bytes(3) == kPageSize && entry_bytes(1) == (u64(1) << 30));

// Rights, declared once: X(name, bit).
//   Read, Write, Execute  the memory or object may be read, written, executed (for a CNode:
//                         looked up through, stored into); retype needs Write on the source
//   Grant                 the capability may be sent to another core or dispatcher
#define MOSAIC_CAP_RIGHTS(X) X(Read, 0) X(Write, 1) X(Execute, 2) X(Grant, 3)

enum Right : u8 {
#define X(name, bit) k##name = u8(1u << bit),
    MOSAIC_CAP_RIGHTS(X)
#undef X
};
inline constexpr u8 kAllRights = 0
#define X(name, bit) | (1u << bit)
    MOSAIC_CAP_RIGHTS(X)
#undef X
    ;
inline constexpr u8 kMapRights = kRead | kWrite | kExecute;

// Whether `sub` grants nothing that `super` does not.
constexpr bool rights_within(u8 sub, u8 super) { return (sub & ~super) == 0; }

} // namespace mosaic::caps
