// A key-value store any core of the board can use: it registers the name "kv" in the board's
// name service and serves requests that reach it as 16-byte deliveries through the monitors
// (monitor::QueryOp::Deliver), from programs on any core of any node and ISA. A request:
// byte 0 'P' (put) or 'G' (get), bytes 1-7 the key (NUL-padded), bytes 8-15 the value (put).
// The answer goes back the same way: byte 0 'p' or 'g', byte 1 0 (found, stored) or 1 (no
// such key, or the store is full), bytes 8-15 the value. Every tenth request served it says
// how many it served and from how many cores. arg: requests to serve before it ends (0: forever).
#include <mosaic/user/monitor.hpp>

using namespace mosaic;
namespace mon = mosaic::user::mon;
namespace api = mosaic::monitor::api;

namespace {
constexpr u32 kEntries = 64;
struct Entry {
    u64 key = 0, value = 0; // the key's 7 bytes as a number
    bool used = false;
};
Entry g_store[kEntries];
u64 g_cores_seen = 0; // bit c: board core c asked

u64 key_of(const u8 (&b)[16]) {
    u64 k = 0;
    for (u32 i = 1; i < 8; ++i) k |= u64(b[i]) << (8 * (i - 1));
    return k;
}
} // namespace

int main(u64 limit) {
    if (Error e = mon::name_register("kv"); e != Error::Ok) {
        user::print("kv: the name 'kv' is not mine: {}\n", error_name(e));
        return 1;
    }
    const auto me = user::core_info();
    user::print("kv: serving as 'kv' on core {:x} ({})\n", me.hw_id, isa_name(Isa(me.isa)));
    u64 served = 0;
    while (limit == 0 || served < limit) {
        auto m = user::lmp_receive_if(
            [](const user::Message& x, const void*) {
                return x.sender == sys::kMonitorId && api::op_of(x.word[0]) == api::kDelivered;
            },
            nullptr);
        if (!m.ok()) continue;
        const u32 core = u32((m->word[0] >> 16) & 0xffff), sender = u32(m->word[0] >> 32);
        u8 req[16];
        for (u32 i = 0; i < 16; ++i) req[i] = u8(m->word[1 + i / 8] >> (8 * (i % 8)));
        u8 ans[16] = {};
        const u64 key = key_of(req);
        u64 value = 0;
        for (u32 i = 0; i < 8; ++i) value |= u64(req[8 + i]) << (8 * i);
        Entry* e = nullptr;
        for (auto& x : g_store)
            if (x.used && x.key == key) e = &x;
        if (req[0] == 'P') {
            for (auto& x : g_store)
                if (!e && !x.used) e = &x;
            ans[0] = 'p';
            ans[1] = e ? 0 : 1;
            if (e) *e = {key, value, true};
        } else if (req[0] == 'G') {
            ans[0] = 'g';
            ans[1] = e ? 0 : 1;
            value = e ? e->value : 0;
        } else {
            ans[0] = '?';
            ans[1] = 1;
        }
        for (u32 i = 0; i < 8; ++i) ans[8 + i] = u8(value >> (8 * i));
        (void)mon::deliver(core, sender, ans); // a client that went away hears nothing
        ++served;
        if (core < 64) g_cores_seen |= u64(1) << core;
        if (served % 10 == 0) user::print("kv: {} requests served, from {} cores\n", served, __builtin_popcountll(g_cores_seen));
    }
    user::print("kv: {} requests served, from {} cores; done\n", served, __builtin_popcountll(g_cores_seen));
    return 0;
}
