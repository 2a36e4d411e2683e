// Renders machine facts as SKB text (see facts.hpp and skb/FACTS.md).
#include <mosaic/skb/facts.hpp>
#include <mosaic/skb/limits.hpp>
#include <mosaic/skb/value.hpp>

namespace mosaic::skb {

namespace {

// Appends text to a fixed buffer, remembering the first problem.
struct TextOut {
    char* buf;
    usize cap;
    usize len = 0;
    Error error = Error::Ok;

    void fail(Error e) {
        if (error == Error::Ok) error = e;
    }
    void put(char c) {
        if (len + 1 >= cap) return fail(Error::CapacityExceeded);
        buf[len++] = c;
    }
    void put(const char* s) {
        while (*s) put(*s++);
    }
    void number(u64 v, bool hex) {
        if (v > u64(Value::kMaxInt)) return fail(Error::Overflow);
        char digits[24];
        u32 n = 0;
        u32 base = hex ? 16 : 10;
        do {
            digits[n++] = "0123456789abcdef"[v % base];
            v /= base;
        } while (v);
        if (hex) put("0x");
        while (n) put(digits[--n]);
    }
    // A name as a bare symbol when the syntax allows it, else quoted.
    void symbol(const char* s) {
        if (!s || !*s) return fail(Error::InvalidArgument);
        bool bare = s[0] >= 'a' && s[0] <= 'z';
        u32 n = 0;
        for (; s[n]; ++n) {
            char c = s[n];
            if (c == '"' || c == '\\' || c == '\n' || n >= kMaxSymbolLen) return fail(Error::InvalidArgument);
            bool ident = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
            bare = bare && ident;
        }
        if (!bare) put('"');
        put(s);
        if (!bare) put('"');
    }
    void node(u32 id) {
        put("node");
        number(id, false);
    }
    void open(const char* rel) {
        put(rel);
        put('(');
    }
    void sep() { put(", "); }
    void close() { put(").\n"); }
};

void render_topology(const MachineFacts& m, TextOut& out) {
    if (m.board) {
        out.open("board");
        out.symbol(m.board);
        out.close();
    }
    for (u32 i = 0; i < m.nodes.count; ++i) {
        const NodeFact& n = m.nodes.items[i];
        out.open("node");
        out.node(n.id);
        out.sep();
        out.symbol(n.isa);
        out.close();
    }
    for (u32 i = 0; i < m.cores.count; ++i) {
        const CoreFact& c = m.cores.items[i];
        out.open("core");
        out.number(c.id, false);
        out.sep();
        out.symbol(c.isa);
        out.sep();
        out.node(c.node);
        out.close();
    }
    for (u32 i = 0; i < m.interconnects.count; ++i) {
        out.open("interconnect");
        out.node(m.interconnects.items[i].node_a);
        out.sep();
        out.node(m.interconnects.items[i].node_b);
        out.close();
    }
}

void render_resources(const MachineFacts& m, TextOut& out) {
    for (u32 i = 0; i < m.memory.count; ++i) {
        const MemoryFact& r = m.memory.items[i];
        out.open("memory");
        out.node(r.node);
        out.sep();
        out.number(r.base, true);
        out.sep();
        out.number(r.size, true);
        out.close();
    }
    for (u32 i = 0; i < m.devices.count; ++i) {
        const DeviceFact& d = m.devices.items[i];
        out.open("device");
        out.symbol(d.name);
        out.sep();
        out.node(d.node);
        out.sep();
        out.symbol(d.kind);
        out.close();
    }
    for (u32 i = 0; i < m.core_hw.count; ++i) {
        out.open("core_hw");
        out.number(m.core_hw.items[i].core, false);
        out.sep();
        out.number(m.core_hw.items[i].hw_id, true);
        out.close();
    }
    for (u32 i = 0; i < m.device_memory.count; ++i) {
        const DeviceMemFact& d = m.device_memory.items[i];
        out.open("device_mem");
        out.symbol(d.device);
        out.sep();
        out.number(d.base, true);
        out.sep();
        out.number(d.size, true);
        out.close();
    }
}

void render_measurements(const MachineFacts& m, TextOut& out) {
    for (u32 i = 0; i < m.latencies.count; ++i) {
        const LatencyFact& l = m.latencies.items[i];
        out.open("latency");
        out.number(l.from, false);
        out.sep();
        out.number(l.to, false);
        out.sep();
        out.number(l.ns, false);
        out.close();
    }
    for (u32 i = 0; i < m.loads.count; ++i) {
        out.open("core_load");
        out.number(m.loads.items[i].core, false);
        out.sep();
        out.number(m.loads.items[i].load, false);
        out.close();
    }
}

} // namespace

Result<usize> render_facts(const MachineFacts& m, char* buf, usize cap) {
    if (!buf || cap == 0) return Error::InvalidArgument;
    TextOut out{buf, cap};
    render_topology(m, out);
    render_resources(m, out);
    render_measurements(m, out);
    buf[out.error == Error::Ok ? out.len : 0] = 0;
    if (out.error != Error::Ok) return out.error;
    return out.len;
}

} // namespace mosaic::skb
