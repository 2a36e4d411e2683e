// SKB error paths: parse errors with line and column, capacity bounds, bad arguments.
#include "skb_test_util.hpp"

#include <doctest.h>

using namespace skbtest;

namespace {

struct Where {
    Error error;
    u32 line, column;
};

Where parse_error(const std::string& text) {
    Db db;
    Error e = db.load(text);
    return Where{e, db.err.line, db.err.column};
}

} // namespace

TEST_CASE("parse errors report line and column") {
    struct Case {
        const char* text;
        u32 line, column;
    } cases[] = {
        {"p(1)", 1, 5},                          // missing '.'
        {"p(1).\nq(1,).", 2, 5},                 // missing term
        {"% comment\n\n   foo bar.", 3, 8},      // expected '('
        {"p(X) :- q(X), .", 1, 15},              // expected a literal
        {"p(X) :- q(X) r(X).", 1, 14},           // expected '.'
        {"p(\"abc).", 1, 3},                     // unterminated quoted symbol
        {"p(12ab).", 1, 5},                      // bad number
        {"Foo(1).", 1, 1},                       // a variable is no relation name
        {"p(X) :- q(X), X <> 1.", 1, 18},        // '<' then a bad term
        {"p(min<X>).", 1, 10},                   // aggregate without a body
        {"p(min<3>) :- q(X).", 1, 7},            // aggregate over a constant
        {"p(min<X>, max<Y>) :- q(X, Y).", 1, 11},
        {"p(0x).", 1, 5},
        {"?- p(X).", 1, 1},                      // queries are not program clauses
        {"p(1) :- .", 1, 9},
    };
    for (const Case& c : cases) {
        std::string text = c.text;
        CAPTURE(text);
        Where w = parse_error(c.text);
        CHECK(w.error == Error::SyntaxError);
        CHECK(w.line == c.line);
        CHECK(w.column == c.column);
    }
}

TEST_CASE("out-of-range integers are overflow errors") {
    CHECK(parse_error("p(4611686018427387904).").error == Error::Overflow);
    CHECK(parse_error("p(4611686018427387903).").error == Error::Ok);
    CHECK(parse_error("p(-4611686018427387904).").error == Error::Ok);
    CHECK(parse_error("p(99999999999999999999999).").error == Error::Overflow);
}

TEST_CASE("shape limits: arity, body length, variables") {
    CHECK(parse_error("p(1,2,3,4,5,6,7,8).").error == Error::Ok);
    Where w = parse_error("p(1,2,3,4,5,6,7,8,9).");
    CHECK(w.error == Error::CapacityExceeded);
    CHECK(w.column == 19);
    std::string body = "p(X) :- q(X)";
    for (int i = 0; i < 12; ++i) body += ", q(X)";
    CHECK(parse_error(body + ".").error == Error::CapacityExceeded);
    std::string vars = "p(A) :- q(A)";
    for (int i = 0; i < 40; ++i) vars += ", V" + std::to_string(i) + " = A";
    CHECK(parse_error(vars.substr(0, vars.find(", V11")) + ".").error == Error::Ok);
    Db db;
    std::string many = "p(A) :- q(A, B, C, D, E, F, G, H), q(I, J, K, L, M, N, O, P), q(Q, R, S, T, U, V, W, X),"
                       " q(Y, Z, A1, A2, A3, A4, A5, A6), q(A7, A8, A9, A0, B1, B2, B3, B4).";
    CHECK(db.load(many) == Error::CapacityExceeded);
    CHECK(std::string(db.err.message) == "too many variables");
}

TEST_CASE("tuple capacity is reached cleanly and the engine stays usable") {
    Limits small;
    small.max_tuples = 100;
    Db db(small);
    std::string facts;
    for (int i = 0; i < 60; ++i) facts += "e(" + std::to_string(i) + "," + std::to_string(i + 1) + ").\n";
    REQUIRE(db.load(facts) == Error::Ok);
    REQUIRE(db.load("r(X,Y) :- e(X,Y). r(X,Y) :- e(X,Z), r(Z,Y).") == Error::Ok);
    CHECK(db.ask_error("?- r(0, X).") == Error::CapacityExceeded);
    CHECK(db.engine.tuple_count() == 60); // the failed solve left only the facts
    CHECK(db.ask_error("?- e(0, X).") == Error::CapacityExceeded); // and fails the same way again
    CHECK(db.engine.tuple_count() == 60);
    for (int i = 60; i < 100; ++i) {
        Value v[2] = {Value::integer(1000 + i), Value::integer(i)};
        REQUIRE(db.engine.add_fact("e", v, 2).ok());
    }
    Value v[2] = {Value::integer(-1), Value::integer(-2)};
    CHECK(db.engine.add_fact("e", v, 2).error() == Error::CapacityExceeded);
    Db facts_only(small);
    std::string many;
    for (int i = 0; i < 101; ++i) many += "f(" + std::to_string(i) + ").\n";
    CHECK(facts_only.load(many) == Error::CapacityExceeded);
    CHECK(facts_only.err.line == 101);
}

TEST_CASE("other capacities: values, index entries, symbols, relations, rules") {
    {
        Limits l;
        l.max_values = 10;
        Db db(l);
        CHECK(db.load("p(1,2,3). p(4,5,6). p(7,8,9). p(10,11,12).") == Error::CapacityExceeded);
        CHECK(db.engine.tuple_count() == 3);
    }
    {
        Limits l;
        l.max_index_entries = 5;
        Db db(l);
        CHECK(db.load("p(1). p(2). p(3). p(4). p(5). p(6).") == Error::CapacityExceeded);
    }
    {
        Limits l;
        l.max_symbols = 8;
        Db db(l);
        CHECK(db.load("p(a). p(b). p(c). p(d). p(e). p(f). p(g). p(h).") == Error::CapacityExceeded);
        CHECK(std::string(db.err.message) == "symbol table full");
    }
    {
        Limits l;
        l.symbol_bytes = 16;
        Db db(l);
        CHECK(db.load("p(abcdefgh). p(ijklmnopq).") == Error::CapacityExceeded);
    }
    {
        Limits l;
        l.max_relations = 2;
        Db db(l);
        CHECK(db.load("a(1). b(1). c(1).") == Error::CapacityExceeded);
    }
    {
        Limits l;
        l.max_rules = 2;
        Db db(l);
        CHECK(db.load("a(X) :- b(X). a(X) :- c(X). a(X) :- d(X).") == Error::CapacityExceeded);
        CHECK(db.engine.rule_count() == 2);
    }
}

TEST_CASE("a symbol longer than the limit is rejected") {
    std::string text = "p(" + std::string(300, 'a') + ").";
    CHECK(parse_error(text).error == Error::OutOfRange);
}

TEST_CASE("the join-step budget stops runaway evaluation") {
    Limits l;
    l.max_join_steps = 1000;
    Db db(l);
    std::string facts;
    for (int i = 0; i < 30; ++i) facts += "v(" + std::to_string(i) + ").\n";
    REQUIRE(db.load(facts + "pair(X, Y, Z) :- v(X), v(Y), v(Z).") == Error::Ok);
    CHECK(db.ask_error("?- pair(1, 2, X).") == Error::Timeout);
    CHECK(db.engine.tuple_count() == 30);
    Db roomy; // the same program within an unbounded budget
    REQUIRE(roomy.load(facts + "pair(X, Y, Z) :- v(X), v(Y), v(Z).") == Error::Ok);
    CHECK(roomy.ask("?- pair(1, 2, X).").size() == 30);
}

TEST_CASE("too little memory and a missing init are errors") {
    Limits l;
    std::vector<unsigned char> mem(1024);
    Engine e;
    CHECK(e.init(mem.data(), mem.size(), l).error() == Error::NoMemory);
    CHECK(e.load("p(1).", 5).error() == Error::InvalidArgument);
    CHECK(e.solve().error() == Error::InvalidArgument);
    CHECK(e.init(nullptr, 0, l).error() == Error::InvalidArgument);
    // A tiny engine fits in a few kilobytes.
    Limits tiny{16, 256, 8, 4, 32, 64, 64, 16, 0};
    std::vector<unsigned char> small(Engine::arena_bytes(tiny));
    CHECK(small.size() < 16 * 1024);
    CHECK(e.init(small.data(), small.size(), tiny).ok());
    CHECK(e.load("p(1). q(X) :- p(X).", 19).ok());
}
