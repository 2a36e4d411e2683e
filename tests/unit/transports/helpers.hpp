// Shared helpers of the transport tests: zeroed ring memory and bound channel pairs.
#pragma once

#include <mosaic/transports/channel.hpp>

#include <cstring>
#include <string>
#include <vector>

namespace test {
using namespace mosaic;
using namespace mosaic::transports;

// Zeroed, 64-byte aligned memory for one URPC ring of `slots` slots.
struct Ring {
    explicit Ring(u32 slots) : slots(slots), mem(slots + 1) {}
    void* base() { return mem.data(); }
    u32 slots;
    std::vector<UrpcSlot> mem;
};

// Two channels joined by two rings, as two cores would be.
struct UrpcPair {
    explicit UrpcPair(u32 slots, bool prefetch = true) : ab(slots), ba(slots) {
        Binding a{.kind = TransportKind::Urpc, .tx_base = ab.base(), .tx_slots = slots,
                  .rx_base = ba.base(), .rx_slots = slots, .prefetch = prefetch};
        Binding b{.kind = TransportKind::Urpc, .tx_base = ba.base(), .tx_slots = slots,
                  .rx_base = ab.base(), .rx_slots = slots, .prefetch = prefetch};
        ok = a_bind(a) && b_bind(b);
    }
    bool a_bind(const Binding& b) { return a.bind(b).ok(); }
    bool b_bind(const Binding& b) { return this->b.bind(b).ok(); }
    Ring ab, ba;
    Channel a, b;
    bool ok = false;
};

inline Outgoing text_message(u16 type, const std::string& s, u16 iface = 7) {
    return {.interface = iface, .type = type, .payload = reinterpret_cast<const u8*>(s.data()),
            .length = u16(s.size())};
}

inline std::string payload_of(const Message& m) {
    return std::string(reinterpret_cast<const char*>(m.payload), m.length);
}

// A deterministic payload of `n` bytes that differs per `salt`.
inline std::string pattern(u32 n, u32 salt) {
    std::string s(n, '\0');
    for (u32 i = 0; i < n; ++i) s[i] = char(i * 31 + salt * 7 + 1);
    return s;
}

} // namespace test
