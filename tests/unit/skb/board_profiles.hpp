// Fact sets mirroring the four board profiles (qemu-x86_64, qemu-aarch64, qemu-riscv64,
// qemu-hetero), built as plain structs and rendered with render_facts() as boot would.
#pragma once

#include <mosaic/skb/facts.hpp>

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

namespace skbtest {

struct Profile {
    std::string board;
    std::vector<mosaic::skb::NodeFact> nodes;
    std::vector<mosaic::skb::CoreFact> cores;
    std::vector<mosaic::skb::MemoryFact> memory;
    std::vector<mosaic::skb::DeviceFact> devices;
    std::vector<mosaic::skb::InterconnectFact> interconnects;
    std::vector<mosaic::skb::LatencyFact> latencies;
    std::vector<mosaic::skb::CoreLoadFact> loads;

    mosaic::skb::MachineFacts facts() const {
        mosaic::skb::MachineFacts m;
        m.board = board.c_str();
        m.nodes = {nodes.data(), mosaic::u32(nodes.size())};
        m.cores = {cores.data(), mosaic::u32(cores.size())};
        m.memory = {memory.data(), mosaic::u32(memory.size())};
        m.devices = {devices.data(), mosaic::u32(devices.size())};
        m.interconnects = {interconnects.data(), mosaic::u32(interconnects.size())};
        m.latencies = {latencies.data(), mosaic::u32(latencies.size())};
        m.loads = {loads.data(), mosaic::u32(loads.size())};
        return m;
    }
    std::string text() const {
        std::vector<char> buf(1 << 16);
        auto r = mosaic::skb::render_facts(facts(), buf.data(), buf.size());
        if (!r) throw std::runtime_error("render_facts failed");
        return std::string(buf.data(), *r);
    }
    mosaic::u32 node_of(mosaic::u32 core) const {
        for (auto& c : cores)
            if (c.id == core) return c.node;
        throw std::runtime_error("no such core");
    }
    // The smallest measured latency from a to b, or -1.
    long long latency(mosaic::u32 a, mosaic::u32 b) const {
        long long best = -1;
        for (auto& l : latencies)
            if (l.from == a && l.to == b && (best < 0 || (long long)l.ns < best)) best = (long long)l.ns;
        return best;
    }
    // The smallest round trip measured either way between a and b, or -1 (a round trip
    // measured from a to b is one from b to a too, as rules/multicast.dl reads them).
    long long round_trip(mosaic::u32 a, mosaic::u32 b) const {
        long long x = latency(a, b), y = latency(b, a);
        return x < 0 ? y : y < 0 ? x : (x < y ? x : y);
    }
};

// Measured-looking latencies: cheap within a node, expensive across, varying per core.
inline void measure_all(Profile& p) {
    for (auto& a : p.cores)
        for (auto& b : p.cores) {
            if (a.id == b.id) continue;
            unsigned base = a.node == b.node ? 150 : 2000 + 300 * std::abs(int(a.node) - int(b.node));
            p.latencies.push_back({a.id, b.id, base + (a.id * 7 + b.id * 13) % 41});
        }
}

inline Profile single_node(const char* board, const char* isa, mosaic::u64 ram_base) {
    Profile p;
    p.board = board;
    p.nodes = {{0, isa}};
    for (mosaic::u32 i = 0; i < 4; ++i) p.cores.push_back({i, isa, 0});
    p.memory = {{0, ram_base, 0x200000}, {0, ram_base + 0x400000, 0x7c00000}, {0, ram_base + 0x8000000, 0x100000}};
    p.devices = {{"virtio_net0", 0, "net"}, {"virtio-blk0", 0, "block"}, {"uart0", 0, "uart"}};
    measure_all(p);
    return p;
}

inline Profile qemu_x86_64() { return single_node("qemu-x86_64", "x86_64", 0x100000); }
inline Profile qemu_aarch64() { return single_node("qemu-aarch64", "aarch64", 0x40000000); }
inline Profile qemu_riscv64() { return single_node("qemu-riscv64", "riscv64", 0x80000000); }

inline Profile qemu_hetero() {
    Profile p;
    p.board = "qemu-hetero";
    const char* isas[3] = {"x86_64", "aarch64", "riscv64"};
    const mosaic::u64 ram[3] = {0x100000, 0x40000000, 0x80000000};
    for (mosaic::u32 n = 0; n < 3; ++n) {
        p.nodes.push_back({n, isas[n]});
        p.cores.push_back({2 * n, isas[n], n});
        p.cores.push_back({2 * n + 1, isas[n], n});
        p.memory.push_back({n, ram[n], 0x1000000 * (n + 1)});
        p.memory.push_back({n, ram[n] + 0x4000000, 0x800000});
    }
    p.interconnects = {{0, 1}, {0, 2}, {1, 2}};
    p.devices = {{"virtio_net0", 1, "net"}, {"ivshmem0", 0, "ivshmem"}, {"ivshmem1", 1, "ivshmem"},
                 {"ivshmem2", 2, "ivshmem"}, {"virtio_blk0", 2, "block"}};
    measure_all(p);
    return p;
}

inline std::vector<Profile> all_profiles() { return {qemu_x86_64(), qemu_aarch64(), qemu_riscv64(), qemu_hetero()}; }

} // namespace skbtest
