// The machine's facts as plain structs, and their rendering as SKB text in the schema of
// skb/FACTS.md, so that boot code (or a host tool) can describe a machine to the SKB.
#pragma once

#include <mosaic/error.hpp>

namespace mosaic::skb {

template <typename T> struct FactList {
    const T* items = nullptr;
    u32 count = 0;
};

struct NodeFact {
    u32 id;          // rendered as the symbol node<id>
    const char* isa; // "x86_64", "aarch64", "riscv64"
};
struct CoreFact {
    u32 id; // system-wide core id
    const char* isa;
    u32 node;
};
struct MemoryFact {
    u32 node;
    u64 base; // physical address on that node
    u64 size; // bytes
};
struct DeviceFact {
    const char* name;
    u32 node;
    const char* kind; // "net", "block", "uart", "ivshmem", ...
};
struct InterconnectFact {
    u32 node_a, node_b; // two nodes that share the interconnect region
};
struct LatencyFact {
    u32 from, to; // cores
    u64 ns;       // measured message round trip
};
struct CoreHwFact {
    u32 core;  // system-wide core id
    u64 hw_id; // what the hardware calls it: APIC id, MPIDR affinity, hart id
};
struct DeviceMemFact {
    const char* device; // a device of DeviceFact
    u64 base;           // physical address of the memory it exposes (a PCI BAR), on its node
    u64 size;           // bytes
};
struct CoreLoadFact {
    u32 core;
    u32 load; // any monotone measure; lower is less loaded
};

struct MachineFacts {
    const char* board = nullptr;
    FactList<NodeFact> nodes;
    FactList<CoreFact> cores;
    FactList<MemoryFact> memory;
    FactList<DeviceFact> devices;
    FactList<CoreHwFact> core_hw;
    FactList<DeviceMemFact> device_memory;
    FactList<InterconnectFact> interconnects;
    FactList<LatencyFact> latencies;
    FactList<CoreLoadFact> loads;
};

// Writes the facts of m as SKB text into buf[0..cap) (NUL-terminated) and returns the
// length without the NUL. CapacityExceeded when buf is too small; InvalidArgument for a
// name the syntax cannot carry (empty, over 255 bytes, or holding '"', '\\' or a newline);
// Overflow for a number beyond the SKB's integer range.
Result<usize> render_facts(const MachineFacts& m, char* buf, usize cap);

} // namespace mosaic::skb
