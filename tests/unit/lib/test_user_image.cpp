// A user program's image in its window (lib/include/mosaic/user_image.hpp): the checks of
// its ELF (used by the CPU driver for the monitor and by the monitor for every other
// program) and the plan of its pages, frames and page tables.
#include <doctest.h>

#include <mosaic/user_image.hpp>

#include <cstring>
#include <vector>

using namespace mosaic;

namespace {

// A minimal ELF64 executable: a header and one program header per segment.
struct Seg {
    u32 flags;
    u64 vaddr, filesz, memsz;
};
std::vector<u8> make_elf(u16 machine, u64 entry, const std::vector<Seg>& segs) {
    std::vector<u8> f(64 + 56 * segs.size() + 64, 0);
    auto put16 = [&](usize at, u16 v) { std::memcpy(&f[at], &v, 2); };
    auto put32 = [&](usize at, u32 v) { std::memcpy(&f[at], &v, 4); };
    auto put64 = [&](usize at, u64 v) { std::memcpy(&f[at], &v, 8); };
    std::memcpy(&f[0], "\x7f" "ELF", 4);
    f[4] = 2, f[5] = 1, f[6] = 1;
    put16(16, 2);
    put16(18, machine);
    put64(24, entry);
    put64(32, 64);
    put16(54, 56);
    put16(56, u16(segs.size()));
    for (usize i = 0; i < segs.size(); ++i) {
        usize p = 64 + 56 * i;
        put32(p, 1);
        put32(p + 4, segs[i].flags);
        put64(p + 8, 0);
        put64(p + 16, segs[i].vaddr);
        put64(p + 24, segs[i].vaddr);
        put64(p + 32, segs[i].filesz);
        put64(p + 40, segs[i].memsz);
    }
    return f;
}

constexpr u64 kBase = 0x80'0000'0000ull;
constexpr u16 kMachine = elf::kMachineRiscv;

Result<u32> plan(const std::vector<u8>& image, UserSegment* out, u32 max = 8) {
    auto f = elf::File::open(image.data(), image.size());
    if (!f.ok()) return f.error();
    return plan_user_image(*f, kMachine, kBase, out, max);
}


} // namespace

TEST_CASE("user window bounds") {
    constexpr u64 top = kBase + kUserWindowSize;
    CHECK(in_user_window(kBase, kBase, 0));
    CHECK(in_user_window(kBase, top - 8, 8));
    CHECK_FALSE(in_user_window(kBase, top - 8, 9));
    CHECK_FALSE(in_user_window(kBase, kBase - 1, 1));
    CHECK_FALSE(in_user_window(kBase, 0x1000, 8));
    CHECK_FALSE(in_user_window(kBase, ~0ull - 3, 8)); // wraps
}

TEST_CASE("user images: a well-formed program is planned segment by segment") {
    auto img = make_elf(kMachine, kBase + 0x10, {{5, kBase, 0x40, 0x1800}, {4, kBase + 0x2000, 0x10, 0x10}, {6, kBase + 0x3000, 0x10, 0x5000}});
    UserSegment out[8];
    auto n = plan(img, out);
    REQUIRE(n.ok());
    CHECK(*n == 3);
    CHECK(out[0].exec);
    CHECK_FALSE(out[0].write);
    CHECK_FALSE(out[1].exec);
    CHECK_FALSE(out[1].write);
    CHECK(out[2].write);
    CHECK(out[2].seg.memsz == 0x5000);
}

TEST_CASE("user images: hostile and broken programs are refused with a reason") {
    UserSegment out[8];
    // Writable and executable at once.
    CHECK(plan(make_elf(kMachine, kBase, {{7, kBase, 0x10, 0x10}}), out).error() == Error::PermissionDenied);
    // Below the window (e.g. over the kernel), across its top, into the stack.
    CHECK(plan(make_elf(kMachine, 0x1000, {{5, 0x1000, 0x10, 0x10}}), out).error() == Error::OutOfRange);
    CHECK(plan(make_elf(kMachine, kBase, {{5, kBase + kUserWindowSize - 0x1000, 0x10, 0x2000}}), out).error() ==
          Error::OutOfRange);
    CHECK(plan(make_elf(kMachine, kBase, {{5, kBase, 0x10, kUserWindowSize - kUserStackSize}}), out).error() ==
          Error::OutOfRange);
    // Into the start data the CPU driver may map (the last page below it is still the program's).
    CHECK(plan(make_elf(kMachine, kBase, {{5, kBase, 0x10, sys::kStartDataOffset + 0x10}}), out).error() ==
          Error::OutOfRange);
    CHECK(plan(make_elf(kMachine, kBase, {{5, kBase, 0x10, sys::kStartDataOffset}}), out).ok());
    // Not page aligned, overlapping pages, entry outside code, wrong ISA, nothing to load.
    CHECK(plan(make_elf(kMachine, kBase + 0x10, {{5, kBase + 0x10, 0x10, 0x10}}), out).error() == Error::Misaligned);
    CHECK(plan(make_elf(kMachine, kBase, {{5, kBase, 0x10, 0x1800}, {6, kBase + 0x1000, 0x10, 0x10}}), out).error() ==
          Error::AlreadyExists);
    CHECK(plan(make_elf(kMachine, kBase + 0x2000, {{5, kBase, 0x10, 0x10}, {6, kBase + 0x2000, 0x10, 0x10}}), out)
              .error() == Error::BadAddress);
    CHECK(plan(make_elf(elf::kMachineX86_64, kBase, {{5, kBase, 0x10, 0x10}}), out).error() == Error::Unsupported);
    CHECK(plan(make_elf(kMachine, kBase, {}), out).error() == Error::Malformed);
    // More segments than the loader takes; file bytes past the end.
    CHECK(plan(make_elf(kMachine, kBase, {{5, kBase, 0x10, 0x10}, {4, kBase + 0x1000, 0x10, 0x10}}), out, 1).error() ==
          Error::CapacityExceeded);
    CHECK(plan(make_elf(kMachine, kBase, {{5, kBase, 0x100000, 0x100000}}), out).error() == Error::Truncated);
    // Address arithmetic that wraps.
    CHECK(plan(make_elf(kMachine, kBase, {{5, ~0xfffull, 0x10, 0x2000}}), out).error() == Error::Malformed);
}

TEST_CASE("image plans: pages in order, frames as aligned powers of two, one table per span") {
    // Code at the base (3 pages), data at +64 KiB (5 pages, 2 from the file), 5000 bytes of
    // start data, the stack: 3 + 5 + 2 + 4 pages.
    auto img = make_elf(kMachine, kBase + 0x10, {{5, kBase, 0x40, 0x2800}, {6, kBase + 0x10000, 0x10, 0x5000}});
    auto f = elf::File::open(img.data(), img.size());
    REQUIRE(f.ok());
    auto p = plan_image(*f, kMachine, kBase, 5000, 0);
    REQUIRE(p.ok());
    CHECK(p->pages == 14);
    CHECK(p->entry == kBase + 0x10);
    REQUIRE(p->frames == 3);
    CHECK(p->frame_pages[0] == 8);
    CHECK(p->frame_pages[1] == 4);
    CHECK(p->frame_pages[2] == 2);
    CHECK(p->page(0).va == kBase);
    CHECK(p->page(0).exec);
    CHECK(p->page(2).segment == 0);
    CHECK(p->page(2).offset == 0x2000);
    CHECK(p->page(3).va == kBase + 0x10000);
    CHECK(p->page(3).write);
    CHECK(p->page(8).va == kBase + sys::kStartDataOffset);
    CHECK(p->page(8).data == 0);
    CHECK(p->page(9).data == 4096);
    CHECK_FALSE(p->page(9).write);
    CHECK(p->page(10).va == kBase + kUserWindowSize - kUserStackSize);
    CHECK(p->page(10).write);
    CHECK(p->page(10).segment == -1);
    CHECK(p->page(10).data == -1);
    CHECK(p->page(13).va == kBase + kUserWindowSize - kUserPage);
    // Below a root of level 0: one L1, one L2, and L3 tables for the code, the start data
    // and the stack; parents first.
    REQUIRE(p->tables == 5);
    CHECK(p->table[0].level == 1);
    CHECK(p->table[1].level == 2);
    CHECK(p->table_of(3, kBase + 0x10000) >= 0);
    CHECK(p->table_of(3, kBase + sys::kStartDataOffset) >= 0);
    CHECK(p->table_of(3, kBase + kUserWindowSize - 1) >= 0);
    CHECK(p->table_of(3, kBase + 0x200000) == -1);
    CHECK(p->table_of(2, kBase + 0x200000) == 1);
    for (u32 t = 0; t < p->tables; ++t)
        if (p->table[t].level > 1) CHECK(u32(p->table_of(p->table[t].level - 1, p->table[t].va)) < t);
    // No start data: one table fewer.
    auto q = plan_image(*f, kMachine, kBase, 0, 0);
    REQUIRE(q.ok());
    CHECK(q->tables == 4);
    CHECK(q->pages == 12);
}

TEST_CASE("image plans: refused when too big for the slots, bad arguments, a bad program") {
    auto big = make_elf(kMachine, kBase, {{5, kBase, 0x10, 0x10}, {6, kBase + 0x1000, 0, 0x400000 - 0x1000}});
    auto f = elf::File::open(big.data(), big.size());
    REQUIRE(f.ok());
    auto p = plan_image(*f, kMachine, kBase, 0, 0); // 1024 pages + stack: frames of 512 at most
    REQUIRE(p.ok());
    CHECK(p->frame_pages[0] == 512);
    CHECK(p->frame_pages[1] == 512);
    CHECK(plan_image(*f, kMachine, kBase, sys::kMaxStartData + 1, 0).error() == Error::CapacityExceeded);
    CHECK(plan_image(*f, kMachine, kBase + 0x1000, 0, 0).error() == Error::InvalidArgument);
    CHECK(plan_image(*f, kMachine, kBase, 0, 3).error() == Error::InvalidArgument);
    CHECK(plan_image(*f, elf::kMachineX86_64, kBase, 0, 0).error() == Error::Unsupported);
    // Frames and tables beyond sys::kImageSlots: eight segments 4 MiB apart (12 pages, 8
    // last-level tables), 15 pages of start data and the stack: 31 pages in 5 frames, 12
    // tables; with 11 pages of start data, 27 pages in 4 frames: 16 slots, just enough.
    std::vector<Seg> segs{{5, kBase, 0x10, 0x5000}};
    for (u64 i = 1; i < 8; ++i) segs.push_back({4, kBase + i * 0x400000, 0x10, 0x10});
    auto many = make_elf(kMachine, kBase, segs);
    auto g = elf::File::open(many.data(), many.size());
    REQUIRE(g.ok());
    CHECK(plan_image(*g, kMachine, kBase, 15 * 4096, 0).error() == Error::CapacityExceeded);
    auto fits = plan_image(*g, kMachine, kBase, 11 * 4096, 0);
    REQUIRE(fits.ok());
    CHECK(fits->frames + fits->tables == sys::kImageSlots);
}
