// Board-profile facts and the standard answers (see board.hpp).
#include <mosaic/fmt.hpp>
#include <mosaic/skb/board.hpp>
#include <mosaic/skb/report.hpp>
#include <mosaic/skb/rules.hpp>

namespace mosaic::skb {

namespace {
// Device names per node: the interconnect's PCI function on every node of a multi-node board.
constexpr const char* kIvshmemNames[BoardProfile::kMaxNodes] = {"ivshmem0", "ivshmem1", "ivshmem2", "ivshmem3",
                                                                "ivshmem4", "ivshmem5", "ivshmem6", "ivshmem7"};
} // namespace

Status board_facts(const BoardProfile& board, BoardFacts& out) {
    u32 ncores = 0, nlinks = 0, ndev = 0;
    for (u32 n = 0; n < board.node_count; ++n) {
        const char* isa = isa_name(board.nodes[n].isa);
        out.nodes[n] = NodeFact{n, isa};
        for (u32 c = 0; c < board.nodes[n].cores; ++c) {
            if (ncores == BoardFacts::kMaxCores) return Error::CapacityExceeded;
            out.cores[ncores] = CoreFact{ncores, isa, n};
            ++ncores;
        }
        for (u32 m = 0; m < n && board.interconnect; ++m) out.links[nlinks++] = InterconnectFact{m, n};
        if (board.interconnect) out.devices[ndev++] = DeviceFact{kIvshmemNames[n], n, "ivshmem"};
    }
    out.view = MachineFacts{};
    out.view.board = board.name;
    out.view.nodes = {out.nodes, board.node_count};
    out.view.cores = {out.cores, ncores};
    out.view.interconnects = {out.links, nlinks};
    out.view.devices = {out.devices, ndev};
    return {};
}

Result<usize> board_answers(Engine& e, const BoardProfile& board, char* buf, usize cap) {
    static BoardFacts facts; // large; one user at a time (the boot core or the host tool)
    TRY_STATUS(board_facts(board, facts));
    static char text[8192];
    usize len = TRY(render_facts(facts.view, text, sizeof text));
    TRY_STATUS(e.load(text, len, nullptr));
    static constexpr const char* kRuleFiles[] = {"transport", "multicast", "placement", "memory"};
    for (const char* name : kRuleFiles) {
        auto rules = TRY(rule_file(name));
        TRY_STATUS(e.load(rules, nullptr));
    }
    usize used = 0;
    for (const char* q : kBoardQueries) {
        if (used >= cap) return Error::CapacityExceeded;
        used += TRY(render_answers(e, q, buf + used, cap - used, nullptr));
    }
    return used;
}

} // namespace mosaic::skb
