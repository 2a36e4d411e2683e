// The type list and what is derived from it; CPtr encoding.
#include "fixture.hpp"
#include <string.h>

using namespace caps_test;

TEST_CASE("every type has a distinct name and a wire id that maps back to it") {
    for (u32 i = 1; i < kTypeCount; ++i) {
        CapType t = CapType(i);
        CHECK(type_from_wire(wire_id(t)) == t);
        for (u32 j = 0; j < i; ++j) CHECK(strcmp(type_name(t), type_name(CapType(j))) != 0);
    }
    CHECK(type_from_wire(0) == CapType::Null);
    CHECK(type_from_wire(200) == CapType::Null);
}

TEST_CASE("kernel objects are never mappable and only frames are") {
    for (u32 i = 0; i < kTypeCount; ++i) {
        CapType t = CapType(i);
        if (is_kernel_object(t)) CHECK_FALSE(is_mappable(t));
    }
    CHECK(is_mappable(CapType::Frame));
    CHECK(is_mappable(CapType::DevFrame));
    CHECK_FALSE(is_mappable(CapType::Ram));
    CHECK(is_kernel_object(CapType::CNode));
    CHECK(is_kernel_object(CapType::Dispatcher));
    CHECK(is_kernel_object(CapType::PageTableL2));
}

TEST_CASE("only the kernel capability is monitor-only; it, CNodes and the named objects never leave their core") {
    for (u32 i = 0; i < kTypeCount; ++i) {
        CapType t = CapType(i);
        CHECK(has_flag(t, kMonitorOnly) == (t == CapType::Kernel));
        CHECK(has_flag(t, kCoreLocal) == (t == CapType::Kernel || t == CapType::CNode || t == CapType::Dispatcher ||
                                          t == CapType::Endpoint || t == CapType::Irq));
    }
}

TEST_CASE("the page-table family has one type per level") {
    for (int l = 0; l < int(kPtLevels); ++l) {
        CapType t = page_table_type(l);
        CHECK(is_page_table(t));
        CHECK(pt_level(t) == l);
    }
    CHECK(page_table_type(4) == CapType::Null);
    CHECK(entry_bytes(3) == 4096);
    CHECK(entry_bytes(2) == (2ull << 20));
    CHECK(entry_bytes(1) == (1ull << 30));
}

TEST_CASE("retype sources: RAM makes kernel objects and frames, device frames only device frames") {
    CHECK(can_retype(CapType::Ram, CapType::Frame));
    CHECK(can_retype(CapType::Ram, CapType::CNode));
    CHECK(can_retype(CapType::Ram, CapType::Ram));
    CHECK_FALSE(can_retype(CapType::Ram, CapType::DevFrame));
    CHECK_FALSE(can_retype(CapType::Ram, CapType::Kernel));
    CHECK_FALSE(can_retype(CapType::Ram, CapType::Irq));
    CHECK(can_retype(CapType::DevFrame, CapType::DevFrame));
    CHECK_FALSE(can_retype(CapType::DevFrame, CapType::Frame));
    CHECK_FALSE(can_retype(CapType::Frame, CapType::Frame));
}

TEST_CASE("rights") {
    CHECK(kAllRights == (kRead | kWrite | kExecute | kGrant));
    CHECK(rights_within(kRead, kRead | kWrite));
    CHECK_FALSE(rights_within(kRead | kExecute, kRead | kWrite));
}

TEST_CASE("CPtr encoding") {
    CPtr a = CPtr::at(5);
    CHECK(a.depth() == 1);
    CHECK(a.first() == 5);
    CHECK(a.last() == 5);
    CPtr b = CPtr::at(5, 9);
    CHECK(b.depth() == 2);
    CHECK(b.last() == 9);
    CHECK(b.with_last(3).raw == CPtr::at(5, 3).raw);
    CHECK(a.well_formed());
    CHECK(b.well_formed());
    CHECK_FALSE(CPtr{0}.well_formed());
    CHECK_FALSE(CPtr{(1ull << 16) | (1 << 8)}.well_formed());
    CHECK_FALSE(CPtr{3ull << 16}.well_formed());
}

TEST_CASE("validate() accepts well-formed boot capabilities and refuses the rest") {
    CHECK(validate(memory_cap(CapType::Ram, kRamBase, kRamSize)).ok());
    CHECK(validate(memory_cap(CapType::Ram, kRamBase, 0)).error() == Error::InvalidArgument);
    CHECK(validate(memory_cap(CapType::Ram, kRamBase + 1, kPageSize)).error() == Error::Misaligned);
    CHECK(validate(memory_cap(CapType::Ram, ~0ull - 0xfff, 2 * kPageSize)).error() == Error::Overflow);
    CHECK(validate(memory_cap(CapType::CNode, kRamBase, kPageSize * 2)).error() == Error::InvalidArgument);
    Capability ep;
    ep.type = CapType::Endpoint, ep.base = 3, ep.badge = 9; // dispatcher 3's, badged
    CHECK(validate(ep).ok());
    ep.size = 64;
    CHECK(validate(ep).error() == Error::InvalidArgument);
    Capability c = memory_cap(CapType::Frame, kRamBase, kPageSize);
    c.badge = 1;
    CHECK(validate(c).error() == Error::InvalidArgument);
    c = memory_cap(CapType::Frame, kRamBase, kPageSize);
    c.rights = 0x80;
    CHECK(validate(c).error() == Error::InvalidArgument);
    CHECK(validate(Capability{}).error() == Error::WrongType);
}
