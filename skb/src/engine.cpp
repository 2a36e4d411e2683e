// The SKB engine's front: memory layout, loading facts and rules, and queries.
#include <mosaic/skb/engine.hpp>

namespace mosaic::skb {

namespace {

// Lays out every table of the engine; the same code sizes (measuring arena) and fills.
bool carve(Arena& arena, const Limits& limits, Symbols& symbols, TupleStore& store, Clause*& rules, u32*& rel_of_symbol) {
    bool ok = symbols.carve(arena, limits) && store.carve(arena, limits);
    rules = arena.take<Clause>(limits.max_rules);
    rel_of_symbol = arena.take<u32>(limits.max_symbols);
    return ok && rules && rel_of_symbol;
}

Status located(ParseError* err, const Clause& c, Error e, const char* message) {
    if (err) *err = ParseError{e, c.line, c.column, message};
    return e;
}

const char* describe(Error e) {
    switch (e) {
    case Error::Unsafe: return "a head, negated or compared variable is not bound by a positive atom";
    case Error::CapacityExceeded: return "a capacity of the engine was reached";
    case Error::InvalidArgument: return "relation used with a different number of arguments";
    case Error::Unsupported: return "a relation with an aggregate rule may have no other rule";
    default: return "clause rejected";
    }
}

} // namespace

usize Engine::arena_bytes(const Limits& limits) {
    Arena measure = Arena::measuring();
    Symbols s;
    TupleStore t;
    Clause* rules;
    u32* map;
    carve(measure, limits, s, t, rules, map);
    return measure.used() + 64;
}

Status Engine::init(void* memory, usize bytes, const Limits& limits) {
    ready_ = false;
    if (!memory || limits.max_symbols == 0 || limits.max_relations == 0) return Error::InvalidArgument;
    Arena arena(memory, bytes);
    if (!carve(arena, limits, symbols_, store_, rules_, rel_of_symbol_)) return Error::NoMemory;
    symbols_.clear();
    store_.clear();
    for (u32 i = 0; i < limits.max_symbols; ++i) rel_of_symbol_[i] = kNone;
    max_rules_ = limits.max_rules;
    max_symbols_ = limits.max_symbols;
    max_steps_ = limits.max_join_steps;
    nrules_ = base_mark_ = 0;
    steps_ = 0;
    solved_ = false;
    ready_ = true;
    return {};
}

// The relation named by symbol `name`, created on first use with this arity.
Result<u32> Engine::relation_for(u32 name, u8 arity) {
    if (name >= max_symbols_) return Error::CapacityExceeded;
    u32 rel = rel_of_symbol_[name];
    if (rel == kNone) {
        rel = TRY(store_.add_relation(name, arity));
        rel_of_symbol_[name] = rel;
    }
    if (store_.relation(rel).arity != arity) return Error::InvalidArgument;
    return rel;
}

Status Engine::resolve(Literal& lit) {
    if (lit.kind != LitKind::Compare) lit.rel = TRY(relation_for(lit.rel, lit.arity));
    return {};
}

// Drops derived tuples so that new facts or rules take part in the next solve.
void Engine::unsolve() {
    if (!solved_) return;
    store_.truncate(base_mark_);
    solved_ = false;
}

Status Engine::load(const char* text, usize len, ParseError* err) {
    if (!ready_) return Error::InvalidArgument;
    unsolve();
    Parser parser(text, len, symbols_);
    ParsedClause pc;
    ParseError local;
    ParseError& e = err ? *err : local;
    e = ParseError{};
    for (;;) {
        auto more = parser.next(pc, e);
        if (!more) return more.error();
        if (!*more) return {};
        if (pc.kind == ClauseKind::Query)
            return located(&e, pc.clause, Error::SyntaxError, "a program holds no queries; use query()");
        Status st = add_clause(pc);
        if (!st) return located(&e, pc.clause, st.error(), describe(st.error()));
    }
}

Status Engine::add_clause(ParsedClause& pc) {
    Clause& c = pc.clause;
    TRY_STATUS(resolve(c.head));
    if (pc.kind == ClauseKind::Fact) return add_ground_fact(c.head);
    return add_rule(c);
}

Status Engine::add_ground_fact(const Literal& head) {
    Value tuple[kMaxArity];
    for (u32 i = 0; i < head.arity; ++i) {
        if (head.args[i].kind != TermKind::Const) return Error::Unsafe;
        tuple[i] = head.args[i].value;
    }
    auto added = store_.insert(head.rel, tuple);
    if (!added) return added.error();
    return {};
}

Status Engine::add_rule(Clause& c) {
    for (u32 i = 0; i < c.nbody; ++i) TRY_STATUS(resolve(c.body[i]));
    Plan plan;
    TRY_STATUS(make_plan(c, -1, plan));
    Relation& head = store_.relation(c.head.rel);
    if (head.aggregate || (head.derived && c.agg != AggKind::None)) return Error::Unsupported;
    if (nrules_ >= max_rules_) return Error::CapacityExceeded;
    if (c.agg != AggKind::None) {
        // The hidden relation that collects the distinct (group, value) pairs: "$agg<rule>".
        char name[16] = "$agg";
        u32 n = 4;
        for (u32 div = 1000000000; div > 0; div /= 10)
            if (nrules_ >= div || div == 1) name[n++] = char('0' + (nrules_ / div) % 10);
        u32 sym = TRY(symbols_.intern(name, n));
        c.agg_rel = TRY(relation_for(sym, c.head.arity));
        head.aggregate = true;
    }
    head.derived = true;
    rules_[nrules_++] = c;
    return {};
}

Status Engine::add_fact(const char* rel, const Value* values, u32 arity) {
    if (!ready_) return Error::InvalidArgument;
    if (arity == 0 || arity > kMaxArity) return Error::InvalidArgument;
    unsolve();
    u32 len = 0;
    while (rel[len]) ++len;
    u32 sym = TRY(symbols_.intern(rel, len));
    u32 r = TRY(relation_for(sym, u8(arity)));
    auto added = store_.insert(r, values);
    if (!added) return added.error();
    return {};
}

Result<Value> Engine::symbol(const char* text, u32 len) {
    if (!ready_) return Error::InvalidArgument;
    return Value::symbol(TRY(symbols_.intern(text, len)));
}

StrView Engine::symbol_name(Value v) const {
    if (!ready_ || !v.is_symbol()) return StrView{};
    return symbols_.name(v.symbol_id());
}

Result<u32> Engine::relation_size(const char* name) {
    TRY_STATUS(solve());
    u32 len = 0;
    while (name[len]) ++len;
    u32 sym = TRY(symbols_.find(name, len));
    if (sym >= max_symbols_ || rel_of_symbol_[sym] == kNone) return Error::NotFound;
    return store_.relation(rel_of_symbol_[sym]).count;
}

Result<u32> Engine::query(const char* text, usize len, AnswerFn fn, void* ctx, ParseError* err) {
    if (!ready_) return Error::InvalidArgument;
    ParseError local;
    ParseError& e = err ? *err : local;
    ParsedClause pc;
    Parser parser(text, len, symbols_);
    TRY_STATUS(parser.query(pc, e));
    TRY_STATUS(solve());
    u32 answers = 0;
    Status st = run_query(pc, fn, ctx, answers);
    if (!st) {
        if (e.error == Error::Ok) e = ParseError{st.error(), pc.clause.line, pc.clause.column, describe(st.error())};
        return st.error();
    }
    return answers;
}

// Evaluates the query as a rule whose head "$q<n>" lists its variables, passes the
// distinct head tuples to fn, and drops them again.
Status Engine::run_query(ParsedClause& pc, AnswerFn fn, void* ctx, u32& answers) {
    Clause& c = pc.clause;
    for (u32 i = 0; i < c.nbody; ++i) TRY_STATUS(resolve(c.body[i]));
    u8 arity = u8(c.nvars > 0 ? c.nvars : 1);
    if (arity > kMaxArity) return Error::CapacityExceeded;
    char name[4] = {'$', 'q', char('0' + arity), 0};
    c.head.kind = LitKind::Atom;
    c.head.rel = TRY(relation_for(TRY(symbols_.intern(name, 3)), arity));
    c.head.arity = arity;
    for (u16 i = 0; i < arity; ++i)
        c.head.args[i] = c.nvars > 0 ? Term{Value(), i, TermKind::Var} : Term{Value::integer(1), 0, TermKind::Const};
    Plan plan;
    TRY_STATUS(make_plan(c, -1, plan));
    bool rebuild = false;
    for (u32 s = 0; s < plan.n; ++s) {
        const Literal& l = c.body[plan.order[s]];
        if (l.kind != LitKind::Compare && store_.add_mask(l.rel, plan.mask[s])) rebuild = true;
    }
    if (rebuild) store_.rebuild_indexes();
    u32 mark = store_.size();
    steps_ = 0;
    Status st = eval_rule(c, -1, 0, kNone);
    for (u32 t = mark; st && t < store_.size(); ++t) {
        Answer a{store_.values(t), pc.var_names, c.nvars};
        st = fn(ctx, a);
    }
    answers = store_.size() - mark;
    store_.truncate(mark);
    return st;
}

} // namespace mosaic::skb
