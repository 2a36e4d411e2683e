// Join planning and the safety check (see plan.hpp). Filters run as soon as their
// variables are bound; among atoms, the one with the most bound arguments runs next.
#include <mosaic/skb/plan.hpp>

namespace mosaic::skb {

namespace {

u32 side_vars(const Literal& l, u32 side) {
    ArithOp op = side == 0 ? l.lop : l.rop;
    u32 v = term_vars(l.args[2 * side]);
    if (op != ArithOp::None) v |= term_vars(l.args[2 * side + 1]);
    return v;
}

bool side_has_wild(const Literal& l, u32 side) {
    ArithOp op = side == 0 ? l.lop : l.rop;
    return l.args[2 * side].kind == TermKind::Wild || (op != ArithOp::None && l.args[2 * side + 1].kind == TermKind::Wild);
}

// A side that is one variable not yet bound, which an equality can bind.
bool binds(const Literal& l, u32 side, u32 bound) {
    ArithOp op = side == 0 ? l.lop : l.rop;
    const Term& t = l.args[2 * side];
    return op == ArithOp::None && t.kind == TermKind::Var && !(bound & (1u << t.var));
}

// How a filter (negated atom or comparison) can run with `bound` variables bound:
// -1 not yet, 0 as a test, 1 or 2 binding the variable of that side.
int filter_ready(const Literal& l, u32 bound) {
    if (l.kind == LitKind::Negated) {
        u32 v = 0;
        for (u32 i = 0; i < l.arity; ++i) v |= term_vars(l.args[i]);
        return (v & ~bound) == 0 ? 0 : -1;
    }
    if (side_has_wild(l, 0) || side_has_wild(l, 1)) return -1;
    u32 left = side_vars(l, 0), right = side_vars(l, 1);
    if (((left | right) & ~bound) == 0) return 0;
    if (l.cmp != CmpOp::Eq) return -1;
    if (binds(l, 0, bound) && (right & ~bound) == 0) return 1;
    if (binds(l, 1, bound) && (left & ~bound) == 0) return 2;
    return -1;
}

u8 atom_mask(const Literal& l, u32 bound) {
    u8 mask = 0;
    for (u32 i = 0; i < l.arity; ++i) {
        const Term& t = l.args[i];
        if (t.kind == TermKind::Const || (t.kind == TermKind::Var && (bound & (1u << t.var)))) mask |= u8(1u << i);
    }
    return mask;
}

u32 popcount(u32 v) {
    u32 n = 0;
    for (; v; v &= v - 1) ++n;
    return n;
}

// Picks the next literal: a ready filter if there is one, else the atom with the most
// bound arguments. Returns -1 when only unready filters are left.
int pick(const Clause& c, u32 used, u32 bound, int& how) {
    for (u32 i = 0; i < c.nbody; ++i) {
        if ((used & (1u << i)) || c.body[i].kind == LitKind::Atom) continue;
        how = filter_ready(c.body[i], bound);
        if (how >= 0) return int(i);
    }
    int best = -1;
    u32 best_bound = 0;
    for (u32 i = 0; i < c.nbody; ++i) {
        if ((used & (1u << i)) || c.body[i].kind != LitKind::Atom) continue;
        u32 nb = popcount(atom_mask(c.body[i], bound));
        if (best < 0 || nb > best_bound) {
            best = int(i);
            best_bound = nb;
        }
    }
    how = 0;
    return best;
}

u32 literal_binds(const Literal& l, int how) {
    if (l.kind == LitKind::Atom) {
        u32 v = 0;
        for (u32 i = 0; i < l.arity; ++i) v |= term_vars(l.args[i]);
        return v;
    }
    if (how == 1) return term_vars(l.args[0]);
    if (how == 2) return term_vars(l.args[2]);
    return 0;
}

} // namespace

Status make_plan(const Clause& c, int first, Plan& plan) {
    plan = Plan{};
    u32 used = 0, bound = 0;
    while (plan.n < c.nbody) {
        int how = 0;
        int i = (plan.n == 0 && first >= 0 && c.body[first].kind == LitKind::Atom) ? first : pick(c, used, bound, how);
        if (i < 0) return Error::Unsafe;
        const Literal& l = c.body[i];
        plan.order[plan.n] = u8(i);
        plan.mask[plan.n] = l.kind == LitKind::Compare ? 0 : atom_mask(l, bound);
        plan.assign[plan.n] = u8(how);
        ++plan.n;
        used |= 1u << i;
        bound |= literal_binds(l, how);
    }
    for (u32 i = 0; i < c.head.arity; ++i) {
        const Term& t = c.head.args[i];
        if (t.kind == TermKind::Wild || (term_vars(t) & ~bound)) return Error::Unsafe;
    }
    return {};
}

} // namespace mosaic::skb
