// A small booted capability space for the caps tests: one core's table, a root CNode, and
// the boot capabilities a CPU driver would install for the first dispatcher.
#pragma once

#include <doctest.h>
#include <memory>
#include <mosaic/caps/invocation.hpp>
#include <mosaic/caps/ram_alloc.hpp>
#include <mosaic/caps/wire.hpp>

namespace caps_test {

using namespace mosaic;
using namespace mosaic::caps;

inline constexpr u64 kRamBase = 0x8000'0000;
inline constexpr u64 kRamSize = 16ull << 20;
inline constexpr u64 kDevBase = 0x0900'0000;
inline constexpr u64 kDevSize = 64ull << 10;

// Boot slots of the root CNode.
inline constexpr CPtr kRam = CPtr::at(0);
inline constexpr CPtr kDev = CPtr::at(1);
inline constexpr CPtr kKernel = CPtr::at(2);
inline constexpr CPtr kIrq = CPtr::at(3);

inline Capability memory_cap(CapType type, u64 base, u64 size, u16 node = 0) {
    Capability c;
    c.type = type;
    c.rights = kAllRights;
    c.node = node;
    c.base = base;
    c.size = size;
    return c;
}

struct Sys {
    std::unique_ptr<CapTable> table = std::make_unique<CapTable>(0, 0);
    CapTable& t = *table;
    u16 root = 0;

    Sys() {
        root = t.create_cnode().value();
        REQUIRE(t.install(root, 0, memory_cap(CapType::Ram, kRamBase, kRamSize), true).ok());
        REQUIRE(t.install(root, 1, memory_cap(CapType::DevFrame, kDevBase, kDevSize), true).ok());
        Capability k;
        k.type = CapType::Kernel;
        k.rights = kAllRights;
        REQUIRE(t.install(root, 2, k, true).ok());
        Capability irq;
        irq.type = CapType::Irq;
        irq.rights = kAllRights;
        irq.base = 33;
        REQUIRE(t.install(root, 3, irq, true).ok());
    }

    // A table with only an empty root CNode.
    struct Empty {};
    explicit Sys(Empty) { root = t.create_cnode().value(); }

    Result<Reply> run(const u64* w, usize n) { return execute(t, root, w, n); }
    Error copy(CPtr s, CPtr d) {
        u64 w[kMaxInvocationWords];
        return run(w, encode_copy(w, s, d)).error();
    }
    Error mint(CPtr s, CPtr d, u64 rights, u64 badge = 0) {
        u64 w[kMaxInvocationWords];
        return run(w, encode_mint(w, s, d, rights, badge)).error();
    }
    Error retype(CPtr s, CPtr d, CapType type, u64 size, u64 count = 1, u64 offset = 0) {
        u64 w[kMaxInvocationWords];
        return run(w, encode_retype(w, s, d, type, size, count, offset)).error();
    }
    Error del(CPtr s) {
        u64 w[kMaxInvocationWords];
        return run(w, encode_slot_op(w, Op::Delete, s)).error();
    }
    Error revoke(CPtr s) {
        u64 w[kMaxInvocationWords];
        return run(w, encode_slot_op(w, Op::Revoke, s)).error();
    }
    Result<Capability> id(CPtr s) { return identify(t, root, s); }
    bool has_desc(CPtr s) { return has_descendants(t, root, s).value(); }
    Result<Mapping> map(CPtr table, u64 index, CPtr frame, u64 offset, u64 rights) {
        u64 w[kMaxInvocationWords];
        auto r = run(w, encode_map(w, {table, index, frame, offset, rights}));
        if (!r.ok()) return r.error();
        return r->mapping;
    }
    Error map_table(CPtr table, u64 index, CPtr child) {
        u64 w[kMaxInvocationWords];
        return run(w, encode_map_table(w, table, index, child)).error();
    }
};

} // namespace caps_test
