// The invocation decoder: exact word counts, operation codes, CPtr shapes, type ids.
#include "fixture.hpp"

using namespace caps_test;

TEST_CASE("encoders and the decoder agree on every operation") {
    u64 w[kMaxInvocationWords];
    auto inv = decode_invocation(w, encode_retype(w, kRam, CPtr::at(3, 4), CapType::Endpoint, 64, 5, 128));
    REQUIRE(inv.ok());
    CHECK(inv->op == Op::Retype);
    CHECK(inv->a.raw == kRam.raw);
    CHECK(inv->b.raw == CPtr::at(3, 4).raw);
    CHECK(inv->type == CapType::Endpoint);
    CHECK(inv->size == 64);
    CHECK(inv->count == 5);
    CHECK(inv->offset == 128);
    inv = decode_invocation(w, encode_mint(w, kRam, kDev, kRead, 9));
    REQUIRE(inv.ok());
    CHECK(inv->rights == kRead);
    CHECK(inv->badge == 9);
    inv = decode_invocation(w, encode_map(w, {kRam, 17, kDev, 4096, kWrite}));
    REQUIRE(inv.ok());
    CHECK(inv->op == Op::Map);
    CHECK(inv->index == 17);
    CHECK(inv->b.raw == kDev.raw);
    CHECK(inv->offset == 4096);
    for (Op op : {Op::Delete, Op::Revoke, Op::Identify, Op::HasDescendants}) {
        inv = decode_invocation(w, encode_slot_op(w, op, kIrq));
        REQUIRE(inv.ok());
        CHECK(inv->op == op);
        CHECK(inv->a.raw == kIrq.raw);
    }
}

TEST_CASE("hostile words give precise errors") {
    u64 w[kMaxInvocationWords + 1] = {};
    CHECK(decode_invocation(w, 0).error() == Error::Truncated);
    w[0] = 0;
    CHECK(decode_invocation(w, 1).error() == Error::InvalidArgument);
    w[0] = 99;
    CHECK(decode_invocation(w, 3).error() == Error::InvalidArgument);
    w[0] = ~0ull;
    CHECK(decode_invocation(w, 3).error() == Error::InvalidArgument);
    usize n = encode_copy(w, kRam, kDev);
    CHECK(decode_invocation(w, n - 1).error() == Error::Truncated);
    CHECK(decode_invocation(w, n + 1).error() == Error::Malformed);
    w[2] = 7ull << 16;
    CHECK(decode_invocation(w, n).error() == Error::InvalidSlot);
    n = encode_retype(w, kRam, kDev, CapType::Frame, 4096, 1, 0);
    w[3] = 0;
    CHECK(decode_invocation(w, n).error() == Error::WrongType);
    w[3] = 77;
    CHECK(decode_invocation(w, n).error() == Error::WrongType);
}

TEST_CASE("execute runs the decoded operation against the caller's space") {
    Sys s;
    u64 w[kMaxInvocationWords];
    auto r = s.run(w, encode_slot_op(w, Op::Identify, kDev));
    REQUIRE(r.ok());
    CHECK(r->cap.type == CapType::DevFrame);
    CHECK(r->cap.base == kDevBase);
    r = s.run(w, encode_slot_op(w, Op::HasDescendants, kRam));
    REQUIRE(r.ok());
    CHECK_FALSE(r->flag);
    CHECK(s.copy(kRam, CPtr::at(9)) == Error::Ok);
    r = s.run(w, encode_slot_op(w, Op::HasDescendants, kRam));
    CHECK(r->flag);
    r = s.run(w, encode_retype(w, kRam, CPtr::at(20), CapType::PageTableL3, kPageSize, 3, 4 * kPageSize));
    REQUIRE(r.ok());
    CHECK(r->retyped == CapType::PageTableL3);
    CHECK(r->retyped_base == kRamBase + 4 * kPageSize);
    CHECK(r->retyped_bytes == 3 * kPageSize);
    Invocation none;
    CHECK(execute(s.t, s.root, none).error() == Error::InvalidArgument);
    CHECK(execute(s.t, 31, w, encode_slot_op(w, Op::Identify, kDev)).error() == Error::InvalidSlot);
}

TEST_CASE("I/O port ranges: one byte in or out, inside the range, with the right it needs") {
    Sys s;
    Capability ports;
    ports.type = CapType::IoPort;
    ports.rights = kRead | kWrite | kGrant;
    ports.base = 0x3f8;
    ports.size = 8;
    REQUIRE(s.t.install(s.root, 5, ports, true).ok());
    Capability ro = ports;
    ro.rights = kRead;
    REQUIRE(s.t.install(s.root, 6, ro, true).ok());
    u64 w[kMaxInvocationWords];
    auto out = s.run(w, encode_io_write(w, CPtr::at(5), 5, 0x41));
    REQUIRE(out.ok());
    CHECK(out->io_port == 0x3fd);
    CHECK(out->io_value == 0x41);
    auto in = s.run(w, encode_io_read(w, CPtr::at(6), 0));
    REQUIRE(in.ok());
    CHECK(in->io_port == 0x3f8);
    CHECK(s.run(w, encode_io_write(w, CPtr::at(6), 0, 1)).error() == Error::PermissionDenied); // read-only range
    CHECK(s.run(w, encode_io_read(w, CPtr::at(5), 8)).error() == Error::OutOfRange);
    CHECK(s.run(w, encode_io_read(w, CPtr::at(5), ~0ull)).error() == Error::OutOfRange);
    CHECK(s.run(w, encode_io_read(w, CPtr::at(1), 0)).error() == Error::WrongType); // a device frame is no port
    CHECK(s.run(w, encode_io_read(w, CPtr::at(9), 0)).error() == Error::SlotEmpty);
    Capability wide = ports;
    wide.base = 0xfff0;
    wide.size = 0x20; // past the last port
    CHECK(s.t.install(s.root, 7, wide, true).error() == Error::InvalidArgument);
    encode_io_write(w, CPtr::at(5), 0, 0);
    w[3] = 0x100; // more than a byte
    CHECK(s.run(w, 5).error() == Error::InvalidArgument);
    // Wider accesses: inside the range, aligned to their width, values that fit.
    auto word = s.run(w, encode_io_write(w, CPtr::at(5), 6, 0xbeef, 2));
    REQUIRE(word.ok());
    CHECK((word->io_port == 0x3fe && word->io_width == 2 && word->io_value == 0xbeef));
    auto dword = s.run(w, encode_io_read(w, CPtr::at(5), 4, 4));
    REQUIRE(dword.ok());
    CHECK((dword->io_port == 0x3fc && dword->io_width == 4));
    CHECK(s.run(w, encode_io_read(w, CPtr::at(5), 6, 4)).error() == Error::Misaligned);
    CHECK(s.run(w, encode_io_read(w, CPtr::at(5), 8, 4)).error() == Error::OutOfRange); // past the last port
    CHECK(s.run(w, encode_io_read(w, CPtr::at(5), 0, 3)).error() == Error::InvalidArgument);
    CHECK(s.run(w, encode_io_read(w, CPtr::at(5), 0, 8)).error() == Error::InvalidArgument);
    CHECK(s.run(w, encode_io_write(w, CPtr::at(5), 0, 0x10000, 2)).error() == Error::InvalidArgument);
    Capability odd = ports;
    odd.base = 0x510;
    odd.size = 3;
    REQUIRE(s.t.install(s.root, 8, odd, true).ok());
    CHECK(s.run(w, encode_io_read(w, CPtr::at(8), 2, 2)).error() == Error::OutOfRange); // one port of two inside
}
