// A user program's image in its user window (see user_image.hpp).
#include <mosaic/user_image.hpp>

namespace mosaic {

bool in_user_window(u64 base, u64 va, u64 len) {
    if (va < base || va + len < va) return false;
    return va + len <= base + kUserWindowSize;
}

Result<u32> plan_user_image(const elf::File& f, u16 machine, u64 base, UserSegment* out, u32 max) {
    if (f.machine() != machine) return Error::Unsupported;
    const u64 limit = base + sys::kStartDataOffset; // the start data and the stack lie above
    u32 n = 0;
    bool entry_ok = false;
    for (u32 i = 0; i < f.segment_count(); ++i) {
        auto s = f.load_segment(i);
        if (s.error() == Error::NotFound) continue; // not PT_LOAD
        if (!s.ok()) return s.error();
        if (s->memsz == 0) continue;
        if (n == max) return Error::CapacityExceeded;
        UserSegment u{*s, (s->flags & 2) != 0, (s->flags & 1) != 0};
        if (u.write && u.exec) return Error::PermissionDenied;
        if (s->vaddr % kUserPage) return Error::Misaligned;
        if (s->vaddr < base || s->vaddr + s->memsz > limit) return Error::OutOfRange;
        for (u32 k = 0; k < n; ++k) {
            u64 lo = out[k].seg.vaddr, hi = lo + out[k].seg.memsz;
            hi = (hi + kUserPage - 1) & ~(kUserPage - 1);
            if (s->vaddr < hi && lo < s->vaddr + s->memsz) return Error::AlreadyExists;
        }
        if (u.exec && f.entry() >= s->vaddr && f.entry() < s->vaddr + s->memsz) entry_ok = true;
        out[n++] = u;
    }
    if (n == 0) return Error::Malformed;
    if (!entry_ok) return Error::BadAddress;
    return n;
}

ImagePage ImagePlan::page(u64 i) const {
    ImagePage p;
    for (u32 s = 0; s < segments; ++s) {
        const u64 n = pages_of(seg[s].seg.memsz);
        if (i < n) {
            p.va = seg[s].seg.vaddr + i * kUserPage;
            p.write = seg[s].write;
            p.exec = seg[s].exec;
            p.segment = i32(s);
            p.offset = i * kUserPage;
            return p;
        }
        i -= n;
    }
    if (i < pages_of(data_len)) {
        p.va = base + sys::kStartDataOffset + i * kUserPage;
        p.data = i64(i * kUserPage);
        return p;
    }
    i -= pages_of(data_len);
    p.va = base + kUserWindowSize - kUserStackSize + i * kUserPage;
    p.write = true;
    return p;
}

i32 ImagePlan::table_of(int level, u64 va) const {
    const u64 span = table_entry_bytes(level) * 512;
    for (u32 t = 0; t < tables; ++t)
        if (table[t].level == level && table[t].va == (va & ~(span - 1))) return i32(t);
    return -1;
}

Result<ImagePlan> plan_image(const elf::File& f, u16 machine, u64 base, u64 data_len, int root_level) {
    if (data_len > sys::kMaxStartData) return Error::CapacityExceeded;
    if (root_level < 0 || root_level > 2 || base % kUserWindowSize) return Error::InvalidArgument;
    ImagePlan p;
    p.segments = TRY(plan_user_image(f, machine, base, p.seg, ImagePlan::kMaxSegments));
    p.base = base;
    p.entry = f.entry();
    p.data_len = data_len;
    p.pages = pages_of(kUserStackSize) + pages_of(data_len);
    for (u32 s = 0; s < p.segments; ++s) p.pages += pages_of(p.seg[s].seg.memsz);
    // Tables: every level below the root, one per distinct span of it that a page lies in.
    for (int level = root_level + 1; level <= 3; ++level) {
        for (u64 i = 0; i < p.pages; ++i) {
            const u64 va = p.page(i).va;
            if (p.table_of(level, va) >= 0) continue;
            if (p.tables == ImagePlan::kMaxTables) return Error::CapacityExceeded;
            p.table[p.tables++] = {level, va & ~(table_entry_bytes(level) * 512 - 1)};
        }
    }
    for (u64 rest = p.pages; rest;) {
        if (p.frames + p.tables == sys::kImageSlots) return Error::CapacityExceeded;
        u64 chunk = u64(1) << (63 - __builtin_clzll(rest));
        if (chunk > 512) chunk = 512; // at most 2 MiB: the largest frame one table maps
        p.frame_pages[p.frames++] = chunk;
        rest -= chunk;
    }
    return p;
}

} // namespace mosaic
