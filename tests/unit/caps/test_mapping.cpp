// Map checks: frames only, into a page table of a level that maps their size, with rights held.
#include "fixture.hpp"

using namespace caps_test;

// Slots: 10 L3 table, 11 L2 table, 12 L0 table, 13 L1 table, 20.. frames.
static void make_tables(Sys& s) {
    REQUIRE(s.retype(kRam, CPtr::at(10), CapType::PageTableL3, kPageSize, 1, 0) == Error::Ok);
    REQUIRE(s.retype(kRam, CPtr::at(11), CapType::PageTableL2, kPageSize, 1, kPageSize) == Error::Ok);
    REQUIRE(s.retype(kRam, CPtr::at(12), CapType::PageTableL0, kPageSize, 1, 2 * kPageSize) == Error::Ok);
    REQUIRE(s.retype(kRam, CPtr::at(13), CapType::PageTableL1, kPageSize, 1, 3 * kPageSize) == Error::Ok);
}

TEST_CASE("a frame maps into a last-level table with the rights asked for") {
    Sys s;
    make_tables(s);
    REQUIRE(s.retype(kRam, CPtr::at(20), CapType::Frame, 4 * kPageSize, 1, 4 * kPageSize) == Error::Ok);
    auto m = s.map(CPtr::at(10), 511, CPtr::at(20), 3 * kPageSize, kRead | kWrite);
    REQUIRE(m.ok());
    CHECK(m->level == 3);
    CHECK(m->index == 511);
    CHECK(m->phys == kRamBase + 7 * kPageSize);
    CHECK(m->bytes == kPageSize);
    CHECK(m->rights == (kRead | kWrite));
    CHECK(m->table_base == kRamBase);
    CHECK_FALSE(m->device);
}

TEST_CASE("a 2 MiB frame maps as one L2 entry, only when aligned") {
    Sys s;
    make_tables(s);
    REQUIRE(s.retype(kRam, CPtr::at(20), CapType::Frame, 2 << 20, 1, 2 << 20) == Error::Ok);
    auto m = s.map(CPtr::at(11), 0, CPtr::at(20), 0, kRead);
    REQUIRE(m.ok());
    CHECK(m->bytes == (2u << 20));
    CHECK(m->phys == kRamBase + (2 << 20));
    REQUIRE(s.retype(kRam, CPtr::at(21), CapType::Frame, kPageSize, 1, 4 << 20) == Error::Ok);
    CHECK(s.map(CPtr::at(11), 1, CPtr::at(21), 0, kRead).error() == Error::OutOfRange);
    CHECK(s.map(CPtr::at(10), 1, CPtr::at(20), kPageSize, kRead).ok());
    CHECK(s.map(CPtr::at(11), 1, CPtr::at(20), kPageSize, kRead).error() == Error::Misaligned);
}

TEST_CASE("device frames map with device attributes") {
    Sys s;
    make_tables(s);
    auto m = s.map(CPtr::at(10), 3, kDev, kPageSize, kRead | kWrite);
    REQUIRE(m.ok());
    CHECK(m->device);
    CHECK(m->phys == kDevBase + kPageSize);
}

TEST_CASE("map argument checks") {
    Sys s;
    make_tables(s);
    REQUIRE(s.retype(kRam, CPtr::at(20), CapType::Frame, kPageSize, 1, 4 * kPageSize) == Error::Ok);
    CHECK(s.map(CPtr::at(10), 512, CPtr::at(20), 0, kRead).error() == Error::OutOfRange);
    CHECK(s.map(CPtr::at(10), 0, CPtr::at(20), kPageSize, kRead).error() == Error::OutOfRange);
    CHECK(s.map(CPtr::at(10), 0, CPtr::at(20), 100, kRead).error() == Error::Misaligned);
    CHECK(s.map(CPtr::at(10), 0, CPtr::at(20), 0, 0).error() == Error::InvalidArgument);
    CHECK(s.map(CPtr::at(10), 0, CPtr::at(20), 0, kGrant).error() == Error::InvalidArgument);
    CHECK(s.map(CPtr::at(12), 0, CPtr::at(20), 0, kRead).error() == Error::WrongType);
    CHECK(s.map(CPtr::at(20), 0, CPtr::at(20), 0, kRead).error() == Error::WrongType);
    CHECK(s.map(CPtr::at(10), 0, CPtr::at(30), 0, kRead).error() == Error::SlotEmpty);
    CHECK(s.map(CPtr::at(10), 0, kIrq, 0, kRead).error() == Error::PermissionDenied);
    CHECK(s.map(CPtr::at(10), 0, kRam, 0, kRead).error() == Error::WrongType);
    REQUIRE(s.mint(CPtr::at(10), CPtr::at(30), kRead) == Error::Ok);
    CHECK(s.map(CPtr::at(30), 0, CPtr::at(20), 0, kRead).error() == Error::PermissionDenied);
}

TEST_CASE("page tables link level by level") {
    Sys s;
    make_tables(s);
    CHECK(s.map_table(CPtr::at(12), 0, CPtr::at(13)) == Error::Ok);
    CHECK(s.map_table(CPtr::at(13), 0, CPtr::at(11)) == Error::Ok);
    CHECK(s.map_table(CPtr::at(11), 0, CPtr::at(10)) == Error::Ok);
    CHECK(s.map_table(CPtr::at(12), 0, CPtr::at(10)) == Error::WrongType);
    CHECK(s.map_table(CPtr::at(10), 0, CPtr::at(10)) == Error::WrongType);
    CHECK(s.map_table(CPtr::at(12), 0, kRam) == Error::WrongType);
    CHECK(s.map_table(CPtr::at(12), 600, CPtr::at(13)) == Error::OutOfRange);
    u64 w[kMaxInvocationWords];
    auto r = s.run(w, encode_map_table(w, CPtr::at(11), 7, CPtr::at(10)));
    REQUIRE(r.ok());
    CHECK(r->mapping.is_table);
    CHECK(r->mapping.phys == kRamBase);
    CHECK(r->mapping.level == 2);
}

TEST_CASE("memory of another node is refused") {
    Sys s;
    make_tables(s);
    REQUIRE(s.t.install(s.root, 40, memory_cap(CapType::Frame, kRamBase, kPageSize, 1), false).ok());
    CHECK(s.map(CPtr::at(10), 0, CPtr::at(40), 0, kRead).error() == Error::PermissionDenied);
}
