// The SKB's decisions (see decide.hpp).
#include <mosaic/fmt.hpp>
#include <mosaic/skb/decide.hpp>

namespace mosaic::skb {

namespace {
// Formats a query into q; CapacityExceeded when it does not fit.
template <typename... Args> Result<usize> format_query(char (&q)[64], const char* fmt, Args... args) {
    BufferSink b(q, sizeof q);
    format(b.sink(), fmt, args...);
    if (b.truncated()) return Error::CapacityExceeded;
    return b.size();
}

bool is_core(const Value& v) { return v.is_int() && v.as_int() >= 0 && v.as_int() <= i64(~0u); }
} // namespace

Result<StrView> transport_between(Engine& e, u32 from, u32 to) {
    char q[64];
    usize len = TRY(format_query(q, "?- transport({}, {}, T).", from, to));
    struct Found {
        Engine* e;
        StrView name;
        u32 symbols = 0;
    } found{&e, {}, 0};
    auto each = [&found](const Answer& a) {
        if (a.arity == 1 && a.values[0].is_symbol()) {
            found.name = found.e->symbol_name(a.values[0]);
            ++found.symbols;
        }
    };
    u32 n = TRY(e.query(q, len, each));
    if (n == 0) return Error::NotFound;
    if (n != 1 || found.symbols != 1) return Error::Malformed;
    return found.name;
}

Result<u32> multicast_tree(Engine& e, u32 root, const u32* members, u32 count, McEdge* out, u32 cap) {
    Value v = Value::integer(root);
    TRY_STATUS(e.add_fact("mc_root", &v, 1));
    for (u32 i = 0; i < count; ++i) {
        v = Value::integer(members[i]);
        TRY_STATUS(e.add_fact("mc_member", &v, 1));
    }
    struct Collect {
        McEdge* out;
        u32 cap, n = 0;
        bool bad = false, full = false;
    } c{out, cap};
    auto each = [&c](const Answer& a) {
        if (a.arity != 2 || !is_core(a.values[0]) || !is_core(a.values[1])) c.bad = true;
        else if (c.n == c.cap) c.full = true;
        else c.out[c.n++] = McEdge{u32(a.values[0].as_int()), u32(a.values[1].as_int())};
    };
    static constexpr char kQuery[] = "?- mc_edge(P, C).";
    TRY(e.query(kQuery, sizeof kQuery - 1, each));
    if (c.bad) return Error::Malformed;
    if (c.full) return Error::CapacityExceeded;
    return c.n;
}

Status check_tree(u32 root, const u32* members, u32 count, const McEdge* edges, u32 n) {
    auto is_member = [&](u32 core) {
        if (core == root) return true;
        for (u32 i = 0; i < count; ++i)
            if (members[i] == core) return true;
        return false;
    };
    auto parent_of = [&](u32 child, u32& parent) {
        u32 found = 0;
        for (u32 i = 0; i < n; ++i)
            if (edges[i].child == child) {
                parent = edges[i].parent;
                ++found;
            }
        return found;
    };
    for (u32 i = 0; i < n; ++i)
        if (!is_member(edges[i].parent) || !is_member(edges[i].child) || edges[i].child == root)
            return Error::InvalidArgument;
    for (u32 i = 0; i < count; ++i) {
        if (members[i] == root) continue;
        u32 at = members[i], steps = 0, parent = 0;
        while (at != root) { // n + 1 steps without reaching the root means a cycle
            if (parent_of(at, parent) != 1 || ++steps > n) return Error::InvalidArgument;
            at = parent;
        }
    }
    return {};
}

Result<usize> render_tree(u32 root, McEdge* edges, u32 n, char* buf, usize cap) {
    for (u32 i = 1; i < n; ++i) // insertion sort: trees are small
        for (u32 k = i; k > 0 && (edges[k].child < edges[k - 1].child ||
                                  (edges[k].child == edges[k - 1].child && edges[k].parent < edges[k - 1].parent));
             --k) {
            McEdge e = edges[k];
            edges[k] = edges[k - 1];
            edges[k - 1] = e;
        }
    BufferSink b(buf, cap);
    format(b.sink(), "root {} edges", root);
    for (u32 i = 0; i < n; ++i) format(b.sink(), " {}>{}", edges[i].parent, edges[i].child);
    if (b.truncated()) return Error::CapacityExceeded;
    return b.size();
}

} // namespace mosaic::skb
