// Property test: long random operation sequences (fixed seeds) run against the capability
// table and against a plain reference model; after every step the two must agree slot by
// slot, and the invariants must hold: no two live objects overlap unless one derives from
// the other, rights never grow along a derivation, revoke leaves no descendant.
#include "fixture.hpp"
#include <map>
#include <random>
#include <vector>

using namespace caps_test;

namespace {

constexpr u64 kBase = 0x4000'0000;
constexpr u64 kSpan = 256 * 1024; // two RAM roots of this size, slots 0 and 1

struct MCap {
    CapType type;
    u64 base, size, badge;
    u8 rights;
    int parent;
    bool original;
};

// The reference: a map from slot to capability with explicit parent slots.
struct Model {
    std::map<int, MCap> caps;

    bool is_ancestor(int a, int d) const {
        for (int p = caps.at(d).parent; p >= 0; p = caps.at(p).parent)
            if (p == a) return true;
        return false;
    }
    std::vector<int> descendants(int s) const {
        std::vector<int> out;
        for (auto& [k, c] : caps)
            if (is_ancestor(s, k)) out.push_back(k);
        return out;
    }
    bool derive(int src, int dst, u64 rights, u64 badge) {
        if (!caps.count(src) || caps.count(dst)) return false;
        MCap c = caps[src];
        if ((rights & ~u64(c.rights)) != 0) return false;
        if (badge && (c.type != CapType::Endpoint || c.badge)) return false;
        if (badge) c.badge = badge;
        c.rights = u8(rights);
        c.parent = src;
        c.original = false;
        caps[dst] = c;
        return true;
    }
    bool retype(int src, int dst, CapType type, u64 size, u64 count, u64 offset) {
        if (!caps.count(src)) return false;
        const MCap f = caps[src];
        if (!can_retype(f.type, type) || !(f.rights & kWrite) || count == 0) return false;
        u64 fixed = info(type).fixed_size;
        if (fixed ? size != fixed : (!is_pow2(size) || size < kPageSize)) return false;
        if (offset + size * count > f.size) return false;
        u64 base = f.base + offset;
        if (base % size) return false;
        for (auto& [k, c] : caps)
            if (c.original && k != src && !is_ancestor(k, src) && c.base < base + size * count && base < c.base + c.size)
                return false;
        if (dst + count > kCNodeSlots) return false;
        for (u64 i = 0; i < count; ++i)
            if (caps.count(dst + int(i))) return false;
        for (u64 i = 0; i < count; ++i)
            caps[dst + int(i)] = {type, base + i * size, size, 0, f.rights, src, true};
        return true;
    }
    bool remove(int s) {
        if (!caps.count(s)) return false;
        for (auto& [k, c] : caps)
            if (c.parent == s) c.parent = caps[s].parent;
        caps.erase(s);
        return true;
    }
    bool revoke(int s) {
        if (!caps.count(s)) return false;
        for (int d : descendants(s)) caps.erase(d);
        return true;
    }
};

// The real table must match the model slot by slot, derivation included.
void check_agreement(const Sys& s, const Model& m) {
    for (u32 i = 0; i < kCNodeSlots; ++i) {
        SlotId id = CapTable::slot_of(s.root, i);
        auto it = m.caps.find(int(i));
        REQUIRE(s.t.occupied(id) == (it != m.caps.end()));
        if (it == m.caps.end()) continue;
        const Capability& c = s.t.at(id);
        const MCap& r = it->second;
        REQUIRE(c.type == r.type);
        REQUIRE(c.base == r.base);
        REQUIRE(c.size == r.size);
        REQUIRE(c.rights == r.rights);
        REQUIRE(c.badge == r.badge);
        REQUIRE(s.t.is_original(id) == r.original);
        SlotId p = s.t.parent(id);
        REQUIRE((p == kNoSlot ? -1 : int(p % kCNodeSlots)) == r.parent);
    }
}

// The invariants, checked on the real table alone.
void check_invariants(const Sys& s) {
    for (SlotId a = 0; a < kCNodeSlots; ++a) {
        if (!s.t.occupied(a)) continue;
        const Capability& ca = s.t.at(a);
        if (s.t.parent(a) != kNoSlot) REQUIRE(rights_within(ca.rights, s.t.at(s.t.parent(a)).rights));
        if (!s.t.is_original(a)) continue;
        for (SlotId b = 0; b < a; ++b) {
            if (!s.t.occupied(b) || !s.t.is_original(b) || !ca.overlaps(s.t.at(b).base, s.t.at(b).size)) continue;
            REQUIRE((s.t.is_ancestor(a, b) || s.t.is_ancestor(b, a)));
        }
    }
}

const CapType kTypes[] = {CapType::Ram, CapType::Frame, CapType::Endpoint, CapType::PageTableL3, CapType::Dispatcher};
const u64 kSizes[] = {64, 1024, 4096, 8192, 16384, 65536};

void run_sequence(u32 seed, int steps) {
    std::mt19937_64 rng(seed);
    auto pick = [&](u64 n) { return u64(rng() % n); };
    Sys s(Sys::Empty{});
    Model m;
    for (int root = 0; root < 2; ++root) {
        Capability c = memory_cap(CapType::Ram, kBase + root * kSpan, kSpan);
        REQUIRE(s.t.install(s.root, u32(root), c, true).ok());
        m.caps[root] = {CapType::Ram, c.base, c.size, 0, kAllRights, -1, true};
    }
    int ok_count = 0;
    for (int step = 0; step < steps; ++step) {
        int a = int(pick(kCNodeSlots)), b = int(pick(kCNodeSlots));
        if (pick(2) && !m.caps.empty()) a = std::next(m.caps.begin(), long(pick(m.caps.size())))->first;
        bool expect = false;
        Error got = Error::Ok;
        u64 op = pick(6);
        if (op == 4 && a < 2) op = 5; // keep the two RAM roots: revoke them instead
        switch (op) {
        case 0:
            expect = m.derive(a, b, m.caps.count(a) ? m.caps[a].rights : 0, 0);
            got = s.copy(CPtr::at(u32(a)), CPtr::at(u32(b)));
            break;
        case 1: {
            u64 rights = pick(20), badge = pick(3);
            expect = m.derive(a, b, rights, badge);
            got = s.mint(CPtr::at(u32(a)), CPtr::at(u32(b)), rights, badge);
            break;
        }
        case 2:
        case 3: {
            CapType type = kTypes[pick(5)];
            u64 size = kSizes[pick(6)], count = 1 + pick(4), offset = pick(64) * 1024;
            expect = m.retype(a, b, type, size, count, offset);
            got = s.retype(CPtr::at(u32(a)), CPtr::at(u32(b)), type, size, count, offset);
            break;
        }
        case 4:
            expect = m.remove(a);
            got = s.del(CPtr::at(u32(a)));
            break;
        case 5:
            expect = m.revoke(a);
            got = s.revoke(CPtr::at(u32(a)));
            if (got == Error::Ok) REQUIRE_FALSE(s.has_desc(CPtr::at(u32(a))));
            break;
        }
        INFO("seed " << seed << " step " << step << " error " << error_name(got));
        REQUIRE((got == Error::Ok) == expect);
        ok_count += expect;
        check_agreement(s, m);
        check_invariants(s);
    }
    // A sequence where almost nothing succeeds would test little.
    CHECK(ok_count > steps / 5);
}

} // namespace

TEST_CASE("random operation sequences agree with the reference model and keep the invariants") {
    for (u32 seed = 1; seed <= 20; ++seed) run_sequence(seed, 3000);
}
