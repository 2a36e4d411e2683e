// The SKB's Datalog engine: facts, rules with recursion (semi-naive bottom-up evaluation),
// stratified negation, comparisons and arithmetic, aggregates, and queries. It allocates
// nothing: the caller hands init() one block of memory of arena_bytes(limits) bytes.
//
// Life cycle: load() facts and rules in any order; solve() (or the first query()) derives
// everything; query() enumerates answers. Loading more text after a solve drops the
// derived tuples and the next query solves again.
#pragma once

#include <mosaic/error.hpp>
#include <mosaic/skb/parser.hpp>
#include <mosaic/skb/plan.hpp>
#include <mosaic/skb/store.hpp>
#include <mosaic/skb/symbols.hpp>

namespace mosaic::skb {

// One answer of a query: the values of the query's named variables, in order of their
// first appearance, with their names.
struct Answer {
    const Value* values;
    const StrView* names;
    u32 arity;
};

// Receives each answer; an error return stops the query and is passed on.
using AnswerFn = Status (*)(void* ctx, const Answer& answer);

class Engine {
  public:
    // Bytes of memory init() needs for these limits.
    static usize arena_bytes(const Limits& limits = Limits{});
    // Lays the engine's tables out in memory[0..bytes), which must outlive the engine.
    Status init(void* memory, usize bytes, const Limits& limits = Limits{});

    // Adds the facts and rules of a program text; on error, err (if given) says where.
    // Clauses before the failing one stay loaded.
    Status load(const char* text, usize len, ParseError* err = nullptr);
    Status load(StrView text, ParseError* err = nullptr) { return load(text.data, text.len, err); }
    // Adds one fact rel(values...) without parsing.
    Status add_fact(const char* rel, const Value* values, u32 arity);
    // Evaluates every rule to the fixpoint (does nothing when nothing changed).
    Status solve();
    // Runs a query such as "?- reach(a, X)." (the "?-" and "." are optional) and passes
    // each distinct answer to fn. Returns the number of answers.
    Result<u32> query(const char* text, usize len, AnswerFn fn, void* ctx, ParseError* err = nullptr);
    // The same with a callable taking (const Answer&).
    template <typename F> Result<u32> query(const char* text, usize len, F& each, ParseError* err = nullptr) {
        auto thunk = [](void* ctx, const Answer& a) -> Status {
            (*static_cast<F*>(ctx))(a);
            return {};
        };
        return query(text, len, thunk, &each, err);
    }

    // Interns a symbol for use in add_fact().
    Result<Value> symbol(const char* text, u32 len);
    // The text of a symbol value (empty for integers).
    StrView symbol_name(Value v) const;
    // Number of tuples a relation holds after solving (NotFound for an unknown name).
    Result<u32> relation_size(const char* name);
    u32 tuple_count() const { return store_.size(); }
    u32 rule_count() const { return nrules_; }
    u64 join_steps() const { return steps_; }

  private:
    struct Frame;

    Result<u32> relation_for(u32 name, u8 arity);
    Status resolve(Literal& lit);
    Status add_clause(ParsedClause& pc);
    Status add_rule(Clause& c);
    Status add_ground_fact(const Literal& head);
    void unsolve();
    Status stratify();
    bool is_recursive(const Literal& l, u16 stratum) const;
    void prepare_indexes(const Clause& c, u16 stratum, bool& rebuild);
    Status eval_stratum(u16 stratum);
    Status eval_rule(const Clause& c, int delta, u32 old_end, u32 new_end);
    Status join(Frame& f, u32 step);
    Status join_atom(Frame& f, u32 step);
    Status join_compare(Frame& f, u32 step);
    Status emit(Frame& f);
    Status finalize_aggregate(const Clause& c);
    Status run_query(ParsedClause& pc, AnswerFn fn, void* ctx, u32& answers);

    Symbols symbols_;
    TupleStore store_;
    Clause* rules_ = nullptr;
    u32* rel_of_symbol_ = nullptr; // relation id per symbol id, kNone if none
    u32 nrules_ = 0;
    u32 max_rules_ = 0;
    u32 max_symbols_ = 0;
    u32 base_mark_ = 0; // tuples below it are facts, above it derived
    u64 steps_ = 0;
    u64 max_steps_ = 0;
    bool solved_ = false;
    bool ready_ = false;
};

} // namespace mosaic::skb
