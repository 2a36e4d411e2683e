// A bounds-checked reader for flattened device trees (DTB, devicetree spec v0.4 ch. 5),
// as QEMU and firmware hand them to aarch64 and riscv64 kernels. Every read is checked
// against the blob's size, so a corrupt tree gives Error::Malformed, never a wild read.
#pragma once

#include <mosaic/error.hpp>

namespace mosaic {

// A property's raw bytes (big-endian cells, or a NUL-terminated string list).
struct DtbProp {
    const u8* data = nullptr;
    u32 len = 0;
    // Cell i (32-bit big-endian) or 0 past the end.
    u32 cell(u32 i) const { return (i + 1) * 4 <= len ? load_be32(data + 4 * i) : 0; }
    // Reads n cells starting at cell i as one number (n = 1 or 2).
    u64 cells(u32 i, u32 n) const { return n == 2 ? (u64(cell(i)) << 32) | cell(i + 1) : cell(i); }
    // True if the string list contains s.
    bool has_string(const char* s) const;
};

// A node seen during a walk.
struct DtbNode {
    const char* name;   // "memory@40000000"; the root is ""
    u32 depth;          // 0 for the root
    u32 props;          // offset of the node's first token after its name, in the struct block
    u32 addr_cells;     // #address-cells that applies to this node's reg (from its parent)
    u32 size_cells;     // #size-cells likewise
    u32 child_addr_cells; // this node's own #address-cells, for its children and "ranges"
};

// One address range.
struct Range {
    u64 base = 0;
    u64 size = 0;
};

class Dtb {
  public:
    static constexpr u32 kMagic = 0xd00dfeed;
    static constexpr u32 kMaxDepth = 16;

    // Checks the header and block bounds of the blob at p (at most max_len bytes readable).
    static Result<Dtb> parse(const u8* p, usize max_len);
    Dtb() = default;

    u32 total_size() const { return size_; }

    // Visits every node in document order; visit(const DtbNode&) returns false to stop.
    // Fails with Malformed on a broken structure block.
    template <typename F> Status walk(F&& visit) const;

    // Finds a property of a node; NotFound if absent.
    Result<DtbProp> prop(const DtbNode& node, const char* name) const;

    // The first node whose "compatible" contains compat.
    Result<DtbNode> find_compatible(const char* compat) const;
    // The node at an absolute path without unit addresses matching by prefix ("/chosen", "/cpus").
    Result<DtbNode> find_path(const char* path) const;
    // The console the firmware names: /chosen "stdout-path" (or "linux,stdout-path"), a
    // path or an alias from /aliases, options after ':' ignored. NotFound if none is named
    // or the node is not there; Malformed for a path that is not a string.
    Result<DtbNode> stdout_node() const;
    // The node to use for a console: the firmware's if it is compatible with one of compats
    // (a null-terminated list of the UARTs the caller drives), else the first node compatible
    // with the first of them that has one (for a console the firmware does not name).
    Result<DtbNode> console_node(const char* const* compats) const;
    Result<DtbNode> console_node(const char* compat) const {
        const char* const one[] = {compat, nullptr};
        return console_node(one);
    }
    // The index-th (address, size) pair of a node's "reg", in its parent bus's addresses.
    Result<Range> reg(const DtbNode& node, u32 index) const;
    // The same range as the CPU sees it: translated through the "ranges" of every bus above
    // the node (an empty "ranges" maps one to one; a bus without one, or whose ranges do not
    // cover the range, is not mapped: NotFound). Device registers are found with this (on
    // a Raspberry Pi the SoC's 0x7e000000 bus addresses are the CPU's 0x3f000000).
    Result<Range> address(const DtbNode& node, u32 index) const;

    // Memory ranges of every device_type = "memory" node; returns how many were stored.
    Result<u32> memory(Range* out, u32 cap) const;
    // Memory the firmware keeps for itself: the header's reservation block (/memreserve/:
    // a Pi's spin table) and the reg ranges of /reserved-memory's children (OpenSBI's
    // own memory); returns how many were stored. Malformed for a block past the blob's end.
    Result<u32> reserved(Range* out, u32 cap) const;
    // Enabled cpus under /cpus: their "reg" values (MPIDR or hart id); returns the count.
    Result<u32> cpus(u64* ids, u32 cap) const;

  private:
    // One step of the structure block walk: the token at off, with its payload.
    struct Token {
        u32 kind;
        u32 next;        // offset of the next token
        const char* name; // node name (BEGIN_NODE) or property name (PROP)
        DtbProp value;   // property value (PROP)
    };
    Result<Token> token(u32 off) const;
    // Appends the node's non-empty reg ranges to out[n..cap); false (err set) when full.
    bool append_ranges(const DtbNode& node, Range* out, u32& n, u32 cap, Error& err) const;
    Status walk_impl(bool (*visit)(void*, const DtbNode&), void* ctx) const;

    const u8* blob_ = nullptr;
    u32 size_ = 0;
    u32 off_struct_ = 0, size_struct_ = 0, off_strings_ = 0, size_strings_ = 0, off_rsvmap_ = 0;
};

template <typename F> Status Dtb::walk(F&& visit) const {
    return walk_impl([](void* ctx, const DtbNode& n) { return (*static_cast<F*>(ctx))(n); }, &visit);
}

} // namespace mosaic
