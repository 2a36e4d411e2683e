// A user program's image in its user window, one source for the CPU driver (the monitor's
// own start) and the monitor (every other program): the window's geometry, the checks of a
// program's ELF against it, and the plan of what its image needs: the pages of its segments,
// start data and stack, cut into naturally aligned frames, and the page tables of the window
// that map them. Hardware-neutral, host-tested.
#pragma once

#include <mosaic/elf.hpp>
#include <mosaic/syscall.hpp>

namespace mosaic {

// Bytes of the user window every dispatcher's address space has (arch::user_window_base);
// its program is linked at the base and its stack ends at the top.
constexpr u64 kUserWindowSize = 1ull << 30;
constexpr u64 kUserStackSize = 16 * 1024;
constexpr u64 kUserPage = 4096;

// Where one loadable segment of a user program goes: [vaddr, vaddr + memsz) of the user
// window, page aligned, filled from the file's bytes and zeros.
struct UserSegment {
    elf::Segment seg;
    bool write = false, exec = false;
};
// Checks a user program against the user window at `base` and lists its segments (at
// most max): an executable ELF of `machine`, every segment page aligned inside the window
// and below its start data (sys::kStartDataOffset), none both writable and executable, no
// two overlapping, and the entry inside an executable one. Returns the number of segments.
Result<u32> plan_user_image(const elf::File& f, u16 machine, u64 base, UserSegment* out, u32 max);

// Whether [va, va + len) lies inside the user window at base (len 0 included).
bool in_user_window(u64 base, u64 va, u64 len);

constexpr u64 pages_of(u64 bytes) { return (bytes + kUserPage - 1) / kUserPage; }

// The pages of a program's image, in the order they are filled and mapped: every page of
// every segment, then its start data (read-only at base + sys::kStartDataOffset), then its
// stack (kUserStackSize under the window's top; the page under it stays unmapped).
struct ImagePage {
    u64 va = 0;
    bool write = false, exec = false;
    i32 segment = -1;  // the segment whose bytes it holds (from `offset` of the segment), or -1
    i64 data = -1;     // else the offset of the start data it holds, or -1 (a stack page)
    u64 offset = 0;
};
struct ImagePlan {
    static constexpr u32 kMaxSegments = 8, kMaxFrames = sys::kImageSlots, kMaxTables = sys::kImageSlots;
    UserSegment seg[kMaxSegments];
    u32 segments = 0;
    u64 base = 0, entry = 0, data_len = 0;
    u64 pages = 0;
    // Frames: the page count cut into naturally aligned powers of two, largest first.
    u64 frame_pages[kMaxFrames] = {};
    u32 frames = 0;
    // The window's page tables below the root (root_level + 1 .. 3): each with the address
    // of the first byte it maps, parents before their children.
    struct Table {
        int level = 0;
        u64 va = 0;
    };
    Table table[kMaxTables];
    u32 tables = 0;

    // The page at position i (0 <= i < pages).
    ImagePage page(u64 i) const;
    // The table of `level` that maps va (its index in table[]), or -1.
    i32 table_of(int level, u64 va) const;
};

// Plans a program's image: its ELF checked by plan_user_image, `data_len` bytes of start
// data (at most sys::kMaxStartData), root tables of caps level `root_level`. Refuses
// (CapacityExceeded) an image whose frames and tables do not fit sys::kImageSlots slots.
Result<ImagePlan> plan_image(const elf::File& f, u16 machine, u64 base, u64 data_len, int root_level);

// Bytes one entry of a page table of caps level `level` maps (level 3: a page).
constexpr u64 table_entry_bytes(int level) { return kUserPage << (9 * u32(3 - level)); }

} // namespace mosaic
