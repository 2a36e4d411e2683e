// See loader.hpp.
#include <mosaic/bundle.hpp>
#include <mosaic/user/caps.hpp>
#include <mosaic/user/kernel.hpp>
#include <mosaic/user/loader.hpp>
#include <mosaic/user/sys.hpp>
#include <mosaic/user_image.hpp>

namespace mosaic::user {

using namespace caps;
using cap::copy, cap::identify, cap::map, cap::map_table, cap::mint, cap::retype, cap::slot_op;

namespace {

Status ok(Error e) { return e == Error::Ok ? Status() : Status(e); }

u64 pow2_at_least(u64 n) {
    u64 p = kPageSize;
    while (p < n) p <<= 1;
    return p;
}

} // namespace

// The module's bytes, mapped read-only in scratch table 0 (first the pages of the bundle's
// entry table).
Result<const u8*> Loader::map_module(const char* name, u64& size) {
    const CPtr view = CPtr::at(s_.view);
    const Capability file = TRY(identify(CPtr::at(sys::kSlotImageFile)));
    if (file.type != CapType::Frame || file.size < bundle::kDataOffset) return Error::WrongType;
    TRY_STATUS(ok(copy(CPtr::at(sys::kSlotImageFile), view)));
    constexpr u32 kTablePages = bundle::kDataOffset / kPageSize;
    const u64 table = TRY(vs_->map_scratch(0, 0, view, 0, kTablePages, kRead));
    const bundle::View v = TRY(bundle::View::open_table(reinterpret_cast<const u8*>(uptr(table)), bundle::kDataOffset));
    const bundle::Entry e = TRY(v.find_module(isa_, name));
    if (e.offset % kPageSize) return Error::Misaligned;
    if (e.offset + e.size > file.size) return Error::Truncated;
    const u64 pages = pages_of(e.size);
    if (pages + kTablePages > kPtEntries) return Error::CapacityExceeded;
    const u64 at = TRY(vs_->map_scratch(0, kTablePages, view, e.offset, u32(pages), kRead));
    size = e.size;
    return reinterpret_cast<const u8*>(uptr(at));
}

Result<u32> Loader::load_into(Loaded& l, const char* name, u64 arg, u64 ram_bytes, const u8* data, u64 data_len) {
    const Capability root = TRY(identify(CPtr::at(sys::kSlotRootTable)));
    if (!is_page_table(root.type)) return Error::WrongType;
    const int root_level = pt_level(root.type);
    const u64 window = u64(uptr(&user::exit)) & ~(entry_bytes(root_level) - 1); // the slot programs run in
    u64 size = 0;
    const u8* module = TRY(map_module(name, size));
    const elf::File file = TRY(elf::File::open(module, usize(size)));
    const ImagePlan plan = TRY(plan_image(file, elf_machine(isa_), window, data_len, root_level));

    // One chunk for all of it: the frames first (largest first, so each is aligned to its
    // size), then the root table, the window's tables and the CNode. Its objects are made
    // of a copy without Grant: the child may not pass them on.
    const u64 frame_bytes = plan.pages * kPageSize;
    const u64 root_at = frame_bytes, tables_at = root_at + kPageSize, cnode_at = tables_at + plan.tables * kPageSize;
    l.image = TRY(ram_->alloc(pow2_at_least(cnode_at + kCNodeBytes)));
    const CPtr source = CPtr::at(s_.source), cn = CPtr::at(s_.child);
    auto in_child = [&](u32 slot) { return CPtr::at(s_.child, slot); };
    TRY_STATUS(ok(mint(l.image, source, kRead | kWrite | kExecute)));
    TRY_STATUS(ok(retype(source, cn, CapType::CNode, kCNodeBytes, 1, cnode_at)));
    const CPtr child_root = in_child(sys::kSlotRootTable);
    TRY_STATUS(ok(retype(source, child_root, root.type, kPageTableBytes, 1, root_at)));
    // The window's tables, each in its parent (parents come first in the plan).
    for (u32 t = 0; t < plan.tables; ++t) {
        const auto& need = plan.table[t];
        const CPtr table = in_child(sys::kSlotImage + t);
        TRY_STATUS(ok(retype(source, table, page_table_type(need.level), kPageTableBytes, 1, tables_at + t * kPageSize)));
        const i32 parent = need.level == root_level + 1 ? -1 : plan.table_of(need.level - 1, need.va);
        const CPtr in = parent < 0 ? child_root : in_child(sys::kSlotImage + u32(parent));
        TRY_STATUS(ok(map_table(in, (need.va / table_entry_bytes(need.level - 1)) % kPtEntries, table)));
    }
    u64 at = 0;
    for (u32 f = 0; f < plan.frames; ++f) {
        const u64 bytes = plan.frame_pages[f] * kPageSize;
        TRY_STATUS(ok(retype(source, in_child(sys::kSlotImage + plan.tables + f), CapType::Frame, bytes, 1, at)));
        at += bytes;
    }
    TRY_STATUS(ok(slot_op(Op::Delete, source)));

    // Each page: filled through a temporary mapping of its frame, then mapped in the child
    // with its rights (never writable and executable at once).
    const CPtr temp = CPtr::at(s_.temp);
    u32 f = 0;
    u64 used = 0;
    u8* frame = nullptr;
    for (u64 i = 0; i < plan.pages; ++i, ++used) {
        if (frame && used == plan.frame_pages[f]) {
            TRY_STATUS(ok(slot_op(Op::Delete, temp)));
            ++f, used = 0, frame = nullptr;
        }
        const CPtr fcap = in_child(sys::kSlotImage + plan.tables + f);
        if (!frame) {
            TRY_STATUS(ok(copy(fcap, temp)));
            frame = reinterpret_cast<u8*>(uptr(TRY(vs_->map_scratch(1, 0, temp, 0, u32(plan.frame_pages[f]), kRead | kWrite))));
        }
        u8* to = frame + used * kPageSize;
        const ImagePage p = plan.page(i);
        if (p.segment >= 0) {
            const elf::Segment& s = plan.seg[p.segment].seg;
            for (u64 k = 0; p.offset + k < s.filesz && k < kPageSize; ++k) to[k] = module[s.offset + p.offset + k];
        }
        for (u64 k = 0; p.data >= 0 && k < kPageSize && u64(p.data) + k < data_len; ++k) to[k] = data[u64(p.data) + k];
        const i32 leaf = plan.table_of(3, p.va);
        if (leaf < 0) return Error::NotFound;
        const u64 rights = kRead | (p.write ? kWrite : 0) | (p.exec ? kExecute : 0);
        TRY_STATUS(ok(map(in_child(sys::kSlotImage + u32(leaf)), (p.va / kPageSize) % kPtEntries, fcap, rights,
                          used * kPageSize)));
    }
    TRY_STATUS(ok(slot_op(Op::Delete, temp)));
    TRY_STATUS(ok(slot_op(Op::Delete, CPtr::at(s_.view)))); // the bundle is unmapped

    // Its RAM, without Execute (as the CPU driver gave it before).
    if (ram_bytes) {
        l.ram = TRY(ram_->alloc(pow2_at_least(ram_bytes)));
        TRY_STATUS(ok(mint(l.ram, in_child(sys::kSlotRam), kRead | kWrite | kGrant)));
    }
    sys::DispatchRequest req{cn.raw, child_root.raw, plan.entry, arg, l.dispatcher.raw, {}};
    for (u32 i = 0; i + 1 < sizeof req.name && name[i]; ++i) req.name[i] = name[i];
    const u32 id = TRY(kernel::dispatch(req));
    (void)slot_op(Op::Delete, cn); // the CPU driver holds the CNode now
    return id;
}

Result<Loaded> Loader::load(const char* name, u64 arg, u64 ram_bytes, const void* data, u64 data_len,
                            caps::CPtr dispatcher) {
    if (!ram_ || !vs_) return Error::NotFound;
    Loaded l;
    l.dispatcher = dispatcher;
    auto id = load_into(l, name, arg, ram_bytes, static_cast<const u8*>(data), data_len);
    if (!id.ok()) {
        const u32 used[] = {s_.temp, s_.view, s_.source, s_.child};
        for (u32 s : used) (void)slot_op(Op::Delete, CPtr::at(s));
        release(l);
        return id.error();
    }
    l.id = *id;
    return l;
}

void Loader::release(const Loaded& l) {
    if (l.dispatcher.raw) (void)slot_op(Op::Delete, l.dispatcher);
    const CPtr chunks[] = {l.image, l.ram};
    for (CPtr c : chunks) {
        if (!c.raw) continue;
        (void)slot_op(Op::Revoke, c);
        (void)ram_->free(c);
    }
}

} // namespace mosaic::user
