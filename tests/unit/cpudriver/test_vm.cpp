// The generic page-table walker (cpudriver/vm.cpp) over the fake format in fake_mmu.cpp,
// with host memory standing in for physical pages.
#include <doctest.h>

#include "../../../cpudriver/vm.hpp"

#include <cstdlib>
#include <memory>

using namespace mosaic;
using namespace mosaic::cpudriver;

namespace mosaic::arch::mmu {
extern u64 g_invalidations;
}

namespace {
struct Pool {
    static constexpr u64 kSize = 64 * 4096;
    std::unique_ptr<u8, decltype(&std::free)> mem{static_cast<u8*>(std::aligned_alloc(4096, kSize)), &std::free};
    PagePool pool{uptr(mem.get()), kSize};
};
const arch::mmu::MapFlags kRw{.write = true};
} // namespace

TEST_CASE("map and translate pages and 2 MiB blocks") {
    Pool p;
    AddressSpace as;
    REQUIRE(as.init(p.pool).ok());
    CHECK(as.map(0x20'0000'0000ull, 0x1234'5000, 0x3000, kRw).ok());
    CHECK(*as.translate(0x20'0000'1abcull) == 0x1234'6abc);
    CHECK(as.map(0x4000'0000, 0x8000'0000, 4ull << 20, kRw).ok()); // two blocks
    CHECK(*as.translate(0x4030'0004) == 0x8030'0004);
    CHECK(as.translate(0x5000'0000).error() == Error::NotFound);
}

TEST_CASE("overlapping, misaligned and overflowing maps are refused") {
    Pool p;
    AddressSpace as;
    REQUIRE(as.init(p.pool).ok());
    REQUIRE(as.map(0x10000, 0x20000, 0x2000, kRw).ok());
    CHECK(as.map(0x11000, 0x90000, 0x1000, kRw).error() == Error::AlreadyExists);
    CHECK(as.map(0x10001, 0x20000, 0x1000, kRw).error() == Error::Misaligned);
    CHECK(as.map(0x30000, 0x20001, 0x1000, kRw).error() == Error::Misaligned);
    CHECK(as.map(~0xfffull, 0, 0x2000, kRw).error() == Error::Overflow);
    REQUIRE(as.map(0x20'0000, 0x40'0000, 2u << 20, kRw).ok()); // a block
    CHECK(as.map(0x20'1000, 0x9000'0000, 0x1000, kRw).error() == Error::AlreadyExists);
    CHECK(as.unmap(0x20'1000, 0x1000).error() == Error::Unsupported);
}

TEST_CASE("unmap and protect change exactly the pages asked for and invalidate them") {
    Pool p;
    AddressSpace as;
    REQUIRE(as.init(p.pool).ok());
    REQUIRE(as.map(0x7000'0000, 0x1000'0000, 0x4000, kRw).ok());
    u64 before = arch::mmu::g_invalidations;
    CHECK(as.unmap(0x7000'1000, 0x2000).ok());
    CHECK(arch::mmu::g_invalidations == before + 2);
    CHECK(as.translate(0x7000'1000).error() == Error::NotFound);
    CHECK(as.translate(0x7000'2fff).error() == Error::NotFound);
    CHECK(*as.translate(0x7000'3000) == 0x1000'3000);
    CHECK(as.unmap(0x7000'1000, 0x1000).error() == Error::NotFound);
    CHECK(as.protect(0x7000'0000, 0x1000, {}).ok());
    CHECK(*as.translate(0x7000'0000) == 0x1000'0000);
    CHECK(as.protect(0x7000'1000, 0x1000, {}).error() == Error::NotFound);
}

TEST_CASE("running out of page-table pages is an error, not a crash") {
    Pool p;
    PagePool tiny(uptr(p.mem.get()), 3 * 4096);
    AddressSpace as;
    REQUIRE(as.init(tiny).ok());
    CHECK(as.map(0x1000, 0x1000, 0x1000, kRw).error() == Error::NoMemory);
}

TEST_CASE("user address spaces share the kernel map, own their user slot, and report rights") {
    Pool p;
    AddressSpace kernel, user;
    constexpr u64 kUserBase = 0x80'0000'0000ull; // root slot 1
    REQUIRE(kernel.init(p.pool).ok());
    REQUIRE(kernel.map(0x4000'0000, 0x4000'0000, 2u << 20, kRw).ok());
    REQUIRE(user.init_shared(p.pool, kernel.root(), kUserBase).ok());
    CHECK(user.root() != kernel.root());
    CHECK(*user.translate(0x4010'0000) == 0x4010'0000); // the kernel's map is there
    REQUIRE(user.map(kUserBase, 0x9000'0000, 0x1000, {.user = true}).ok());
    REQUIRE(user.map(kUserBase + 0x1000, 0x9000'1000, 0x1000, {.write = true, .user = true}).ok());
    auto ro = user.lookup(kUserBase + 8);
    REQUIRE(ro.ok());
    CHECK(ro->pa == 0x9000'0008);
    CHECK(ro->flags.user);
    CHECK_FALSE(ro->flags.write);
    CHECK(user.lookup(kUserBase + 0x1000)->flags.write);
    CHECK_FALSE(user.lookup(0x4000'0000)->flags.user);      // kernel pages are not the user's
    CHECK(kernel.translate(kUserBase).error() == Error::NotFound); // the kernel's root is untouched
    // A second user space does not see the first one's pages.
    AddressSpace other;
    REQUIRE(other.init_shared(p.pool, kernel.root(), kUserBase).ok());
    CHECK(other.translate(kUserBase).error() == Error::NotFound);
    // A kernel that already uses the user slot cannot give it away.
    REQUIRE(kernel.map(kUserBase + 0x20'0000, 0x1000'0000, 0x1000, kRw).ok());
    AddressSpace clash;
    CHECK(clash.init_shared(p.pool, kernel.root(), kUserBase).error() == Error::AlreadyExists);
}
