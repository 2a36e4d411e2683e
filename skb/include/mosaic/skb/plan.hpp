// Join plans: the order in which a rule body's literals run, which columns of each atom
// are bound when it runs, and which equalities bind a variable. Making a plan is also
// the safety check: a rule with no complete plan is unsafe.
#pragma once

#include <mosaic/error.hpp>
#include <mosaic/skb/program.hpp>

namespace mosaic::skb {

struct Plan {
    u8 n = 0;
    u8 order[kMaxBody] = {};  // body literal indexes in run order
    u8 mask[kMaxBody] = {};   // per run step, atoms: columns bound before the step
    u8 assign[kMaxBody] = {}; // per run step, comparisons: 0 test, 1 bind args[0], 2 bind args[2]
};

// Plans the body of c, running body literal `first` first when it is not negative.
// Fails with Error::Unsafe when a head, negated or comparison variable is never bound.
Status make_plan(const Clause& c, int first, Plan& plan);

// The variables of a term as a bit set.
inline u32 term_vars(const Term& t) { return t.kind == TermKind::Var ? 1u << t.var : 0; }

} // namespace mosaic::skb
