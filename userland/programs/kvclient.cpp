// A client of the "kv" service (kvstore.cpp), wherever on the board it runs: finds it by
// name, then once a second puts a value under a key of its own and gets it back through the
// monitors, and checks the answer. arg: how many rounds (default 3). Exits 0 when every
// answer was right; 1 for a wrong answer, 2 when the service cannot be found, 3 when it
// stops answering.
#include <mosaic/user/monitor.hpp>

using namespace mosaic;
namespace mon = mosaic::user::mon;
namespace api = mosaic::monitor::api;

namespace {
constexpr u64 kAnswerTicks = 300; // 3 s
constexpr u64 kRoundTicks = 100;  // a round a second

// One request and its answer; the answer's value.
Result<u64> ask(const mon::NameEntry& kv, u8 op, u64 key, u64 value) {
    u8 req[16] = {op};
    for (u32 i = 0; i < 7; ++i) req[1 + i] = u8(key >> (8 * i));
    for (u32 i = 0; i < 8; ++i) req[8 + i] = u8(value >> (8 * i));
    TRY_STATUS(Status(mon::deliver(kv.core, kv.dispatcher, req)));
    auto m = TRY(user::lmp_receive_if(
        [](const user::Message& x, const void*) {
            return x.sender == sys::kMonitorId && api::op_of(x.word[0]) == api::kDelivered;
        },
        nullptr, kAnswerTicks));
    const u8 status = u8(m.word[1] >> 8), kind = u8(m.word[1]);
    if (kind != (op == 'P' ? 'p' : 'g') || status != 0) return Error::Malformed;
    return m.word[2];
}
} // namespace

int main(u64 rounds) {
    if (rounds == 0) rounds = 3;
    const auto me = user::core_info();
    auto kv = mon::name_wait("kv", 10 * 100);
    if (!kv.ok()) {
        user::print("kvclient: no 'kv' service: {}\n", error_name(kv.error()));
        return 2;
    }
    const u64 key = 0x6b00 | me.index | u64(me.isa) << 32; // "its own" key: its core and ISA
    const u64 hz = me.counter_hz ? me.counter_hz : 1;
    u64 total = 0;
    for (u64 i = 0; i < rounds; ++i) {
        const u64 t0 = mosaic_user_counter();
        auto put = ask(*kv, 'P', key, 1000 + i);
        auto got = put.ok() ? ask(*kv, 'G', key, 0) : put;
        total += mosaic_user_counter() - t0;
        if (!got.ok()) {
            user::print("kvclient on {}: round {}: {}\n", isa_name(Isa(me.isa)), i, error_name(got.error()));
            return got.error() == Error::Timeout ? 3 : 1;
        }
        if (*got != 1000 + i) {
            user::print("kvclient on {}: round {}: put {} and got {} back\n", isa_name(Isa(me.isa)), i, 1000 + i, *got);
            return 1;
        }
        user::pause(kRoundTicks);
    }
    user::print("kvclient on {} core {:x}: {} puts and gets with 'kv' on board core {} answered right, {} us a round\n",
                isa_name(Isa(me.isa)), me.hw_id, rounds, kv->core, total * 1'000'000 / hz / rounds);
    return 0;
}
