// See skbtest.hpp. The output line "SKB answers <n> lines digest <hex>" is read by the
// board runner's tests.
#include "skbtest.hpp"

#include <mosaic/skb/board.hpp>
#include <mosaic/transports/conformance.hpp>

namespace mosaic::cpudriver {

namespace {
// The engine's memory (checked against Engine::arena_bytes at run time) and the answers.
alignas(16) u8 g_skb_arena[640 * 1024];
char g_answers[16 * 1024];
skb::Engine g_skb;
} // namespace

void test_skb(SelfTest& t, const BoardProfile& board) {
    usize need = skb::Engine::arena_bytes(skb::kBoardLimits);
    Status s = need <= sizeof g_skb_arena ? g_skb.init(g_skb_arena, sizeof g_skb_arena, skb::kBoardLimits)
                                          : Status(Error::NoMemory);
    Result<usize> n = s.ok() ? skb::board_answers(g_skb, board, g_answers, sizeof g_answers) : Result<usize>(s.error());
    if (!t.check(n.ok(), "skb-answers", "the SKB could not answer: {}", error_name(n.error()))) return;
    u32 lines = 0;
    for (usize i = 0; i < *n; ++i) lines += g_answers[i] == '\n';
    u64 digest = transports::fnv1a64(reinterpret_cast<const u8*>(g_answers), u32(*n));
    kprint("SKB answers {} lines digest {:x}\n", lines, digest);
}

} // namespace mosaic::cpudriver
