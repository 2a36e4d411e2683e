// The DTB reader: header checks, a token walk of the structure block, and the few
// queries the CPU driver needs at boot (memory, cpus, devices by compatible, reg).
#include <mosaic/dtb.hpp>
#include <mosaic/fmt.hpp>

namespace mosaic {

namespace {
constexpr u32 kBeginNode = 1, kEndNode = 2, kProp = 3, kNop = 4, kEnd = 9;
constexpr u32 kHeaderSize = 40;

// Length of a NUL-terminated string that must end before limit; -1 if it does not.
i64 bounded_strlen(const u8* p, u32 limit) {
    for (u32 i = 0; i < limit; ++i)
        if (p[i] == 0) return i;
    return -1;
}
} // namespace

bool DtbProp::has_string(const char* s) const {
    u32 i = 0;
    while (i < len) {
        const char* cur = reinterpret_cast<const char*>(data + i);
        i64 n = bounded_strlen(data + i, len - i);
        if (n < 0) return false;
        if (str_eq(cur, s)) return true;
        i += u32(n) + 1;
    }
    return false;
}

Result<Dtb> Dtb::parse(const u8* p, usize max_len) {
    if (!p || max_len < kHeaderSize) return Error::Truncated;
    if (load_be32(p) != kMagic) return Error::BadMagic;
    Dtb d;
    d.blob_ = p;
    d.size_ = load_be32(p + 4);
    d.off_struct_ = load_be32(p + 8);
    d.off_strings_ = load_be32(p + 12);
    d.off_rsvmap_ = load_be32(p + 16);
    u32 version = load_be32(p + 20), last_compat = load_be32(p + 24);
    d.size_strings_ = load_be32(p + 32);
    d.size_struct_ = load_be32(p + 36);
    if (d.size_ < kHeaderSize || d.size_ > max_len) return Error::Truncated;
    if (version < 16 || last_compat > 17) return Error::BadVersion;
    auto inside = [&](u32 off, u32 len) { return off >= kHeaderSize && off <= d.size_ && len <= d.size_ - off; };
    if (!inside(d.off_struct_, d.size_struct_) || !inside(d.off_strings_, d.size_strings_) || (d.off_struct_ & 3))
        return Error::Malformed;
    return d;
}

Result<Dtb::Token> Dtb::token(u32 off) const {
    if (off & 3 || off + 4 > size_struct_) return Error::Malformed;
    const u8* base = blob_ + off_struct_;
    Token t{};
    t.kind = load_be32(base + off);
    off += 4;
    switch (t.kind) {
    case kBeginNode: {
        i64 n = bounded_strlen(base + off, size_struct_ - off);
        if (n < 0) return Error::Malformed;
        t.name = reinterpret_cast<const char*>(base + off);
        t.next = u32(align_up(off + u64(n) + 1, 4));
        break;
    }
    case kProp: {
        if (off + 8 > size_struct_) return Error::Malformed;
        u32 len = load_be32(base + off), nameoff = load_be32(base + off + 4);
        off += 8;
        if (len > size_struct_ - off || nameoff >= size_strings_) return Error::Malformed;
        const u8* str = blob_ + off_strings_ + nameoff;
        if (bounded_strlen(str, size_strings_ - nameoff) < 0) return Error::Malformed;
        t.name = reinterpret_cast<const char*>(str);
        t.value = DtbProp{base + off, len};
        t.next = u32(align_up(u64(off) + len, 4));
        break;
    }
    case kEndNode:
    case kNop:
    case kEnd: t.next = off; break;
    default: return Error::Malformed;
    }
    return t;
}

Status Dtb::walk_impl(bool (*visit)(void*, const DtbNode&), void* ctx) const {
    // Cells of each open node, so children see their parent's #address-cells/#size-cells.
    u32 addr[kMaxDepth + 1], size[kMaxDepth + 1];
    addr[0] = 2, size[0] = 1; // the spec's defaults above the root
    u32 depth = 0, off = 0;
    for (u32 steps = 0; steps < size_struct_; ++steps) {
        Token t = TRY(token(off));
        if (t.kind == kEnd) return depth == 0 ? Status() : Status(Error::Malformed);
        if (t.kind == kEndNode) {
            if (depth == 0) return Error::Malformed;
            --depth;
        } else if (t.kind == kBeginNode) {
            if (depth >= kMaxDepth) return Error::Malformed;
            DtbNode n{t.name, depth, t.next, addr[depth], size[depth], 2};
            u32 child_size = 1;
            // Read this node's own cell sizes from its properties.
            for (u32 p = t.next;;) {
                Token pt = TRY(token(p));
                if (pt.kind == kNop) { p = pt.next; continue; }
                if (pt.kind != kProp) break;
                if (str_eq(pt.name, "#address-cells") && pt.value.len == 4) n.child_addr_cells = pt.value.cell(0);
                if (str_eq(pt.name, "#size-cells") && pt.value.len == 4) child_size = pt.value.cell(0);
                p = pt.next;
            }
            if (n.child_addr_cells > 3 || child_size > 2) return Error::Malformed;
            ++depth;
            addr[depth] = n.child_addr_cells;
            size[depth] = child_size;
            if (!visit(ctx, n)) return {};
        }
        off = t.next;
    }
    return Error::Malformed;
}

Result<DtbProp> Dtb::prop(const DtbNode& node, const char* name) const {
    for (u32 p = node.props;;) {
        Token t = TRY(token(p));
        if (t.kind == kNop) { p = t.next; continue; }
        if (t.kind != kProp) return Error::NotFound;
        if (str_eq(t.name, name)) return t.value;
        p = t.next;
    }
}

Result<DtbNode> Dtb::find_compatible(const char* compat) const {
    DtbNode found{};
    bool hit = false;
    TRY_STATUS(walk([&](const DtbNode& n) {
        auto c = prop(n, "compatible");
        if (c.ok() && c->has_string(compat)) found = n, hit = true;
        return !hit;
    }));
    if (!hit) return Error::NotFound;
    return found;
}

Result<DtbNode> Dtb::stdout_node() const {
    DtbNode chosen = TRY(find_path("/chosen"));
    auto p = prop(chosen, "stdout-path");
    if (!p.ok()) p = prop(chosen, "linux,stdout-path");
    if (!p.ok()) return Error::NotFound;
    char path[128];
    for (u32 i = 0;; ++i) { // up to the options (':') or the end of the string
        if (i >= p->len || i + 1 >= sizeof path) return Error::Malformed;
        char c = char(p->data[i]);
        if (c == 0 || c == ':') { path[i] = 0; break; }
        path[i] = c;
    }
    if (path[0] == 0) return Error::NotFound;
    if (path[0] == '/') return find_path(path);
    DtbNode aliases = TRY(find_path("/aliases"));
    auto alias = TRY(prop(aliases, path));
    if (alias.len == 0 || alias.data[alias.len - 1] != 0 || alias.data[0] != '/') return Error::Malformed;
    return find_path(reinterpret_cast<const char*>(alias.data));
}

Result<DtbNode> Dtb::console_node(const char* const* compats) const {
    if (auto n = stdout_node(); n.ok())
        if (auto c = prop(*n, "compatible"); c.ok())
            for (const char* const* k = compats; *k; ++k)
                if (c->has_string(*k)) return *n;
    for (const char* const* k = compats; *k; ++k)
        if (auto n = find_compatible(*k); n.ok()) return n;
    return Error::NotFound;
}

Result<DtbNode> Dtb::find_path(const char* path) const {
    // Matches one path component against a node name, ignoring the unit address.
    auto component_matches = [](const char* comp, usize len, const char* name) {
        for (usize i = 0; i < len; ++i)
            if (name[i] != comp[i]) return false;
        return name[len] == 0 || name[len] == '@';
    };
    if (path[0] != '/') return Error::InvalidArgument;
    const char* comps[Dtb::kMaxDepth];
    usize lens[Dtb::kMaxDepth];
    u32 ncomps = 0;
    for (const char* p = path + 1; *p;) {
        const char* e = p;
        while (*e && *e != '/') ++e;
        if (ncomps == kMaxDepth) return Error::InvalidArgument;
        comps[ncomps] = p, lens[ncomps++] = usize(e - p);
        p = *e ? e + 1 : e;
    }
    DtbNode found{};
    bool hit = false;
    u32 matched = 0; // path components matched by the current chain of open nodes
    TRY_STATUS(walk([&](const DtbNode& n) {
        if (n.depth == 0) { matched = 0; if (ncomps == 0) { found = n; hit = true; } return !hit; }
        if (matched > n.depth - 1) matched = n.depth - 1;
        if (matched == n.depth - 1 && n.depth <= ncomps && component_matches(comps[n.depth - 1], lens[n.depth - 1], n.name)) {
            matched = n.depth;
            if (matched == ncomps) found = n, hit = true;
        }
        return !hit;
    }));
    if (!hit) return Error::NotFound;
    return found;
}

Result<Range> Dtb::reg(const DtbNode& node, u32 index) const {
    DtbProp r = TRY(prop(node, "reg"));
    u32 per = node.addr_cells + node.size_cells;
    if (per == 0 || node.addr_cells > 2 || (index + 1) * per * 4 > r.len) return Error::NotFound;
    return Range{r.cells(index * per, node.addr_cells), r.cells(index * per + node.addr_cells, node.size_cells)};
}

Result<Range> Dtb::address(const DtbNode& node, u32 index) const {
    Range r = TRY(reg(node, index));
    DtbNode chain[kMaxDepth + 1]; // the open node at each depth on the way to `node`
    bool found = false;
    TRY_STATUS(walk([&](const DtbNode& n) {
        chain[n.depth] = n;
        found = n.props == node.props;
        return !found;
    }));
    if (!found) return Error::NotFound;
    for (u32 d = node.depth; d-- > 1;) { // the buses from the node's parent up to the root's child
        const DtbNode& bus = chain[d];
        auto ranges = prop(bus, "ranges");
        if (!ranges.ok()) return Error::NotFound;
        if (ranges->len == 0) continue;
        // Each entry: child address (the bus's #address-cells), parent address (its parent's),
        // size (the bus's #size-cells, as its children's reg has).
        const u32 ca = bus.child_addr_cells, pa = bus.addr_cells, cs = chain[d + 1].size_cells;
        const u32 per = ca + pa + cs;
        if (ca > 2 || pa > 2 || cs > 2 || per == 0) return Error::Unsupported; // e.g. PCI's 3-cell addresses
        bool mapped = false;
        for (u32 i = 0; (i + 1) * per * 4 <= ranges->len && !mapped; ++i) {
            u64 child = ranges->cells(i * per, ca), parent = ranges->cells(i * per + ca, pa);
            u64 len = ranges->cells(i * per + ca + pa, cs);
            if (r.base >= child && r.base - child < len && r.size <= len - (r.base - child))
                r.base = parent + (r.base - child), mapped = true;
        }
        if (!mapped) return Error::NotFound;
    }
    return r;
}

Result<u32> Dtb::memory(Range* out, u32 cap) const {
    u32 n = 0;
    Error err = Error::Ok;
    TRY_STATUS(walk([&](const DtbNode& node) {
        auto type = prop(node, "device_type");
        if (!type.ok() || !type->has_string("memory")) return true;
        return append_ranges(node, out, n, cap, err);
    }));
    if (err != Error::Ok) return err;
    return n;
}

bool Dtb::append_ranges(const DtbNode& node, Range* out, u32& n, u32 cap, Error& err) const {
    for (u32 i = 0;; ++i) { // empty ranges skipped
        auto r = reg(node, i);
        if (!r.ok()) return true;
        if (r->size == 0) continue;
        if (n == cap) {
            err = Error::CapacityExceeded;
            return false;
        }
        out[n++] = *r;
    }
}

Result<u32> Dtb::reserved(Range* out, u32 cap) const {
    u32 n = 0;
    // The reservation block: (address, size) pairs of 64-bit big-endian words, 8-aligned,
    // ended by a pair of zeros.
    if ((off_rsvmap_ & 7) || off_rsvmap_ < kHeaderSize) return Error::Malformed;
    for (u32 off = off_rsvmap_;; off += 16) {
        if (off > size_ || size_ - off < 16) return Error::Malformed;
        u64 base = (u64(load_be32(blob_ + off)) << 32) | load_be32(blob_ + off + 4);
        u64 size = (u64(load_be32(blob_ + off + 8)) << 32) | load_be32(blob_ + off + 12);
        if (!base && !size) break;
        if (!size) continue;
        if (n == cap) return Error::CapacityExceeded;
        out[n++] = {base, size};
    }
    auto parent = find_path("/reserved-memory");
    if (!parent.ok()) return n;
    Error err = Error::Ok;
    TRY_STATUS(walk([&](const DtbNode& node) {
        if (node.props <= parent->props) return true;
        if (node.depth <= parent->depth) return false;
        // (a child without reg is a pool the OS may place: no range yet)
        return node.depth != parent->depth + 1 || append_ranges(node, out, n, cap, err);
    }));
    if (err != Error::Ok) return err;
    return n;
}

Result<u32> Dtb::cpus(u64* ids, u32 cap) const {
    DtbNode cpus_node = TRY(find_path("/cpus"));
    u32 n = 0;
    Error err = Error::Ok;
    TRY_STATUS(walk([&](const DtbNode& node) {
        if (node.props <= cpus_node.props) return true;      // before /cpus
        if (node.depth <= cpus_node.depth) return false;     // past the end of /cpus
        if (node.depth != cpus_node.depth + 1) return true;  // not a direct child
        auto type = prop(node, "device_type");
        if (!type.ok() || !type->has_string("cpu")) return true;
        auto status = prop(node, "status");
        if (status.ok() && !status->has_string("okay") && !status->has_string("ok")) return true;
        auto r = prop(node, "reg");
        if (!r.ok()) return true;
        if (n == cap) { err = Error::CapacityExceeded; return false; }
        ids[n++] = r->cells(0, node.addr_cells == 2 ? 2 : 1);
        return true;
    }));
    if (err != Error::Ok) return err;
    return n;
}

} // namespace mosaic
