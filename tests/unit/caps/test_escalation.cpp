// Escalation attempts a hostile dispatcher could make through the invocation interface: each
// is refused with the right Error, and the system keeps working afterwards.
#include "fixture.hpp"

using namespace caps_test;

namespace {

// Dispatcher A is the fixture's space; dispatcher B has its own root CNode and memory.
struct TwoDispatchers : Sys {
    u16 b_root = 0;
    TwoDispatchers() {
        // A: an L3 table (10), a frame (11), an L2 table (12), a CNode (13), a dispatcher (14),
        // an endpoint (15), a read-only frame (16), a read-only RAM chunk (17).
        REQUIRE(retype(kRam, CPtr::at(10), CapType::PageTableL3, kPageSize, 1, 0) == Error::Ok);
        REQUIRE(retype(kRam, CPtr::at(11), CapType::Frame, kPageSize, 1, kPageSize) == Error::Ok);
        REQUIRE(retype(kRam, CPtr::at(12), CapType::PageTableL2, kPageSize, 1, 2 * kPageSize) == Error::Ok);
        REQUIRE(retype(kRam, CPtr::at(13), CapType::CNode, kCNodeBytes, 1, 3 * kPageSize) == Error::Ok);
        // Dispatchers and endpoints are made by the CPU driver only (dispatcher 5 of this core).
        Capability named;
        named.type = CapType::Dispatcher, named.rights = kAllRights, named.base = 5;
        REQUIRE(t.install(root, 14, named, true).ok());
        named.type = CapType::Endpoint;
        REQUIRE(t.install(root, 15, named, true).ok());
        REQUIRE(mint(CPtr::at(11), CPtr::at(16), kRead) == Error::Ok);
        REQUIRE(retype(kRam, CPtr::at(20), CapType::Ram, 1 << 20, 1, 1 << 20) == Error::Ok);
        REQUIRE(mint(CPtr::at(20), CPtr::at(17), kRead) == Error::Ok);
        // B: RAM of its own, a frame and a page table made from it.
        b_root = t.create_cnode().value();
        REQUIRE(t.install(b_root, 0, memory_cap(CapType::Ram, kRamBase + kRamSize, 1 << 20), true).ok());
        u64 w[kMaxInvocationWords];
        REQUIRE(execute(t, b_root, w, encode_retype(w, CPtr::at(0), CPtr::at(5), CapType::Frame, kPageSize, 1, 0)).ok());
        REQUIRE(execute(t, b_root, w, encode_retype(w, CPtr::at(0), CPtr::at(6), CapType::PageTableL3, kPageSize, 1, kPageSize)).ok());
    }
    Error map_err(CPtr table, CPtr frame, u64 rights = kRead) { return map(table, 0, frame, 0, rights).error(); }
};

} // namespace

TEST_CASE("escalation attempts are refused with the right error") {
    TwoDispatchers s;
    u64 w[kMaxInvocationWords];
    SUBCASE("forged slot index beyond the CNode") { CHECK(s.copy(CPtr::at(200), CPtr::at(30)) == Error::InvalidSlot); }
    SUBCASE("forged slot word with stray bits") {
        CHECK(s.map_err(CPtr{CPtr::at(10).raw | (1ull << 40)}, CPtr::at(11)) == Error::InvalidSlot);
    }
    SUBCASE("use after delete") {
        REQUIRE(s.del(CPtr::at(11)) == Error::Ok);
        CHECK(s.map_err(CPtr::at(10), CPtr::at(11)) == Error::SlotEmpty);
    }
    SUBCASE("use after revoke") {
        REQUIRE(s.copy(CPtr::at(11), CPtr::at(30)) == Error::Ok);
        REQUIRE(s.revoke(CPtr::at(11)) == Error::Ok);
        CHECK(s.map_err(CPtr::at(10), CPtr::at(30)) == Error::SlotEmpty);
        CHECK(s.map_err(CPtr::at(10), CPtr::at(16)) == Error::SlotEmpty);
    }
    SUBCASE("map a page table") { CHECK(s.map_err(CPtr::at(10), CPtr::at(12)) == Error::PermissionDenied); }
    SUBCASE("map a CNode") { CHECK(s.map_err(CPtr::at(10), CPtr::at(13)) == Error::PermissionDenied); }
    SUBCASE("map a dispatcher") { CHECK(s.map_err(CPtr::at(10), CPtr::at(14)) == Error::PermissionDenied); }
    SUBCASE("map an endpoint") { CHECK(s.map_err(CPtr::at(10), CPtr::at(15)) == Error::PermissionDenied); }
    SUBCASE("map the kernel capability") { CHECK(s.map_err(CPtr::at(10), kKernel) == Error::PermissionDenied); }
    SUBCASE("map untyped RAM directly") { CHECK(s.map_err(CPtr::at(10), kRam) == Error::WrongType); }
    SUBCASE("map writable through a read-only frame") {
        CHECK(s.map_err(CPtr::at(10), CPtr::at(16), kRead | kWrite) == Error::PermissionDenied);
        CHECK(s.map_err(CPtr::at(10), CPtr::at(16), kRead) == Error::Ok);
    }
    SUBCASE("map memory held by another dispatcher") {
        CHECK(s.map_err(CPtr::at(10), CPtr::at(5)) == Error::SlotEmpty);
    }
    SUBCASE("map into another dispatcher's page table") {
        CHECK(s.map_err(CPtr::at(6), CPtr::at(11)) == Error::SlotEmpty);
    }
    SUBCASE("retype memory with live descendants") {
        CHECK(s.retype(kRam, CPtr::at(30), CapType::Frame, kPageSize, 1, kPageSize) == Error::HasDescendants);
        CHECK(s.retype(kRam, CPtr::at(30), CapType::Ram, 4 << 20) == Error::HasDescendants);
    }
    SUBCASE("retype through a read-only RAM capability") {
        CHECK(s.retype(CPtr::at(17), CPtr::at(30), CapType::Frame, kPageSize) == Error::PermissionDenied);
    }
    SUBCASE("mint with more rights") {
        CHECK(s.mint(CPtr::at(16), CPtr::at(30), kRead | kWrite) == Error::PermissionDenied);
        CHECK(s.mint(CPtr::at(16), CPtr::at(30), kAllRights + 1) == Error::PermissionDenied);
    }
    SUBCASE("make a dispatcher or an endpoint of RAM") {
        CHECK(s.retype(CPtr::at(20), CPtr::at(30), CapType::Dispatcher, kPageSize) == Error::WrongType);
        CHECK(s.retype(CPtr::at(20), CPtr::at(30), CapType::Endpoint, kPageSize) == Error::WrongType);
        CHECK(s.retype(CPtr::at(20), CPtr::at(30), CapType::Irq, kPageSize) == Error::WrongType);
    }
    SUBCASE("re-badge a badged endpoint") {
        REQUIRE(s.mint(CPtr::at(15), CPtr::at(30), kAllRights, 1) == Error::Ok);
        CHECK(s.mint(CPtr::at(30), CPtr::at(31), kAllRights, 2) == Error::InvalidArgument);
    }
    SUBCASE("oversized retype") {
        CHECK(s.retype(CPtr::at(20), CPtr::at(30), CapType::Frame, 2 << 20) == Error::OutOfRange);
        CHECK(s.retype(CPtr::at(20), CPtr::at(30), CapType::Frame, kPageSize, 64, (1 << 20) - 8 * kPageSize) ==
              Error::OutOfRange);
    }
    SUBCASE("misaligned retype") {
        CHECK(s.retype(CPtr::at(20), CPtr::at(30), CapType::Frame, 64 << 10, 1, kPageSize) == Error::Misaligned);
    }
    SUBCASE("retype offset that wraps the address space") {
        CHECK(s.retype(CPtr::at(20), CPtr::at(30), CapType::Frame, kPageSize, 1, ~0ull - kPageSize + 1) ==
              Error::Overflow);
    }
    SUBCASE("retype a frame into more frames") {
        CHECK(s.retype(CPtr::at(11), CPtr::at(30), CapType::Frame, kPageSize) == Error::WrongType);
    }
    SUBCASE("overwrite a live capability") { CHECK(s.copy(CPtr::at(16), CPtr::at(11)) == Error::SlotOccupied); }
    SUBCASE("store through a read-only CNode capability") {
        REQUIRE(s.mint(CPtr::at(13), CPtr::at(30), kRead) == Error::Ok);
        CHECK(s.copy(kRam, CPtr::at(30, 0)) == Error::PermissionDenied);
    }
    SUBCASE("look up through a non-CNode capability") {
        CHECK(s.copy(CPtr::at(11, 0), CPtr::at(30)) == Error::WrongType);
    }
    SUBCASE("map a large page through a small frame") {
        REQUIRE(s.retype(kRam, CPtr::at(30), CapType::Frame, kPageSize, 1, 2 << 20) == Error::Ok);
        CHECK(s.map(CPtr::at(12), 0, CPtr::at(30), 0, kRead).error() == Error::OutOfRange);
        CHECK(s.map(CPtr::at(12), 0, CPtr::at(11), 0, kRead).error() == Error::Misaligned);
    }
    SUBCASE("copy the monitor-only kernel capability") {
        CHECK(s.copy(kKernel, CPtr::at(30)) == Error::PermissionDenied);
        CHECK(s.mint(kKernel, CPtr::at(30), kRead) == Error::PermissionDenied);
    }
    SUBCASE("send the kernel capability to another core") {
        u8 b[kWireSize];
        CHECK(encode_wire(s.id(kKernel).value(), b, sizeof b).error() == Error::Unsupported);
    }
    SUBCASE("forge a capability on the wire") {
        u8 b[kWireSize];
        REQUIRE(encode_wire(s.id(CPtr::at(11)).value(), b, sizeof b).ok());
        b[18] = 0x01; // grow the size
        CHECK(decode_wire(b, sizeof b).error() == Error::BadChecksum);
    }
    SUBCASE("invoke an unknown operation") {
        w[0] = 200, w[1] = kRam.raw;
        CHECK(s.run(w, 2).error() == Error::InvalidArgument);
    }
    // Whatever was refused, the system keeps working.
    CHECK(s.retype(kRam, CPtr::at(40), CapType::Frame, kPageSize, 1, 8 * kPageSize) == Error::Ok);
    CHECK(s.map(CPtr::at(10), 9, CPtr::at(40), 0, kRead | kWrite).ok());
    CHECK(execute(s.t, s.b_root, w, encode_slot_op(w, Op::Identify, CPtr::at(5))).ok());
}
