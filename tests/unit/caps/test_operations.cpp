// Copy, mint, retype, delete, revoke and the queries, with their edge cases.
#include "fixture.hpp"

using namespace caps_test;

TEST_CASE("boot capabilities are in place and original") {
    Sys s;
    CHECK(s.id(kRam)->type == CapType::Ram);
    CHECK(s.id(kRam)->size == kRamSize);
    CHECK(s.t.is_original(s.t.lookup(s.root, kRam, Want::Cap).value()));
    CHECK(s.id(CPtr::at(10)).error() == Error::SlotEmpty);
    CHECK(s.t.install(s.root, 0, memory_cap(CapType::Ram, 0, kPageSize), true).error() == Error::SlotOccupied);
    CHECK(s.t.install(s.root, 64, memory_cap(CapType::Ram, 0, kPageSize), true).error() == Error::InvalidSlot);
    CHECK(s.t.install(7, 0, memory_cap(CapType::Ram, 0, kPageSize), true).error() == Error::InvalidSlot);
}

TEST_CASE("copy makes an equal capability derived from the source") {
    Sys s;
    CHECK(s.copy(kRam, CPtr::at(10)) == Error::Ok);
    Capability c = s.id(CPtr::at(10)).value();
    CHECK(c.type == CapType::Ram);
    CHECK(c.base == kRamBase);
    CHECK(c.rights == kAllRights);
    CHECK(s.has_desc(kRam));
    CHECK_FALSE(s.has_desc(CPtr::at(10)));
    SlotId src = s.t.lookup(s.root, kRam, Want::Cap).value();
    SlotId dst = s.t.lookup(s.root, CPtr::at(10), Want::Cap).value();
    CHECK(s.t.parent(dst) == src);
    CHECK_FALSE(s.t.is_original(dst));
}

TEST_CASE("copy refuses an empty source, an occupied or invalid destination") {
    Sys s;
    CHECK(s.copy(CPtr::at(20), CPtr::at(21)) == Error::SlotEmpty);
    CHECK(s.copy(kRam, kDev) == Error::SlotOccupied);
    CHECK(s.copy(kRam, CPtr::at(64)) == Error::InvalidSlot);
    CHECK(s.copy(kRam, CPtr{0}) == Error::InvalidSlot);
}

TEST_CASE("mint narrows rights and badges an endpoint once") {
    Sys s;
    Capability ep;
    ep.type = CapType::Endpoint, ep.rights = kAllRights, ep.base = 7; // to dispatcher 7
    REQUIRE(s.t.install(s.root, 10, ep, true).ok());
    CHECK(s.mint(CPtr::at(10), CPtr::at(11), kRead | kGrant, 42) == Error::Ok);
    Capability m = s.id(CPtr::at(11)).value();
    CHECK(m.rights == (kRead | kGrant));
    CHECK(m.badge == 42);
    CHECK(s.mint(CPtr::at(11), CPtr::at(12), kRead | kWrite) == Error::PermissionDenied);
    CHECK(s.mint(CPtr::at(11), CPtr::at(12), kRead, 7) == Error::InvalidArgument);
    CHECK(s.mint(CPtr::at(11), CPtr::at(12), kRead) == Error::Ok);
    CHECK(s.id(CPtr::at(12))->badge == 42);
    CHECK(s.mint(kRam, CPtr::at(13), kRead, 5) == Error::InvalidArgument);
    CHECK(s.mint(kRam, CPtr::at(13), 0x100) == Error::PermissionDenied);
}

TEST_CASE("retype carves naturally aligned objects into consecutive slots") {
    Sys s;
    CHECK(s.retype(kRam, CPtr::at(10), CapType::Frame, kPageSize, 4, 2 * kPageSize) == Error::Ok);
    for (u32 i = 0; i < 4; ++i) {
        Capability f = s.id(CPtr::at(10 + i)).value();
        CHECK(f.type == CapType::Frame);
        CHECK(f.base == kRamBase + (2 + i) * kPageSize);
        CHECK(f.size == kPageSize);
        CHECK(s.t.is_original(s.t.lookup(s.root, CPtr::at(10 + i), Want::Cap).value()));
    }
    CHECK(s.has_desc(kRam));
}

TEST_CASE("retype size, alignment and range checks") {
    Sys s;
    CHECK(s.retype(kRam, CPtr::at(10), CapType::Frame, 3000) == Error::InvalidArgument);
    CHECK(s.retype(kRam, CPtr::at(10), CapType::Frame, 2048) == Error::InvalidArgument);
    CHECK(s.retype(kRam, CPtr::at(10), CapType::CNode, 2 * kCNodeBytes) == Error::InvalidArgument);
    CHECK(s.retype(kRam, CPtr::at(10), CapType::Frame, kPageSize, 0) == Error::InvalidArgument);
    CHECK(s.retype(kRam, CPtr::at(10), CapType::Frame, kPageSize, 65) == Error::InvalidArgument);
    CHECK(s.retype(kRam, CPtr::at(10), CapType::Frame, 2 * kPageSize, 1, kPageSize) == Error::Misaligned);
    CHECK(s.retype(kRam, CPtr::at(10), CapType::Frame, kRamSize * 2) == Error::OutOfRange);
    CHECK(s.retype(kRam, CPtr::at(10), CapType::Frame, kPageSize, 1, kRamSize) == Error::OutOfRange);
    CHECK(s.retype(kRam, CPtr::at(10), CapType::Frame, kPageSize, 1, ~0ull - 100) == Error::Overflow);
    CHECK(s.retype(kRam, CPtr::at(10), CapType::Frame, 1ull << 63, 2) == Error::Overflow);
    CHECK(s.retype(kRam, CPtr::at(62), CapType::Frame, kPageSize, 3) == Error::OutOfRange);
    CHECK(s.retype(kRam, CPtr::at(4), CapType::Frame, kPageSize, 3) == Error::Ok);
    CHECK(s.retype(kRam, CPtr::at(3), CapType::Frame, kPageSize, 3, 8 * kPageSize) == Error::SlotOccupied);
}

TEST_CASE("retype refuses the wrong source or target type") {
    Sys s;
    CHECK(s.retype(kKernel, CPtr::at(10), CapType::Frame, kPageSize) == Error::WrongType);
    CHECK(s.retype(kRam, CPtr::at(10), CapType::DevFrame, kPageSize) == Error::WrongType);
    CHECK(s.retype(kRam, CPtr::at(10), CapType::Kernel, 0) == Error::WrongType);
    CHECK(s.retype(kDev, CPtr::at(10), CapType::Frame, kPageSize) == Error::WrongType);
    CHECK(s.retype(kDev, CPtr::at(10), CapType::DevFrame, kPageSize, 2) == Error::Ok);
    CHECK(s.retype(CPtr::at(10), CPtr::at(12), CapType::Frame, kPageSize) == Error::WrongType);
}

TEST_CASE("retype refuses memory with live objects, but nesting inside one's own ancestors is allowed") {
    Sys s;
    REQUIRE(s.retype(kRam, CPtr::at(10), CapType::Ram, 1 << 20) == Error::Ok);
    CHECK(s.retype(kRam, CPtr::at(11), CapType::Frame, kPageSize) == Error::HasDescendants);
    CHECK(s.retype(kRam, CPtr::at(11), CapType::Frame, kPageSize, 1, 1 << 20) == Error::Ok);
    CHECK(s.retype(CPtr::at(10), CPtr::at(12), CapType::Frame, kPageSize) == Error::Ok);
    CHECK(s.retype(CPtr::at(10), CPtr::at(13), CapType::Frame, kPageSize) == Error::HasDescendants);
    // A copy of the RAM sees the same objects.
    REQUIRE(s.copy(kRam, CPtr::at(20)) == Error::Ok);
    CHECK(s.retype(CPtr::at(20), CPtr::at(21), CapType::Frame, kPageSize, 1, 1 << 20) == Error::HasDescendants);
    // Once the objects are gone the memory is free again.
    CHECK(s.revoke(CPtr::at(10)) == Error::Ok);
    CHECK(s.del(CPtr::at(10)) == Error::Ok);
    CHECK(s.retype(CPtr::at(20), CPtr::at(21), CapType::Frame, kPageSize) == Error::Ok);
}

TEST_CASE("delete hands descendants to the parent so derivation stays exact") {
    Sys s;
    REQUIRE(s.retype(kRam, CPtr::at(10), CapType::Ram, 1 << 20) == Error::Ok);
    REQUIRE(s.retype(CPtr::at(10), CPtr::at(11), CapType::Frame, kPageSize) == Error::Ok);
    CHECK(s.del(CPtr::at(10)) == Error::Ok);
    CHECK(s.id(CPtr::at(10)).error() == Error::SlotEmpty);
    SlotId ram = s.t.lookup(s.root, kRam, Want::Cap).value();
    SlotId frame = s.t.lookup(s.root, CPtr::at(11), Want::Cap).value();
    CHECK(s.t.parent(frame) == ram);
    // The frame still holds its memory.
    CHECK(s.retype(kRam, CPtr::at(12), CapType::Frame, kPageSize) == Error::HasDescendants);
    CHECK(s.del(CPtr::at(10)) == Error::SlotEmpty);
}

TEST_CASE("revoke deletes every descendant and keeps the capability") {
    Sys s;
    REQUIRE(s.retype(kRam, CPtr::at(10), CapType::Ram, 1 << 20, 2) == Error::Ok);
    REQUIRE(s.retype(CPtr::at(10), CPtr::at(20), CapType::Frame, kPageSize, 8) == Error::Ok);
    REQUIRE(s.copy(CPtr::at(20), CPtr::at(30)) == Error::Ok);
    REQUIRE(s.mint(CPtr::at(30), CPtr::at(31), kRead) == Error::Ok);
    REQUIRE(s.copy(kRam, CPtr::at(40)) == Error::Ok);
    CHECK(s.revoke(kRam) == Error::Ok);
    CHECK_FALSE(s.has_desc(kRam));
    for (u32 i = 4; i < kCNodeSlots; ++i) CHECK(s.id(CPtr::at(i)).error() == Error::SlotEmpty);
    CHECK(s.id(kRam)->size == kRamSize);
    CHECK(s.retype(kRam, CPtr::at(10), CapType::Frame, kRamSize) == Error::Ok);
}

TEST_CASE("revoke of an inner capability leaves its siblings and ancestors") {
    Sys s;
    REQUIRE(s.retype(kRam, CPtr::at(10), CapType::Ram, 1 << 20, 2) == Error::Ok);
    REQUIRE(s.retype(CPtr::at(10), CPtr::at(20), CapType::Frame, kPageSize) == Error::Ok);
    REQUIRE(s.retype(CPtr::at(11), CPtr::at(21), CapType::Frame, kPageSize) == Error::Ok);
    CHECK(s.revoke(CPtr::at(10)) == Error::Ok);
    CHECK(s.id(CPtr::at(20)).error() == Error::SlotEmpty);
    CHECK(s.id(CPtr::at(21)).ok());
    CHECK(s.id(CPtr::at(10)).ok());
    CHECK(s.has_desc(kRam));
    CHECK(s.revoke(CPtr::at(33)) == Error::SlotEmpty);
}

TEST_CASE("CNodes: retype, two-level addressing, and deletion of their contents") {
    Sys s;
    REQUIRE(s.retype(kRam, CPtr::at(10), CapType::CNode, kCNodeBytes) == Error::Ok);
    CHECK(s.t.free_cnodes() == kMaxCNodes - 2);
    CHECK(s.copy(kRam, CPtr::at(10, 5)) == Error::Ok);
    CHECK(s.id(CPtr::at(10, 5))->type == CapType::Ram);
    CHECK(s.id(CPtr::at(10, 6)).error() == Error::SlotEmpty);
    CHECK(s.id(CPtr::at(10, 64)).error() == Error::InvalidSlot);
    CHECK(s.id(CPtr::at(0, 5)).error() == Error::WrongType);
    CHECK(s.id(CPtr::at(11, 5)).error() == Error::SlotEmpty);
    // Retype into the second-level CNode.
    CHECK(s.retype(kRam, CPtr::at(10, 8), CapType::Frame, kPageSize, 2, 1 << 20) == Error::Ok);
    CHECK(s.id(CPtr::at(10, 9))->type == CapType::Frame);
    // A read-only CNode capability allows lookups but no stores.
    REQUIRE(s.mint(CPtr::at(10), CPtr::at(11), kRead) == Error::Ok);
    CHECK(s.id(CPtr::at(11, 5)).ok());
    CHECK(s.copy(kRam, CPtr::at(11, 7)) == Error::PermissionDenied);
    // Deleting every capability to the CNode deletes what it holds.
    CHECK(s.del(CPtr::at(11)) == Error::Ok);
    CHECK(s.del(CPtr::at(10)) == Error::Ok);
    CHECK(s.t.free_cnodes() == kMaxCNodes - 1);
    CHECK_FALSE(s.has_desc(kRam));
    CHECK(s.retype(kRam, CPtr::at(10), CapType::Frame, kPageSize, 1, 1 << 20) == Error::Ok);
}

TEST_CASE("CNode capacity is a fixed, reported bound") {
    Sys s;
    REQUIRE(s.retype(kRam, CPtr::at(10), CapType::CNode, kCNodeBytes, kMaxCNodes - 1) == Error::Ok);
    CHECK(s.t.free_cnodes() == 0);
    CHECK(s.retype(kRam, CPtr::at(50), CapType::CNode, kCNodeBytes, 1, kRamSize / 2) == Error::CapacityExceeded);
    CHECK(s.t.create_cnode().error() == Error::CapacityExceeded);
    CHECK(s.revoke(kRam) == Error::Ok);
    CHECK(s.t.free_cnodes() == kMaxCNodes - 1);
}

TEST_CASE("revoking RAM frees the CNodes made from it and everything stored in them") {
    Sys s;
    REQUIRE(s.retype(kRam, CPtr::at(10), CapType::Ram, 1 << 20) == Error::Ok);
    REQUIRE(s.retype(CPtr::at(10), CPtr::at(11), CapType::CNode, kCNodeBytes) == Error::Ok);
    REQUIRE(s.copy(kDev, CPtr::at(11, 0)) == Error::Ok);
    REQUIRE(s.copy(CPtr::at(11), CPtr::at(11, 1)) == Error::Ok); // the CNode holds a capability to itself
    CHECK(s.has_desc(kDev));
    CHECK(s.revoke(CPtr::at(10)) == Error::Ok);
    CHECK(s.id(CPtr::at(11)).error() == Error::SlotEmpty);
    CHECK_FALSE(s.has_desc(kDev));
    CHECK(s.t.free_cnodes() == kMaxCNodes - 1);
}

TEST_CASE("a dispatcher's root CNode lives while the kernel holds it") {
    Sys s;
    u16 other = s.t.create_cnode().value();
    REQUIRE(s.t.install(other, 0, memory_cap(CapType::Frame, kRamBase, kPageSize), false).ok());
    s.t.release_cnode(other);
    CHECK_FALSE(s.t.cnode_live(other));
    CHECK(s.t.free_cnodes() == kMaxCNodes - 1);
}

TEST_CASE("remote copies are recorded per core") {
    Sys s;
    SlotId ram = s.t.lookup(s.root, kRam, Want::Cap).value();
    CHECK(s.t.set_remote_copy(ram, 3, true).ok());
    CHECK(s.t.set_remote_copy(ram, 63, true).ok());
    CHECK(s.t.at(ram).remote_copies == ((1ull << 3) | (1ull << 63)));
    CHECK(s.t.set_remote_copy(ram, 3, false).ok());
    CHECK(s.t.at(ram).remote_copies == (1ull << 63));
    CHECK(s.t.set_remote_copy(ram, 64, true).error() == Error::OutOfRange);
    REQUIRE(s.copy(kRam, CPtr::at(10)) == Error::Ok);
    CHECK(s.id(CPtr::at(10))->remote_copies == 0);
    CHECK(s.id(CPtr::at(10))->owner == 0);
}

TEST_CASE("decode steps do not mutate; invoke applies exactly what was decoded") {
    Sys s;
    auto op = decode_retype(s.t, s.root, kRam, CPtr::at(10), CapType::Frame, kPageSize, 2, 0);
    REQUIRE(op.ok());
    CHECK(s.id(CPtr::at(10)).error() == Error::SlotEmpty);
    invoke_retype(s.t, *op);
    CHECK(s.id(CPtr::at(11))->base == kRamBase + kPageSize);
    auto d = decode_delete(s.t, s.root, CPtr::at(10));
    REQUIRE(d.ok());
    CHECK(s.id(CPtr::at(10)).ok());
    invoke_delete(s.t, *d);
    CHECK(s.id(CPtr::at(10)).error() == Error::SlotEmpty);
}
