// Recursive-descent parser for the SKB's Datalog text (grammar in skb/README.md).
#include <mosaic/skb/parser.hpp>

namespace mosaic::skb {

namespace {

bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_upper(char c) { return (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ident(char c) { return is_lower(c) || is_upper(c) || is_digit(c); }

int hex_digit(char c) {
    if (is_digit(c)) return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

AggKind aggregate_named(StrView name) {
    if (name.is("min")) return AggKind::Min;
    if (name.is("max")) return AggKind::Max;
    if (name.is("count")) return AggKind::Count;
    if (name.is("sum")) return AggKind::Sum;
    return AggKind::None;
}

} // namespace

Status Parser::fail(Error e, const char* message) {
    if (err_ && err_->error == Error::Ok) *err_ = ParseError{e, line_, column_, message};
    return e;
}

// Reports an error at an earlier position m (the start of the offending token).
Status Parser::fail_at(const Mark& m, Error e, const char* message) {
    line_ = m.line;
    column_ = m.column;
    return fail(e, message);
}

void Parser::advance(usize n) {
    for (; n > 0 && pos_ < len_; --n, ++pos_) {
        if (text_[pos_] == '\n') {
            ++line_;
            column_ = 1;
        } else {
            ++column_;
        }
    }
}

// Skips blanks and '%' comments up to the next token.
void Parser::skip_space() {
    while (pos_ < len_) {
        char c = text_[pos_];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            advance();
        } else if (c == '%') {
            while (pos_ < len_ && text_[pos_] != '\n') advance();
        } else {
            return;
        }
    }
}

bool Parser::accept(char c) {
    skip_space();
    if (!at(c)) return false;
    advance();
    return true;
}

bool Parser::accept2(char a, char b) {
    skip_space();
    if (!at2(a, b)) return false;
    advance(2);
    return true;
}

Status Parser::expect(char c, const char* message) {
    if (!accept(c)) return fail(Error::SyntaxError, message);
    return {};
}

// Reads an identifier at the current position (empty when there is none).
StrView Parser::identifier() {
    skip_space();
    usize start = pos_;
    while (pos_ < len_ && is_ident(text_[pos_])) advance();
    return StrView{text_ + start, u32(pos_ - start)};
}

// True when the next token is the keyword "not" followed by an atom's name.
bool Parser::at_keyword_not() {
    Mark m{pos_, line_, column_};
    StrView word = identifier();
    bool keyword = word.is("not") && pos_ < len_ && !is_ident(text_[pos_]);
    if (keyword) {
        skip_space();
        keyword = pos_ < len_ && is_lower(text_[pos_]);
    }
    if (!keyword) {
        pos_ = m.pos;
        line_ = m.line;
        column_ = m.column;
    }
    return keyword;
}

Result<bool> Parser::next(ParsedClause& out, ParseError& err) {
    out_ = &out;
    err_ = &err;
    err = ParseError{};
    skip_space();
    if (pos_ >= len_) return false;
    out = ParsedClause{};
    out.clause.line = line_;
    out.clause.column = column_;
    if (accept2('?', '-')) {
        out.kind = ClauseKind::Query;
        TRY_STATUS(body());
    } else {
        TRY_STATUS(atom(out.clause.head, true));
        if (accept2(':', '-')) {
            out.kind = ClauseKind::Rule;
            TRY_STATUS(body());
        } else if (out.clause.agg != AggKind::None) {
            return fail(Error::SyntaxError, "an aggregate needs a rule body").error();
        }
    }
    TRY_STATUS(expect('.', "expected '.' at the end of the clause"));
    return true;
}

Status Parser::query(ParsedClause& out, ParseError& err) {
    out_ = &out;
    err_ = &err;
    err = ParseError{};
    out = ParsedClause{};
    out.kind = ClauseKind::Query;
    skip_space();
    out.clause.line = line_;
    out.clause.column = column_;
    accept2('?', '-');
    TRY_STATUS(body());
    accept('.');
    skip_space();
    if (pos_ < len_) return fail(Error::SyntaxError, "unexpected text after the query");
    return {};
}

Status Parser::body() {
    Clause& c = out_->clause;
    do {
        if (c.nbody >= kMaxBody) return fail(Error::CapacityExceeded, "too many literals in a rule body");
        TRY_STATUS(literal(c.body[c.nbody]));
        ++c.nbody;
    } while (accept(','));
    return {};
}

Status Parser::literal(Literal& lit) {
    if (at_keyword_not()) {
        TRY_STATUS(atom(lit, false));
        lit.kind = LitKind::Negated;
        return {};
    }
    Mark m{pos_, line_, column_};
    StrView name = identifier();
    bool is_atom = name.len > 0 && is_lower(name.data[0]) && accept('(');
    pos_ = m.pos;
    line_ = m.line;
    column_ = m.column;
    if (is_atom) return atom(lit, false);
    return comparison(lit);
}

// Parses name(arg, ...); head atoms may hold one aggregate argument.
Status Parser::atom(Literal& lit, bool head) {
    Mark start = mark();
    StrView name = identifier();
    if (name.len == 0 || !is_lower(name.data[0])) return fail_at(start, Error::SyntaxError, "expected a relation name");
    auto id = symbols_.intern(name.data, name.len);
    if (!id) return fail(id.error(), "symbol table full");
    lit.kind = LitKind::Atom;
    lit.rel = *id;
    TRY_STATUS(expect('(', "expected '(' after the relation name"));
    do {
        if (lit.arity >= kMaxArity) return fail(Error::CapacityExceeded, "too many arguments");
        if (head) {
            TRY_STATUS(head_argument(lit, lit.arity));
        } else {
            TRY_STATUS(term(lit.args[lit.arity]));
        }
        ++lit.arity;
    } while (accept(','));
    return expect(')', "expected ',' or ')' in the argument list");
}

// A head argument is a term or an aggregate such as min<X>.
Status Parser::head_argument(Literal& lit, u32 index) {
    Mark m = mark();
    AggKind agg = aggregate_named(identifier());
    if (agg == AggKind::None || !accept('<')) {
        pos_ = m.pos;
        line_ = m.line;
        column_ = m.column;
        return term(lit.args[index]);
    }
    Clause& c = out_->clause;
    if (c.agg != AggKind::None) return fail_at(m, Error::SyntaxError, "only one aggregate per head");
    Mark var = mark();
    TRY_STATUS(term(lit.args[index]));
    if (lit.args[index].kind != TermKind::Var) return fail_at(var, Error::SyntaxError, "an aggregate ranges over a variable");
    c.agg = agg;
    c.agg_pos = u8(index);
    return expect('>', "expected '>' after the aggregated variable");
}

Status Parser::term(Term& t) {
    skip_space();
    if (pos_ >= len_) return fail(Error::SyntaxError, "expected a term");
    char c = text_[pos_];
    if (c == '"') return quoted(t);
    if (is_digit(c)) return number(t, false);
    if (c == '-' && pos_ + 1 < len_ && is_digit(text_[pos_ + 1])) {
        advance();
        return number(t, true);
    }
    if (!is_lower(c) && !is_upper(c)) return fail(Error::SyntaxError, "expected a term");
    StrView name = identifier();
    if (is_lower(c)) {
        auto id = symbols_.intern(name.data, name.len);
        if (!id) return fail(id.error(), "symbol table full");
        t = Term{Value::symbol(*id), 0, TermKind::Const};
    } else if (name.is("_")) {
        t = Term{Value(), 0, TermKind::Wild};
    } else {
        auto var = variable(name);
        if (!var) return var.error();
        t = Term{Value(), *var, TermKind::Var};
    }
    return {};
}

Result<u16> Parser::variable(StrView name) {
    ParsedClause& pc = *out_;
    for (u16 i = 0; i < pc.clause.nvars; ++i)
        if (pc.var_names[i].equals(name)) return i;
    if (pc.clause.nvars >= kMaxVars) return fail(Error::CapacityExceeded, "too many variables").error();
    pc.var_names[pc.clause.nvars] = name;
    return u16(pc.clause.nvars++);
}

Status Parser::number(Term& t, bool negative) {
    u64 v = 0;
    u32 base = 10;
    if (at2('0', 'x') || at2('0', 'X')) {
        base = 16;
        advance(2);
        if (pos_ >= len_ || hex_digit(text_[pos_]) < 0) return fail(Error::SyntaxError, "expected hex digits");
    }
    while (pos_ < len_ && hex_digit(text_[pos_]) >= 0 && (base == 16 || is_digit(text_[pos_]))) {
        v = v * base + u64(hex_digit(text_[pos_]));
        if (v > u64(Value::kMaxInt) + 1) return fail(Error::Overflow, "integer out of range");
        advance();
    }
    if (pos_ < len_ && is_ident(text_[pos_])) return fail(Error::SyntaxError, "bad character in a number");
    i64 n = negative ? -i64(v) : i64(v);
    if (!Value::fits(n)) return fail(Error::Overflow, "integer out of range");
    t = Term{Value::integer(n), 0, TermKind::Const};
    return {};
}

// A quoted symbol "text", with \" and \\ escapes kept out of the symbol table's way by
// allowing neither: quoted symbols may hold any byte except '"', '\\' and newline.
Status Parser::quoted(Term& t) {
    Mark open = mark();
    advance();
    usize start = pos_;
    while (pos_ < len_ && text_[pos_] != '"') {
        if (text_[pos_] == '\n' || text_[pos_] == '\\') return fail(Error::SyntaxError, "bad character in a quoted symbol");
        advance();
    }
    if (pos_ >= len_) return fail_at(open, Error::SyntaxError, "unterminated quoted symbol");
    auto id = symbols_.intern(text_ + start, u32(pos_ - start));
    advance();
    if (!id) return fail(id.error(), id.error() == Error::OutOfRange ? "symbol too long" : "symbol table full");
    t = Term{Value::symbol(*id), 0, TermKind::Const};
    return {};
}

// term, or term op term with op one of + - *.
Status Parser::expression(Term& a, ArithOp& op, Term& b) {
    TRY_STATUS(term(a));
    op = ArithOp::None;
    skip_space();
    if (accept('+')) op = ArithOp::Add;
    else if (accept('-')) op = ArithOp::Sub;
    else if (accept('*')) op = ArithOp::Mul;
    if (op != ArithOp::None) TRY_STATUS(term(b));
    return {};
}

Status Parser::comparison(Literal& lit) {
    lit.kind = LitKind::Compare;
    TRY_STATUS(expression(lit.args[0], lit.lop, lit.args[1]));
    if (accept2('<', '=')) lit.cmp = CmpOp::Le;
    else if (accept2('>', '=')) lit.cmp = CmpOp::Ge;
    else if (accept2('!', '=')) lit.cmp = CmpOp::Ne;
    else if (accept2('=', '=')) lit.cmp = CmpOp::Eq;
    else if (accept('<')) lit.cmp = CmpOp::Lt;
    else if (accept('>')) lit.cmp = CmpOp::Gt;
    else if (accept('=')) lit.cmp = CmpOp::Eq;
    else return fail(Error::SyntaxError, "expected a literal or a comparison");
    return expression(lit.args[2], lit.rop, lit.args[3]);
}

} // namespace mosaic::skb
