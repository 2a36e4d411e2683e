// libFuzzer target: arbitrary bytes as an SKB program (and, after a NUL byte, a query)
// must give a clean error or an answer, never a crash, within small fixed limits.
#include <mosaic/skb/engine.hpp>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

using namespace mosaic;
using namespace mosaic::skb;

namespace {

Limits fuzz_limits() {
    Limits l;
    l.max_symbols = 128;
    l.symbol_bytes = 2048;
    l.max_relations = 32;
    l.max_rules = 32;
    l.max_tuples = 512;
    l.max_values = 2048;
    l.max_index_entries = 2048;
    l.index_buckets = 256;
    l.max_join_steps = 5000;
    return l;
}

alignas(16) unsigned char arena[1 << 20];

Status count_answer(void* ctx, const Answer& a) {
    *static_cast<u32*>(ctx) += a.arity;
    return {};
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const Limits limits = fuzz_limits();
    if (Engine::arena_bytes(limits) > sizeof(arena)) __builtin_trap();
    Engine engine;
    if (!engine.init(arena, sizeof(arena), limits)) __builtin_trap();
    const char* text = reinterpret_cast<const char*>(data);
    const void* nul = memchr(data, 0, size);
    size_t program = nul ? size_t(static_cast<const uint8_t*>(nul) - data) : size;
    ParseError err;
    Status st = engine.load(text, program, &err);
    if (!st && (err.error == Error::Ok || err.line == 0 || err.column == 0)) __builtin_trap();
    u32 seen = 0;
    if (nul) {
        (void)engine.query(text + program + 1, size - program - 1, count_answer, &seen, &err);
    } else {
        (void)engine.solve();
    }
    return 0;
}
