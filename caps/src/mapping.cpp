// Validation of user mappings: only frames, only with rights the caller holds.
#include <mosaic/caps/mapping.hpp>

namespace mosaic::caps {

// The table to write: a page table held with Write, and an entry inside it.
static Result<Mapping> decode_table(const CapTable& t, u16 root, CPtr table, u64 index) {
    SlotId s = TRY(t.lookup(root, table, Want::Cap));
    const Capability& c = t.at(s);
    if (!is_page_table(c.type)) return Error::WrongType;
    if (!(c.rights & kWrite)) return Error::PermissionDenied;
    if (index >= kPtEntries) return Error::OutOfRange;
    Mapping m;
    m.table = s;
    m.level = pt_level(c.type);
    m.index = u32(index);
    m.table_base = c.base;
    return m;
}

// The frame to map: a mappable memory capability, never a kernel object.
static Result<SlotId> decode_frame(const CapTable& t, u16 root, CPtr frame) {
    SlotId s = TRY(t.lookup(root, frame, Want::Cap));
    CapType type = t.at(s).type;
    if (is_kernel_object(type)) return Error::PermissionDenied;
    if (!is_mappable(type)) return Error::WrongType;
    return s;
}

Result<Mapping> decode_map(const CapTable& t, u16 root, const MapRequest& r) {
    Mapping m = TRY(decode_table(t, root, r.table, r.index));
    if (m.level == 0) return Error::WrongType;
    m.target = TRY(decode_frame(t, root, r.frame));
    const Capability& f = t.at(m.target);
    if (r.rights == 0 || (r.rights & ~u64(kMapRights))) return Error::InvalidArgument;
    if (!rights_within(u8(r.rights), f.rights)) return Error::PermissionDenied;
    if (f.node != t.node() || t.at(m.table).node != t.node()) return Error::PermissionDenied;
    m.bytes = entry_bytes(m.level);
    if ((r.offset | (f.base + r.offset)) & (m.bytes - 1)) return Error::Misaligned;
    if (r.offset >= f.size || f.size - r.offset < m.bytes) return Error::OutOfRange;
    m.phys = f.base + r.offset;
    m.rights = u8(r.rights);
    m.device = f.type == CapType::DevFrame;
    return m;
}

Result<Mapping> decode_map_table(const CapTable& t, u16 root, CPtr table, u64 index, CPtr child) {
    Mapping m = TRY(decode_table(t, root, table, index));
    m.target = TRY(t.lookup(root, child, Want::Cap));
    const Capability& c = t.at(m.target);
    if (c.type != page_table_type(m.level + 1) || m.level + 1 >= int(kPtLevels)) return Error::WrongType;
    if (!(c.rights & kWrite)) return Error::PermissionDenied;
    if (c.node != t.node() || t.at(m.table).node != t.node()) return Error::PermissionDenied;
    m.phys = c.base;
    m.bytes = c.size;
    m.is_table = true;
    return m;
}

} // namespace mosaic::caps
