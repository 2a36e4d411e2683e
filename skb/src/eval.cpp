// Bottom-up evaluation: stratification, semi-naive rounds per stratum, the nested-loop
// index join of one rule body, and aggregates.
#include <mosaic/skb/engine.hpp>

namespace mosaic::skb {

// The state of one rule evaluation: its plan, the tuple-id range each body atom reads,
// and the variable bindings.
struct Engine::Frame {
    const Clause* rule;
    u32 target;
    Plan plan;
    u32 lo[kMaxBody];
    u32 hi[kMaxBody];
    Value vars[kMaxVars];
};

namespace {

u8 full_mask(u8 arity) { return u8((1u << arity) - 1); }

Value term_value(const Term& t, const Value* vars) { return t.kind == TermKind::Var ? vars[t.var] : t.value; }

enum class Eval { Ok, NoMatch, Overflow };

// The value of one side of a comparison. Arithmetic on a symbol matches nothing.
Eval side_value(const Literal& l, u32 side, const Value* vars, Value& out) {
    ArithOp op = side == 0 ? l.lop : l.rop;
    Value a = term_value(l.args[2 * side], vars);
    if (op == ArithOp::None) {
        out = a;
        return Eval::Ok;
    }
    Value b = term_value(l.args[2 * side + 1], vars);
    if (!a.is_int() || !b.is_int()) return Eval::NoMatch;
    i64 r = 0;
    bool overflow = false;
    if (op == ArithOp::Add) overflow = __builtin_add_overflow(a.as_int(), b.as_int(), &r);
    else if (op == ArithOp::Sub) overflow = __builtin_sub_overflow(a.as_int(), b.as_int(), &r);
    else overflow = __builtin_mul_overflow(a.as_int(), b.as_int(), &r);
    if (overflow || !Value::fits(r)) return Eval::Overflow;
    out = Value::integer(r);
    return Eval::Ok;
}

// Equality compares any two values; ordering only integers.
bool compare(CmpOp op, Value a, Value b) {
    if (op == CmpOp::Eq) return a == b;
    if (op == CmpOp::Ne) return a != b;
    if (!a.is_int() || !b.is_int()) return false;
    i64 x = a.as_int(), y = b.as_int();
    switch (op) {
    case CmpOp::Lt: return x < y;
    case CmpOp::Le: return x <= y;
    case CmpOp::Gt: return x > y;
    default: return x >= y;
    }
}

} // namespace

// Assigns each relation a stratum: at least that of every relation its rules read, and
// above those they read negated or aggregate. A stratum beyond the number of relations
// means a cycle through negation or an aggregate.
Status Engine::stratify() {
    u32 nrel = store_.relation_count();
    for (u32 i = 0; i < nrel; ++i) store_.relation(i).stratum = 0;
    for (bool changed = true; changed;) {
        changed = false;
        for (u32 r = 0; r < nrules_; ++r) {
            const Clause& c = rules_[r];
            Relation& head = store_.relation(c.head.rel);
            for (u32 i = 0; i < c.nbody; ++i) {
                const Literal& l = c.body[i];
                if (l.kind == LitKind::Compare) continue;
                bool strict = l.kind == LitKind::Negated || c.agg != AggKind::None;
                u32 need = store_.relation(l.rel).stratum + (strict ? 1 : 0);
                if (need <= head.stratum) continue;
                if (need > nrel) return Error::NotStratifiable;
                head.stratum = u16(need);
                changed = true;
            }
        }
    }
    return {};
}

bool Engine::is_recursive(const Literal& l, u16 stratum) const {
    const Relation& r = store_.relation(l.rel);
    return l.kind == LitKind::Atom && r.derived && r.stratum == stratum;
}

// Registers the indexes that the plans of rule c will look tuples up by.
void Engine::prepare_indexes(const Clause& c, u16 stratum, bool& rebuild) {
    for (int first = -1; first < int(c.nbody); ++first) {
        if (first >= 0 && !is_recursive(c.body[first], stratum)) continue;
        Plan plan;
        if (!make_plan(c, first, plan)) continue;
        for (u32 s = 0; s < plan.n; ++s) {
            const Literal& l = c.body[plan.order[s]];
            if (l.kind != LitKind::Compare && store_.add_mask(l.rel, plan.mask[s])) rebuild = true;
        }
    }
    if (c.agg != AggKind::None) {
        u8 group = u8(full_mask(c.head.arity) & ~(1u << c.agg_pos));
        if (store_.add_mask(c.agg_rel, group)) rebuild = true;
        if (store_.add_mask(c.head.rel, group)) rebuild = true;
    }
}

Status Engine::solve() {
    if (!ready_) return Error::InvalidArgument;
    if (solved_) return {};
    base_mark_ = store_.size();
    TRY_STATUS(stratify());
    u16 top = 0;
    for (u32 i = 0; i < store_.relation_count(); ++i) top = max(top, store_.relation(i).stratum);
    bool rebuild = false;
    for (u32 r = 0; r < nrules_; ++r)
        prepare_indexes(rules_[r], store_.relation(rules_[r].head.rel).stratum, rebuild);
    if (rebuild) store_.rebuild_indexes();
    steps_ = 0;
    for (u32 s = 0; s <= top; ++s) {
        Status st = eval_stratum(u16(s));
        if (!st) {
            store_.truncate(base_mark_);
            return st;
        }
    }
    solved_ = true;
    return {};
}

// Runs the rules of one stratum to their fixpoint: every rule once over everything, then
// rounds in which each rule runs once per recursive atom, that atom reading only the
// tuples the previous round added.
Status Engine::eval_stratum(u16 stratum) {
    u32 old_end = store_.size();
    for (u32 r = 0; r < nrules_; ++r) {
        const Clause& c = rules_[r];
        if (store_.relation(c.head.rel).stratum != stratum) continue;
        TRY_STATUS(eval_rule(c, -1, 0, old_end));
        if (c.agg != AggKind::None) TRY_STATUS(finalize_aggregate(c));
    }
    for (u32 new_end = store_.size(); new_end != old_end; new_end = store_.size()) {
        for (u32 r = 0; r < nrules_; ++r) {
            const Clause& c = rules_[r];
            if (store_.relation(c.head.rel).stratum != stratum || c.agg != AggKind::None) continue;
            for (u32 i = 0; i < c.nbody; ++i)
                if (is_recursive(c.body[i], stratum)) TRY_STATUS(eval_rule(c, int(i), old_end, new_end));
        }
        old_end = new_end;
    }
    return {};
}

// Evaluates rule c once. With delta = -1 its recursive atoms read tuples below new_end;
// otherwise atom `delta` reads [old_end, new_end), recursive atoms before it read below
// old_end and those after it below new_end. Other atoms read everything.
Status Engine::eval_rule(const Clause& c, int delta, u32 old_end, u32 new_end) {
    Frame f;
    f.rule = &c;
    f.target = c.agg != AggKind::None ? c.agg_rel : c.head.rel;
    TRY_STATUS(make_plan(c, delta, f.plan));
    u16 stratum = store_.relation(c.head.rel).stratum;
    for (u32 i = 0; i < c.nbody; ++i) {
        f.lo[i] = 0;
        f.hi[i] = kNone;
        if (!is_recursive(c.body[i], stratum) || c.agg != AggKind::None) continue;
        if (delta < 0 || int(i) > delta) f.hi[i] = new_end;
        else if (int(i) < delta) f.hi[i] = old_end;
        else f.lo[i] = old_end, f.hi[i] = new_end;
    }
    return join(f, 0);
}

Status Engine::join(Frame& f, u32 step) {
    if (max_steps_ != 0 && ++steps_ > max_steps_) return Error::Timeout;
    if (step == f.plan.n) return emit(f);
    const Literal& l = f.rule->body[f.plan.order[step]];
    if (l.kind == LitKind::Compare) return join_compare(f, step);
    if (l.kind == LitKind::Atom) return join_atom(f, step);
    Value key[kMaxArity];
    for (u32 i = 0; i < l.arity; ++i) key[i] = term_value(l.args[i], f.vars);
    if (store_.contains(l.rel, f.plan.mask[step], key)) return {};
    return join(f, step + 1);
}

// Runs the rest of the plan once per tuple of the atom that agrees with the bindings.
Status Engine::join_atom(Frame& f, u32 step) {
    u32 index = f.plan.order[step];
    const Literal& l = f.rule->body[index];
    u8 mask = f.plan.mask[step];
    Value key[kMaxArity];
    for (u32 i = 0; i < l.arity; ++i)
        if (mask & (1u << i)) key[i] = term_value(l.args[i], f.vars);
    TupleStore::Cursor cur = store_.scan(l.rel, mask, key, f.lo[index], f.hi[index]);
    for (u32 t = store_.next(cur); t != kNone; t = store_.next(cur)) {
        const Value* v = store_.values(t);
        u32 seen = 0;
        bool match = true;
        for (u32 i = 0; i < l.arity && match; ++i) {
            const Term& a = l.args[i];
            if ((mask & (1u << i)) || a.kind != TermKind::Var) continue;
            if (seen & (1u << a.var)) match = f.vars[a.var] == v[i];
            f.vars[a.var] = v[i];
            seen |= 1u << a.var;
        }
        if (match) TRY_STATUS(join(f, step + 1));
    }
    return {};
}

Status Engine::join_compare(Frame& f, u32 step) {
    const Literal& l = f.rule->body[f.plan.order[step]];
    u8 assign = f.plan.assign[step];
    Value left, right;
    Eval e = assign == 1 ? Eval::Ok : side_value(l, 0, f.vars, left);
    if (e == Eval::Ok && assign != 2) e = side_value(l, 1, f.vars, right);
    if (e == Eval::Overflow) return Error::Overflow;
    if (e == Eval::NoMatch) return {};
    if (assign == 1) f.vars[l.args[0].var] = right;
    else if (assign == 2) f.vars[l.args[2].var] = left;
    else if (!compare(l.cmp, left, right)) return {};
    return join(f, step + 1);
}

Status Engine::emit(Frame& f) {
    const Literal& h = f.rule->head;
    Value tuple[kMaxArity];
    for (u32 i = 0; i < h.arity; ++i) tuple[i] = term_value(h.args[i], f.vars);
    auto added = store_.insert(f.target, tuple);
    if (!added) return added.error();
    return {};
}

// Turns the (group, value) pairs an aggregate rule collected into one head tuple per
// group. Min, max and sum skip symbols; count counts distinct values of any kind.
Status Engine::finalize_aggregate(const Clause& c) {
    u8 group = u8(full_mask(c.head.arity) & ~(1u << c.agg_pos));
    TupleStore::Cursor all = store_.scan(c.agg_rel, 0, nullptr, 0, kNone);
    for (u32 t = store_.next(all); t != kNone; t = store_.next(all)) {
        const Value* first = store_.values(t);
        if (store_.contains(c.head.rel, group, first)) continue;
        i64 acc = 0, count = 0;
        bool any = false;
        TupleStore::Cursor members = store_.scan(c.agg_rel, group, first, 0, kNone);
        for (u32 m = store_.next(members); m != kNone; m = store_.next(members)) {
            Value v = store_.values(m)[c.agg_pos];
            ++count;
            if (!v.is_int()) continue;
            i64 x = v.as_int();
            if (c.agg == AggKind::Sum && (__builtin_add_overflow(acc, x, &acc) || !Value::fits(acc)))
                return Error::Overflow;
            if (c.agg == AggKind::Min) acc = any ? min(acc, x) : x;
            if (c.agg == AggKind::Max) acc = any ? max(acc, x) : x;
            any = true;
        }
        if (c.agg != AggKind::Count && !any) continue;
        Value tuple[kMaxArity];
        for (u32 i = 0; i < c.head.arity; ++i) tuple[i] = first[i];
        tuple[c.agg_pos] = Value::integer(c.agg == AggKind::Count ? count : acc);
        auto added = store_.insert(c.head.rel, tuple);
        if (!added) return added.error();
    }
    return {};
}

} // namespace mosaic::skb
