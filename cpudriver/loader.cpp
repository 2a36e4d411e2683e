// Starting dispatchers: the monitor, which its CPU driver loads itself at boot
// (Scheduler::spawn: its pages from the core's dispatcher pool as naturally aligned
// frames, its address space sharing the kernel's map except the user window, its
// capability space holding everything it runs on), and every other program, which the
// monitor builds from capabilities (monitor/loader) and hands over for the last step
// (Scheduler::dispatch, after the checks of KernelOp::Dispatch).
#include "placement.hpp"
#include "sched.hpp"

#include <mosaic/arch/user.hpp>
#include <mosaic/fmt.hpp>

namespace mosaic::cpudriver {

namespace {

const u64* table_at(u64 pa) { return reinterpret_cast<const u64*>(uptr(pa)); }

// Calls f(table, caps level) for every table under `table` that came from `pool`.
template <typename F> void for_each_table(u64 table, u32 level, const PagePool& pool, F&& f) {
    const u64* e = table_at(table);
    for (u32 i = 0; i < 512; ++i) {
        if (!arch::mmu::is_valid(e[i]) || !arch::mmu::is_table(e[i], level)) continue;
        u64 child = arch::mmu::entry_address(e[i]);
        if (!pool.contains(child)) continue; // the kernel's tables
        f(child, level + 1);
        for_each_table(child, level + 1, pool, f);
    }
}

// The instruction caches see every page mapped under `table` (the pages a loader wrote).
void sync_pages(u64 table, u32 level) {
    const u64* e = table_at(table);
    const bool last = level + 1 == arch::mmu::levels();
    for (u32 i = 0; i < 512; ++i) {
        if (!arch::mmu::is_valid(e[i])) continue;
        if (last) arch::sync_icache(reinterpret_cast<const void*>(uptr(arch::mmu::entry_address(e[i]))), kPageSize);
        else if (arch::mmu::is_table(e[i], level)) sync_pages(arch::mmu::entry_address(e[i]), level + 1);
    }
}

} // namespace

Result<Dispatcher*> Scheduler::spawn(const char* name, const u8* image, usize len, u64 arg, u64 ram_bytes,
                                     const StartData& data) {
    if (count_ == kMaxDispatchers) return Error::CapacityExceeded;
    if (ram_bytes % kPageSize) return Error::Misaligned;
    const u64 base = arch::user_window_base();
    const int root_level = int(caps::kPtLevels - arch::mmu::levels());
    auto file = TRY(elf::File::open(image, len));
    const ImagePlan plan =
        TRY(plan_image(file, elf_machine(arch::core_state()->boot->isa), base, data.total(), root_level));

    // Everything that can fail is checked before any memory is taken: a CNode, the pages
    // (with room for aligning the frames) and the tables.
    if (caps_.table().free_cnodes() == 0) return Error::CapacityExceeded;
    if (pool_.remaining() < (2 + plan.tables + 2 * plan.pages) * kPageSize + ram_bytes) return Error::NoMemory;
    auto* d = reinterpret_cast<Dispatcher*>(uptr(TRY(pool_.alloc())));
    *d = Dispatcher{};
    const u64 table_bytes = (1 + plan.tables) * kPageSize;
    d->tables = PagePool(TRY(pool_.alloc_range(table_bytes, kPageSize)), table_bytes);
    u64 frame_base[ImagePlan::kMaxFrames];
    for (u32 i = 0; i < plan.frames; ++i)
        frame_base[i] = TRY(pool_.alloc_range(plan.frame_pages[i] * kPageSize, plan.frame_pages[i] * kPageSize));
    TRY_STATUS(d->space.init_shared(d->tables, kernel_root_, base));
    // Each page: filled from the file or the start data (the stack stays zero), mapped
    // with its rights (never writable and executable at once).
    u32 frame = 0;
    u64 used = 0;
    for (u64 i = 0; i < plan.pages; ++i, ++used) {
        if (used == plan.frame_pages[frame]) ++frame, used = 0;
        const u64 pa = frame_base[frame] + used * kPageSize;
        u8* to = reinterpret_cast<u8*>(uptr(pa));
        const ImagePage p = plan.page(i);
        if (p.segment >= 0) {
            const elf::Segment& s = plan.seg[p.segment].seg;
            for (u64 k = 0; p.offset + k < s.filesz && k < kPageSize; ++k) to[k] = image[s.offset + p.offset + k];
        }
        for (u64 k = 0; p.data >= 0 && k < kPageSize && u64(p.data) + k < data.total(); ++k) {
            const u64 at = u64(p.data) + k;
            to[k] = at < data.kernel_len[0] ? data.kernel[0][at] : data.kernel[1][at - data.kernel_len[0]];
        }
        if (p.exec) arch::sync_icache(to, kPageSize);
        TRY_STATUS(d->space.map(p.va, pa, kPageSize, {.write = p.write, .exec = p.exec, .user = true}));
    }

    // Its capability space holds everything it runs on: its root page table (only the heap
    // slot of it is the user's to change), the tables and frames of its program, and the
    // RAM it was given.
    d->cnode = TRY(caps_.table().create_cnode());
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
    for (u32 i = 0; i < plan.frames; ++i) {
        if (slot >= sys::kSlotImage + sys::kImageSlots) return Error::CapacityExceeded;
        TRY_STATUS(caps_.install(d->cnode, slot++, caps::CapType::Frame, frame_base[i], plan.frame_pages[i] * kPageSize,
                                 rw | caps::kExecute));
    }
    // The RAM: with Execute, so that the frames the monitor makes of it for the programs it
    // loads can hold code.
    if (ram_bytes)
        TRY_STATUS(caps_.install(d->cnode, sys::kSlotRam, caps::CapType::Ram, TRY(pool_.alloc_range(ram_bytes, kPageSize)),
                                 ram_bytes, rw | caps::kExecute | caps::kGrant));

    return start(d, count_, name, plan.entry, arg);
}

// The last steps of both: its registers, id and own Dispatcher capability (none if the
// slot was taken), and its place among the core's dispatchers; then it may run.
Dispatcher* Scheduler::start(Dispatcher* d, u32 pos, const char* name, u64 entry, u64 arg) {
    arch::user_frame_init(d->frame, entry, arch::user_window_base() + kUserWindowSize, arg);
    d->id = next_id_++;
    (void)caps_.install(d->cnode, sys::kSlotSelf, caps::CapType::Dispatcher, d->id, 0, caps::kRead | caps::kWrite);
    if (d->id == sys::kMonitorId) monitor_ = d;
    d->entry = entry;
    str_copy(d->name, sizeof d->name, name);
    all_[pos] = d;
    if (pos == count_) ++count_;
    policy_.make_runnable(d);
    return d;
}

Result<Dispatcher*> Scheduler::dispatch(const char* name, u16 cnode, u64 root, u64 entry, u64 arg) {
    // A slot: a dead dispatcher's (its page and its place are reused; ids never are), or a new one.
    u32 pos = count_;
    for (u32 i = 0; i < count_ && pos == count_; ++i)
        if (all_[i]->state == DispatcherState::Dead && all_[i]->id != sys::kMonitorId) pos = i;
    if (pos == kMaxDispatchers) return Error::CapacityExceeded;
    // Its capability space is its own: a CNode nothing else names but the caller's capability
    // (never another dispatcher's, never one the caller keeps a second name for).
    if (caps_.table().cnode_refs(cnode) != 1) return Error::PermissionDenied;
    // Its root table stays what it is while it runs: the CPU driver holds an original
    // capability over that memory, so that no retype can reuse it until the dispatcher ends.
    if (!kernel_cnode_) kernel_cnode_ = TRY(caps_.table().create_cnode()) + 1;
    const u32 pin = pos;
    if (pin >= caps::kCNodeSlots) return Error::CapacityExceeded;
    const int root_level = int(caps::kPtLevels - arch::mmu::levels());
    auto* d = pos < count_ ? all_[pos] : reinterpret_cast<Dispatcher*>(uptr(TRY(pool_.alloc())));
    TRY_STATUS(caps_.install(u16(kernel_cnode_ - 1), pin, caps::page_table_type(root_level), root, kPageSize,
                             caps::kRead));
    TRY_STATUS(caps_.table().retain_cnode(cnode));
    *d = Dispatcher{};
    // The kernel's map in every root slot but the user's (all empty: checked).
    const u64* kernel = table_at(kernel_root_);
    u64* r = reinterpret_cast<u64*>(uptr(root));
    sync_pages(root, 0);
    for (u32 i = 0; i < 512; ++i)
        if (arch::mmu::is_valid(kernel[i])) r[i] = kernel[i];
    d->space.adopt(root);
    d->cnode = cnode;
    return start(d, pos, name, entry, arg);
}

} // namespace mosaic::cpudriver
