// Loading a user program into a new dispatcher (Scheduler::spawn): its pages come from
// the core's dispatcher pool as naturally aligned frames, its address space shares the
// kernel's map except the user window, and its capability space holds everything it runs
// on. FIXME: this belongs in the monitor (building a dispatcher from capabilities, as
// Barrelfish's spawn does); the CPU driver keeps only the final "make it runnable" step.
#include "placement.hpp"
#include "sched.hpp"

#include <mosaic/arch/user.hpp>

namespace mosaic::cpudriver {

namespace {

constexpr u64 kTablePages = 8; // a user window's tables: far fewer with programs under 2 MiB

void copy_name(char* to, usize cap, const char* from) {
    usize i = 0;
    for (; from[i] && i + 1 < cap; ++i) to[i] = from[i];
    to[i] = 0;
}

// The frames of one program: its page count cut into naturally aligned powers of two,
// largest first, handed out page by page.
struct ImageFrames {
    u64 base[sys::kImageSlots] = {}, pages[sys::kImageSlots] = {};
    u32 count = 0, at = 0;
    u64 used = 0;
    Status carve(PagePool& pool, u64 total_pages, u32 max) {
        for (u64 rest = total_pages; rest;) {
            if (count == max) return Error::CapacityExceeded;
            u64 chunk = u64(1) << (63 - __builtin_clzll(rest));
            base[count] = TRY(pool.alloc_range(chunk * kPageSize, chunk * kPageSize));
            pages[count++] = chunk;
            rest -= chunk;
        }
        return {};
    }
    u64 next() {
        if (used == pages[at]) ++at, used = 0;
        return base[at] + kPageSize * used++;
    }
};

u64 pages_of(u64 bytes) { return (bytes + kPageSize - 1) / kPageSize; }

// Calls f(table, caps level) for every table under `table` that came from `pool`.
template <typename F> void for_each_table(u64 table, u32 level, const PagePool& pool, F&& f) {
    const u64* e = reinterpret_cast<const u64*>(uptr(table));
    for (u32 i = 0; i < 512; ++i) {
        if (!arch::mmu::is_valid(e[i]) || !arch::mmu::is_table(e[i], level)) continue;
        u64 child = arch::mmu::entry_address(e[i]);
        if (!pool.contains(child)) continue; // the kernel's tables
        f(child, level + 1);
        for_each_table(child, level + 1, pool, f);
    }
}

} // namespace

// One page of start data at offset `off`, into `frame`: from kernel memory or from the
// memory of the dispatcher that asked.
Status Scheduler::copy_start_data(Dispatcher* child, const StartData& data, u64 frame, u64 off) {
    (void)child;
    u8* to = reinterpret_cast<u8*>(uptr(frame));
    const u64 n = min(kPageSize, data.total() - off);
    if (data.from) return copy_from_user(data.from, data.va + off, to, usize(n)).ok() ? Status() : Error::BadAddress;
    for (u64 k = 0; k < n; ++k) {
        u64 at = off + k;
        to[k] = at < data.kernel_len[0] ? data.kernel[0][at] : data.kernel[1][at - data.kernel_len[0]];
    }
    return {};
}

Result<Dispatcher*> Scheduler::spawn(const char* name, const u8* image, usize len, u64 arg, u64 ram_bytes,
                                     const StartData& data) {
    const u64 data_len = data.total();
    if (count_ == kMaxDispatchers || data_len > sys::kMaxStartData) return Error::CapacityExceeded;
    if (ram_bytes % kPageSize) return Error::Misaligned;
    const u64 base = arch::user_window_base();
    auto file = TRY(elf::File::open(image, len));
    UserSegment segs[8];
    u32 n = TRY(plan_user_image(file, elf_machine(arch::core_state()->boot->isa), base, segs, 8));
    u64 pages = pages_of(kUserStackSize) + pages_of(data_len);
    for (u32 i = 0; i < n; ++i) pages += pages_of(segs[i].seg.memsz);

    // Everything that can fail is checked before any memory is taken, so that a refused
    // spawn leaves the pool as it was: a CNode, the pages (with room for aligning the
    // frames), and start data the caller can read. FIXME: a late failure (none is expected
    // after these checks) still leaks what was taken; dispatcher memory is never recycled.
    if (caps_.table().free_cnodes() == 0) return Error::CapacityExceeded;
    if (pool_.remaining() < (1 + kTablePages + 2 * pages) * kPageSize + ram_bytes) return Error::NoMemory;
    if (data.from) {
        u8 probe;
        for (u64 off = 0; off < data_len; off += kPageSize)
            TRY(copy_from_user(data.from, data.va + off, &probe, 1));
        if (data_len) TRY(copy_from_user(data.from, data.va + data_len - 1, &probe, 1));
    }
    auto* d = reinterpret_cast<Dispatcher*>(uptr(TRY(pool_.alloc())));
    *d = Dispatcher{};
    d->tables = PagePool(TRY(pool_.alloc_range(kTablePages * kPageSize, kPageSize)), kTablePages * kPageSize);
    const u32 image_frames_max = sys::kImageSlots - u32(kTablePages - 1); // the root's cap has its own slot
    ImageFrames frames;
    TRY_STATUS(frames.carve(pool_, pages, image_frames_max));
    TRY_STATUS(d->space.init_shared(d->tables, kernel_root_, base));
    // Each page of each segment: filled from the file, mapped with the segment's rights
    // (never writable and executable at once).
    for (u32 i = 0; i < n; ++i) {
        const elf::Segment& s = segs[i].seg;
        const arch::mmu::MapFlags f{.write = segs[i].write, .exec = segs[i].exec, .user = true};
        for (u64 off = 0; off < s.memsz; off += kPageSize) {
            u64 frame = frames.next();
            if (off < s.filesz) {
                u64 bytes = min(kPageSize, s.filesz - off);
                const u8* from = image + s.offset + off;
                u8* to = reinterpret_cast<u8*>(uptr(frame));
                for (u64 k = 0; k < bytes; ++k) to[k] = from[k];
            }
            if (f.exec) arch::sync_icache(reinterpret_cast<const void*>(uptr(frame)), kPageSize);
            TRY_STATUS(d->space.map(s.vaddr + off, frame, kPageSize, f));
        }
    }
    // Its start data: a copy, so that it sees nothing else of the CPU driver's or its
    // parent's memory, read-only.
    for (u64 off = 0; off < data_len; off += kPageSize) {
        u64 frame = frames.next();
        TRY_STATUS(copy_start_data(d, data, frame, off));
        TRY_STATUS(d->space.map(base + sys::kStartDataOffset + off, frame, kPageSize, {.user = true}));
    }
    // The stack at the top of the window, a never-mapped guard page under it.
    const u64 stack_top = base + kUserWindowSize;
    for (u64 va = stack_top - kUserStackSize; va < stack_top; va += kPageSize)
        TRY_STATUS(d->space.map(va, frames.next(), kPageSize, {.write = true, .user = true}));

    // Its capability space holds everything it runs on: its root page table (only the heap
    // slot of it is the user's to change), the tables and frames of its program, and the
    // RAM it was given.
    d->cnode = TRY(caps_.table().create_cnode());
    const int root_level = int(caps::kPtLevels - arch::mmu::levels());
    const u8 rw = caps::kRead | caps::kWrite;
    TRY_STATUS(caps_.install(d->cnode, sys::kSlotRootTable, caps::page_table_type(root_level), d->space.root(),
                             kPageSize, rw));
    u32 slot = sys::kSlotImage;
    Status tables_ok;
    for_each_table(d->space.root(), 0, d->tables, [&](u64 table, u32 level) {
        if (!tables_ok.ok()) return;
        if (slot >= sys::kSlotImage + sys::kImageSlots) tables_ok = Error::CapacityExceeded;
        else tables_ok = caps_.install(d->cnode, slot++, caps::page_table_type(root_level + int(level)), table, kPageSize, rw);
    });
    TRY_STATUS(tables_ok);
    for (u32 i = 0; i < frames.count; ++i) {
        if (slot >= sys::kSlotImage + sys::kImageSlots) return Error::CapacityExceeded;
        TRY_STATUS(caps_.install(d->cnode, slot++, caps::CapType::Frame, frames.base[i], frames.pages[i] * kPageSize,
                                 rw | caps::kExecute));
    }
    if (ram_bytes)
        TRY_STATUS(caps_.install(d->cnode, sys::kSlotRam, caps::CapType::Ram, TRY(pool_.alloc_range(ram_bytes, kPageSize)),
                                 ram_bytes, rw | caps::kGrant));

    arch::user_frame_init(d->frame, file.entry(), stack_top, arg);
    d->id = count_ + 1;
    d->entry = file.entry();
    copy_name(d->name, sizeof d->name, name);
    all_[count_++] = d;
    policy_.make_runnable(d);
    return d;
}

} // namespace mosaic::cpudriver
