// libFuzzer target: arbitrary bytes as an SKB request (served by an engine) and as an
// answer (read to the end) must give clean errors, never a crash or an out-of-bounds read.
#include <mosaic/skb/wire.hpp>

#include <stddef.h>
#include <stdint.h>

using namespace mosaic;
using namespace mosaic::skb;

namespace {

alignas(16) unsigned char arena[1 << 20];
u8 answer[4096];

Limits small_limits() {
    Limits l;
    l.max_symbols = 128;
    l.symbol_bytes = 2048;
    l.max_relations = 32;
    l.max_rules = 16;
    l.max_tuples = 256;
    l.max_values = 1024;
    l.max_index_entries = 1024;
    l.index_buckets = 128;
    l.max_join_steps = 5000;
    return l;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const Limits limits = small_limits();
    Engine engine;
    if (!engine.init(arena, sizeof(arena), limits)) __builtin_trap();
    const char facts[] = "p(1, a). p(2, b). q(X, Y) :- p(X, Y), X > 1.";
    if (!engine.load(facts, sizeof(facts) - 1)) __builtin_trap();
    auto n = wire::serve(engine, data, size, answer, sizeof(answer));
    if (!n) __builtin_trap();
    wire::AnswerReader served;
    if (!served.open(answer, *n)) __builtin_trap(); // what serve() writes always reads back
    for (u64 i = 0; i < u64(served.rows()) * served.columns(); ++i)
        if (!served.next()) __builtin_trap();
    wire::AnswerReader r;
    if (r.open(data, size)) {
        for (u32 i = 0; i < r.columns(); ++i) (void)r.name(i);
        while (r.next()) {
        }
    }
    return 0;
}
