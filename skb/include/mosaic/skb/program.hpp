// The parsed form of Datalog clauses, shared by the parser (which fills it) and the
// engine (which stores rules in it and evaluates them).
#pragma once

#include <mosaic/skb/limits.hpp>
#include <mosaic/skb/value.hpp>

namespace mosaic::skb {

enum class TermKind : u8 { Const, Var, Wild };

// One argument: a constant, a variable (index into the clause's variables) or '_'.
struct Term {
    Value value;
    u16 var = 0;
    TermKind kind = TermKind::Const;
};

enum class LitKind : u8 { Atom, Negated, Compare };
enum class CmpOp : u8 { Lt, Le, Gt, Ge, Eq, Ne };
enum class ArithOp : u8 { None, Add, Sub, Mul };
enum class AggKind : u8 { None, Min, Max, Count, Sum };

// An atom p(t1, ..., tn), a negated atom, or a comparison. A comparison is
// "args[0] lop args[1]  cmp  args[2] rop args[3]", where an ArithOp of None means the side
// is args[0] (or args[2]) alone.
struct Literal {
    LitKind kind = LitKind::Atom;
    u8 arity = 0;
    CmpOp cmp = CmpOp::Eq;
    ArithOp lop = ArithOp::None;
    ArithOp rop = ArithOp::None;
    u32 rel = 0; // the name's symbol id from the parser, the relation id in the engine
    Term args[kMaxArity];
};

// A fact (no body, ground head), a rule, or a query (no head). A rule whose head has an
// aggregate argument (min<X>) has agg != None and agg_pos naming that argument.
struct Clause {
    Literal head;
    Literal body[kMaxBody];
    u8 nbody = 0;
    u8 nvars = 0;
    AggKind agg = AggKind::None;
    u8 agg_pos = 0;
    u32 agg_rel = 0; // engine: the hidden relation collecting (group, value) pairs
    u32 line = 0;
    u32 column = 0;
};

enum class ClauseKind : u8 { Fact, Rule, Query };

// A clause with what only the parser knows: its kind and the names of its variables
// (slices of the source text, used to label query answers).
struct ParsedClause {
    ClauseKind kind = ClauseKind::Fact;
    Clause clause;
    StrView var_names[kMaxVars];
};

} // namespace mosaic::skb
