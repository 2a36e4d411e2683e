// libFuzzer target for the invocation decoder: the input is a sequence of invocations, each
// one length byte (number of words, 0..8) then that many little-endian u64 words, executed
// against a booted capability space. Any crash, sanitizer report or broken invariant fails.
#include <mosaic/caps/invocation.hpp>
#include <mosaic/caps/wire.hpp>

using namespace mosaic;
using namespace mosaic::caps;

namespace {

Capability boot_cap(CapType type, u64 base, u64 size) {
    Capability c;
    c.type = type;
    c.rights = kAllRights;
    c.base = base;
    c.size = size;
    return c;
}

// The invariants the fuzzer must never break: rights never grow along a derivation, and
// overlapping live objects are always related by derivation. Checked once per input so that
// a run stays short; the property test checks them after every step.
void check_invariants(const CapTable& t) {
    static SlotId live[kTableSlots];
    usize n = 0;
    for (u32 c = 0; c < kMaxCNodes; ++c)
        for (u32 i = 0; t.cnode_live(c) && i < kCNodeSlots; ++i)
            if (t.occupied(CapTable::slot_of(c, i))) live[n++] = CapTable::slot_of(c, i);
    for (usize i = 0; i < n; ++i) {
        SlotId a = live[i], p = t.parent(a);
        if (p != kNoSlot && (!t.occupied(p) || !rights_within(t.at(a).rights, t.at(p).rights))) __builtin_trap();
        if (!t.is_original(a) || !is_memory(t.at(a).type)) continue;
        for (usize j = 0; j < i; ++j) {
            SlotId b = live[j];
            if (!t.is_original(b) || !t.at(a).overlaps(t.at(b).base, t.at(b).size)) continue;
            if (!t.is_ancestor(a, b) && !t.is_ancestor(b, a)) __builtin_trap();
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const u8* data, size_t size) {
    static CapTable table(0, 0);
    static u16 root = 0;
    // A fresh table per input: delete everything, release the root, then boot again.
    for (u16 c = 0; c < kMaxCNodes; ++c)
        for (u32 i = 0; table.cnode_live(c) && i < kCNodeSlots; ++i)
            if (table.occupied(CapTable::slot_of(c, i))) table.remove(CapTable::slot_of(c, i));
    table.release_cnode(root);
    for (u16 c = 0; c < kMaxCNodes; ++c)
        if (table.cnode_live(c)) __builtin_trap();
    root = table.create_cnode().value();
    (void)table.install(root, 0, boot_cap(CapType::Ram, 0x8000'0000, 1 << 20), true);
    (void)table.install(root, 1, boot_cap(CapType::DevFrame, 0x900'0000, 1 << 16), true);
    (void)table.install(root, 2, boot_cap(CapType::Ram, 0x8010'0000, 1 << 16), true);

    usize pos = 0;
    int ops = 0;
    while (pos < size && ops++ < 64) {
        usize n = data[pos++] % (kMaxInvocationWords + 2);
        u64 w[kMaxInvocationWords + 1] = {};
        for (usize i = 0; i < n && pos + 8 <= size; ++i, pos += 8) w[i] = load_le64(data + pos);
        auto r = execute(table, root, w, n);
        if (r.ok() && r->cap.type != CapType::Null) {
            u8 buf[kWireSize];
            if (encode_wire(r->cap, buf, sizeof buf).ok() && !decode_wire(buf, sizeof buf).ok()) __builtin_trap();
        }
    }
    check_invariants(table);
    // Wire decoding of raw bytes must never misbehave either.
    if (size >= kWireSize) (void)decode_wire(data, size);
    return 0;
}
