// See skbtest.hpp. The output line "SKB answers <n> lines digest <hex>" is read by the
// board runner's tests.
#include "skbtest.hpp"

#include "interconnect.hpp"
#include "pci.hpp"

#include <mosaic/skb/board.hpp>
#include <mosaic/skb/decide.hpp>
#include <mosaic/skb/report.hpp>
#include <mosaic/transports/conformance.hpp>

namespace mosaic::cpudriver {

namespace {
// The engine's memory (checked against Engine::arena_bytes at run time) and the answers.
alignas(16) u8 g_skb_arena[640 * 1024];
char g_answers[16 * 1024];
skb::Engine g_skb;
// Every fact loaded, as text: the board's, then what boot discovered and measured.
char g_facts[8 * 1024];
usize g_facts_len = 0;
u64 g_digest = 0;
u32 g_lines = 0;
bool g_ready = false; // the board's facts and the rules are loaded

// The standard answers (kBoardQueries) of the facts loaded now: their digest and lines.
Status standard_answers(u64& digest, u32& lines) {
    usize used = 0;
    for (const char* q : skb::kBoardQueries) used += TRY(skb::render_answers(g_skb, q, g_answers + used, sizeof g_answers - used));
    lines = 0;
    for (usize i = 0; i < used; ++i) lines += g_answers[i] == '\n';
    digest = transports::fnv1a64(reinterpret_cast<const u8*>(g_answers), u32(used));
    return {};
}

// The number of answers of a query formatted from fmt and args (an error counts none).
template <typename... Args> u32 answers(const char* fmt, Args... args) {
    char q[96];
    BufferSink b(q, sizeof q);
    format(b.sink(), fmt, args...);
    auto each = [](const skb::Answer&) {};
    auto n = b.size() < sizeof q ? g_skb.query(q, b.size(), each) : Result<u32>(Error::CapacityExceeded);
    return n.ok() ? *n : 0;
}

// What a PCI function is, by its base class (PCI 3.0, appendix D), as device facts name it.
const char* pci_kind(u8 base_class) {
    switch (base_class) {
    case 0x01: return "block";
    case 0x02: return "net";
    case 0x03: return "display";
    case 0x04: return "multimedia";
    case 0x05: return "memory";
    case 0x06: return "bridge";
    case 0x07: return "serial";
    case 0x0c: return "bus";
    default: return "other";
    }
}

// The devices on this node's PCI bus 0, as device facts named pci0_<dev>_<fn> (the
// interconnect's function is left out: the board names it ivshmem<node>). Returns how many.
u32 pci_device_facts(const BootInfo& bi, u32 node, skb::DeviceFact* out, char (*names)[16], u32 cap) {
    if (!bi.pci.present) return 0;
    PciDevice found[Pci::kMaxScan];
    u32 n = Pci(bi.pci).scan(found, Pci::kMaxScan), facts = 0;
    for (u32 i = 0; i < n && i < Pci::kMaxScan && facts < cap; ++i) {
        if (found[i].vendor == kIvshmemVendor && found[i].device == kIvshmemDevice) continue;
        BufferSink b(names[facts], sizeof names[facts]);
        format(b.sink(), "pci0_{}_{}", found[i].at.dev, found[i].at.fn);
        out[facts] = {names[facts], node, pci_kind(found[i].base_class)};
        ++facts;
    }
    return facts;
}

// The board's name for the interconnect device of a node (as skb/src/board.cpp names it).
void ivshmem_name(char (&name)[16], u32 node) {
    BufferSink b(name, sizeof name);
    format(b.sink(), "ivshmem{}", node);
}
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
    // The same facts as text, for the SKB server.
    static skb::BoardFacts facts;
    auto text = skb::board_facts(board, facts).ok() ? skb::render_facts(facts.view, g_facts, sizeof g_facts)
                                                      : Result<usize>(Error::CapacityExceeded);
    g_facts_len = text.ok() ? *text : 0;
    g_digest = digest;
    g_lines = lines;
    g_ready = true;
}

Result<transports::Route> skb_route(u32 from, u32 to) {
    if (!g_ready) return Error::NotFound;
    skb::StrView name = TRY(skb::transport_between(g_skb, from, to));
    return transports::route_from_name(name.data, name.len);
}

void test_skb_discovered(SelfTest& t, const BootInfo& bi, const BoardProfile& board, const SkbDiscovery& found) {
    if (g_facts_len == 0) return; // the board's facts did not load: test_skb failed already
    const u32 node = found.node;
    const u32 first = board.first_core(node), total = board.total_cores();
    // The facts: cores by hardware id, free RAM, the interconnect device, the round trip.
    skb::CoreHwFact hw[BootInfo::kMaxCores];
    for (u32 i = 0; i < bi.core_count; ++i) hw[i] = {first + i, bi.core_ids[i]};
    skb::MemoryFact memory[BootInfo::kMaxRanges];
    for (u32 i = 0; i < bi.memory_count; ++i) memory[i] = {node, bi.memory[i].base, bi.memory[i].size};
    char device[16];
    ivshmem_name(device, node);
    // The devices: what PCI has on bus 0, and the interconnect's function.
    constexpr u32 kMaxDevices = 32;
    skb::DeviceFact devices[kMaxDevices + 1];
    char names[kMaxDevices][16];
    const u32 pci = pci_device_facts(bi, node, devices, names, kMaxDevices);
    u32 ndev = pci;
    if (found.region_size) devices[ndev++] = {device, node, "ivshmem"};
    skb::DeviceMemFact region{device, found.region_base, found.region_size};
    skb::MachineFacts m;
    m.core_hw = {hw, bi.core_count};
    m.memory = {memory, bi.memory_count};
    m.devices = {devices, ndev};
    if (found.region_size) m.device_memory = {&region, 1};
    m.latencies = {found.latencies, found.latency_count};
    auto n = skb::render_facts(m, g_facts + g_facts_len, sizeof g_facts - g_facts_len);
    Status s = n.ok() ? g_skb.load(g_facts + g_facts_len, *n) : Status(n.error());
    if (!t.check(s.ok(), "skb-discovered-facts", "discovered facts not loaded: {}", error_name(s.error()))) {
        g_facts[g_facts_len] = 0;
        return;
    }
    g_facts_len += *n;

    u32 cores = answers("?- core_hw(C, H), core(C, _, node{}).", node);
    u32 alloc = answers("?- alloc_from(C, B, S), core(C, _, node{}).", node);
    u32 pairs = answers("?- transport(A, B, T).");
    u32 measured = answers("?- latency(A, B, L).");
    u32 placed_here = answers("?- device(D, node{}, K), place(D, C), core(C, _, node{}).", node, node);
    u32 placed = found.region_size ? answers("?- device_mem({}, B, S), place({}, C), core(C, _, node{}).", device,
                                             device, node)
                                   : 0;
    {
        ConsoleLock lock; // one line, even with other cores printing
        kprint("SKB discovered {} cores, {} memory ranges ({} cores allocate from one), transport for {} core pairs", cores,
               bi.memory_count, alloc, pairs);
        kprint(", {} round trips measured, {} PCI functions", found.latency_count, pci);
        if (found.region_size) kprint(", {} at {:x} placed on this node", device, found.region_base);
        kprint("\n");
    }
    t.check(cores == bi.core_count && cores == board.nodes[node].cores, "skb-discovered-cores",
            "{} cores with hardware ids, {} discovered, the board has {}", cores, bi.core_count, board.nodes[node].cores);
    t.check(alloc == board.nodes[node].cores, "skb-discovered-memory", "{} of {} cores have memory to allocate from",
            alloc, board.nodes[node].cores);
    t.check(measured == found.latency_count && (bi.core_count < 2 || measured > 0), "skb-measured-latency",
            "latency(A, B, L) answers {} times for {} measured round trips", measured, found.latency_count);
    t.check(placed_here == ndev && (pci > 0 || !bi.pci.present), "skb-discovered-pci",
            "{} of {} devices found on this node ({} on PCI) placed on one of its cores", placed_here, ndev, pci);
    if (found.region_size)
        t.check(placed == 1, "skb-discovered-device", "{} with its memory placed on node {}: {} answers", device, node,
                placed);
    // The standard answers depend only on the board's facts: the discovered ones must not
    // change them (so the server, which has every fact, answers as the host does).
    u64 digest = 0;
    u32 lines = 0;
    Status same = standard_answers(digest, lines);
    t.check(same.ok() && digest == g_digest && pairs == total * total, "skb-discovered-consistent",
            "standard answers {} lines digest {:x} (before: {} lines {:x}), {} of {} transport pairs",
            lines, digest, g_lines, g_digest, pairs, total * total);
}

namespace {
// Prints every measured fact on a line of its own, as the runner reads them back.
void print_measured(const SkbDiscovery& found) {
    skb::MachineFacts m;
    m.latencies = {found.latencies, found.latency_count};
    char text[SkbDiscovery::kMaxLatencies * 48];
    auto n = skb::render_facts(m, text, sizeof text);
    if (!n.ok()) return;
    ConsoleLock lock;
    for (usize i = 0, start = 0; i < *n; ++i)
        if (text[i] == '\n') {
            text[i] = 0;
            kprint("SKB fact {}\n", static_cast<const char*>(text + start));
            start = i + 1;
        }
}
} // namespace

void test_skb_multicast(SelfTest& t, const BoardProfile& board, const SkbDiscovery& found) {
    if (!g_ready) return;
    print_measured(found);
    u32 members[skb::BoardFacts::kMaxCores], count = 0;
    for (u32 c = 0; c < board.total_cores() && count < skb::BoardFacts::kMaxCores; ++c)
        if (c != found.mc_root) members[count++] = c;
    skb::McEdge edges[skb::BoardFacts::kMaxCores];
    auto n = skb::multicast_tree(g_skb, found.mc_root, members, count, edges, skb::BoardFacts::kMaxCores);
    Status tree = n.ok() ? skb::check_tree(found.mc_root, members, count, edges, *n) : Status(n.error());
    char line[skb::BoardFacts::kMaxCores * 12];
    auto text = n.ok() ? skb::render_tree(found.mc_root, edges, *n, line, sizeof line) : Result<usize>(n.error());
    if (text.ok()) kprint("SKB multicast {}\n", static_cast<const char*>(line));
    t.check(tree.ok() && text.ok(), "skb-multicast-tree", "no multicast tree over the board's {} cores from core {}: {}",
            count + 1, found.mc_root, error_name(tree.ok() ? text.error() : tree.error()));
}

SkbBootFacts skb_boot_facts() { return {g_facts, g_facts_len, g_digest, g_lines}; }

} // namespace mosaic::cpudriver
