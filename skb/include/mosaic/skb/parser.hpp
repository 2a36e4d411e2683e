// The SKB's text syntax (documented in skb/README.md): facts, rules and queries, one
// clause at a time, with the line and column of the first error.
#pragma once

#include <mosaic/error.hpp>
#include <mosaic/skb/program.hpp>
#include <mosaic/skb/symbols.hpp>

namespace mosaic::skb {

// Where and why a text was rejected. line and column count from 1.
struct ParseError {
    Error error = Error::Ok;
    u32 line = 0;
    u32 column = 0;
    const char* message = "";
};

class Parser {
  public:
    // Parses text[0..len); names and symbol constants are interned in symbols.
    Parser(const char* text, usize len, Symbols& symbols) : text_(text), len_(len), symbols_(symbols) {}

    // Parses the next clause into out. Returns true for a clause, false at the end of the
    // input, or an error (also described in err).
    Result<bool> next(ParsedClause& out, ParseError& err);
    // Parses text that is one query body, with or without the leading "?-" and final ".".
    Status query(ParsedClause& out, ParseError& err);

  private:
    struct Mark {
        usize pos;
        u32 line, column;
    };

    Status fail(Error e, const char* message);
    Status fail_at(const Mark& m, Error e, const char* message);
    Mark mark() {
        skip_space();
        return Mark{pos_, line_, column_};
    }
    void skip_space();
    bool at(char c) const { return pos_ < len_ && text_[pos_] == c; }
    bool at2(char a, char b) const { return pos_ + 1 < len_ && text_[pos_] == a && text_[pos_ + 1] == b; }
    void advance(usize n = 1);
    bool accept(char c);
    bool accept2(char a, char b);
    Status expect(char c, const char* message);
    StrView identifier();
    bool at_keyword_not();
    Status body();
    Status literal(Literal& lit);
    Status atom(Literal& lit, bool head);
    Status head_argument(Literal& lit, u32 index);
    Status term(Term& t);
    Status expression(Term& a, ArithOp& op, Term& b);
    Status comparison(Literal& lit);
    Result<u16> variable(StrView name);
    Status number(Term& t, bool negative);
    Status quoted(Term& t);

    const char* text_;
    usize len_;
    Symbols& symbols_;
    usize pos_ = 0;
    u32 line_ = 1;
    u32 column_ = 1;
    ParsedClause* out_ = nullptr;
    ParseError* err_ = nullptr;
};

} // namespace mosaic::skb
