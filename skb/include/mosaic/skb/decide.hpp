// The questions the system decides by, asked of a loaded SKB in one call each, so that a CPU
// driver, a monitor or a host tool asks them the same way: the transport between two cores
// (rules/transport.dl) and the multicast tree over a set of cores (rules/multicast.dl).
#pragma once

#include <mosaic/skb/engine.hpp>

namespace mosaic::skb {

// The transport/3 answer for the ordered pair of board cores (from, to): the symbol's text
// (lmp, urpc, urpc_interconnect, none), which lives as long as the engine. NotFound when
// the SKB knows neither core, Malformed when it gives other than one symbol.
Result<StrView> transport_between(Engine& e, u32 from, u32 to);

struct McEdge {
    u32 parent, child;
};

// Adds mc_root(root) and mc_member(m) for every member as facts (they stay loaded: one
// tree per engine, as at boot) and writes the mc_edge/2 answers into out[0..cap); returns
// how many. CapacityExceeded when there are more than cap, Malformed for a non-core answer.
Result<u32> multicast_tree(Engine& e, u32 root, const u32* members, u32 count, McEdge* out, u32 cap);

// Checks that edges form a tree from root that reaches every member exactly once: every
// member but the root is the child of exactly one edge, no edge ends at the root, and
// following parents from any member leads to the root. InvalidArgument where it does not.
Status check_tree(u32 root, const u32* members, u32 count, const McEdge* edges, u32 n);

// Writes a tree as one canonical line, "root R edges P>C P>C ..." with the edges sorted by
// child (they are sorted in place), so that two SKBs that hold the same facts in another
// order print the same line. Returns its length; CapacityExceeded when buf is too small.
Result<usize> render_tree(u32 root, McEdge* edges, u32 n, char* buf, usize cap);

} // namespace mosaic::skb
