// The memory server's RAM allocator, driven through invocation words as in user space.
#include "fixture.hpp"

using namespace caps_test;

static Result<Reply> call(void* ctx, const u64* w, usize n) { return static_cast<Sys*>(ctx)->run(w, n); }

// Chunks go to slots 32..63 of the root CNode.
static RamAllocator make(Sys& s, u32 slots = 32) { return RamAllocator(call, &s, kRam, CPtr::at(32), slots); }

TEST_CASE("alloc hands out aligned RAM chunks that do not overlap") {
    Sys s;
    RamAllocator a = make(s);
    REQUIRE(a.init().ok());
    CHECK(a.bytes_free() == kRamSize);
    CPtr p = a.alloc(kPageSize).value();
    CPtr q = a.alloc(1 << 20).value();
    CPtr r = a.alloc(kPageSize).value();
    Capability cp = s.id(p).value(), cq = s.id(q).value(), cr = s.id(r).value();
    CHECK(cp.type == CapType::Ram);
    CHECK(cp.base == kRamBase);
    CHECK(cq.base == kRamBase + (1 << 20));
    CHECK(cq.base % (1 << 20) == 0);
    CHECK(cr.base == kRamBase + kPageSize);
    CHECK(a.bytes_free() == kRamSize - (1 << 20) - 2 * kPageSize);
    // The client can retype its chunk into frames.
    CHECK(s.retype(q, CPtr::at(10), CapType::Frame, kPageSize, 4) == Error::Ok);
}

TEST_CASE("free returns memory for reuse") {
    Sys s;
    RamAllocator a = make(s);
    REQUIRE(a.init().ok());
    CPtr p = a.alloc(kRamSize).value();
    CHECK(a.alloc(kPageSize).error() == Error::NoMemory);
    CHECK(a.free(p).ok());
    CHECK(a.free(p).error() == Error::NotFound);
    CHECK(a.free(CPtr::at(3)).error() == Error::NotFound);
    CHECK(a.alloc(kPageSize).ok());
}

TEST_CASE("alloc errors: bad sizes, exhaustion, no slots") {
    Sys s;
    RamAllocator a = make(s, 2);
    REQUIRE(a.init().ok());
    CHECK(a.alloc(3 * kPageSize).error() == Error::InvalidArgument);
    CHECK(a.alloc(512).error() == Error::InvalidArgument);
    CHECK(a.alloc(2 * kRamSize).error() == Error::NoMemory);
    CHECK(a.alloc(kPageSize).ok());
    CHECK(a.alloc(kPageSize).ok());
    CHECK(a.alloc(kPageSize).error() == Error::CapacityExceeded);
}

TEST_CASE("memory taken behind the allocator's back is skipped, the kernel decides") {
    Sys s;
    REQUIRE(s.retype(kRam, CPtr::at(10), CapType::Frame, kPageSize, 2) == Error::Ok);
    RamAllocator a = make(s);
    REQUIRE(a.init().ok());
    CHECK(s.id(a.alloc(kPageSize).value())->base == kRamBase + 2 * kPageSize);
}

TEST_CASE("init refuses a source that is not writable RAM") {
    Sys s;
    RamAllocator dev(call, &s, kDev, CPtr::at(32), 4);
    CHECK(dev.init().error() == Error::WrongType);
    REQUIRE(s.mint(kRam, CPtr::at(10), kRead) == Error::Ok);
    RamAllocator ro(call, &s, CPtr::at(10), CPtr::at(32), 4);
    CHECK(ro.init().error() == Error::PermissionDenied);
    RamAllocator none(call, &s, CPtr::at(11), CPtr::at(32), 4);
    CHECK(none.init().error() == Error::SlotEmpty);
}
