// SKB engine: recursion, joins, negation, comparisons, arithmetic, aggregates, queries.
#include "skb_test_util.hpp"

#include <doctest.h>

using namespace skbtest;

TEST_CASE("facts are deduplicated and queried with constants and variables") {
    Db db;
    REQUIRE(db.load("core(0, x86_64, node0). core(1, x86_64, node0). core(1, x86_64, node0).\n"
                    "core(2, aarch64, node1).") == Error::Ok);
    CHECK(db.engine.relation_size("core").value() == 3);
    CHECK(db.ask("?- core(C, x86_64, N).") == rows({"0,node0", "1,node0"}));
    CHECK(db.ask("core(2, I, _)") == rows({"aarch64"}));
    CHECK(db.ask("?- core(9, I, N).").empty());
}

TEST_CASE("a query without variables answers once when it holds") {
    Db db;
    REQUIRE(db.load("p(1).") == Error::Ok);
    CHECK(db.ask("?- p(1).").size() == 1);
    CHECK(db.ask("?- p(2).").empty());
}

TEST_CASE("transitive closure over a chain and a cycle") {
    Db db;
    REQUIRE(db.load("edge(a,b). edge(b,c). edge(c,d). edge(x,y). edge(y,x).\n"
                    "reach(X,Y) :- edge(X,Y).\n"
                    "reach(X,Y) :- edge(X,Z), reach(Z,Y).") == Error::Ok);
    CHECK(db.ask("?- reach(a, X).") == rows({"b", "c", "d"}));
    CHECK(db.ask("?- reach(X, d).") == rows({"a", "b", "c"}));
    CHECK(db.ask("?- reach(x, X).") == rows({"x", "y"}));
    CHECK(db.engine.relation_size("reach").value() == 6 + 4);
}

TEST_CASE("non-linear recursion reaches the same closure") {
    Db db;
    std::string prog = "path(X,Y) :- e(X,Y).\npath(X,Y) :- path(X,Z), path(Z,Y).\n";
    for (int i = 0; i < 40; ++i) prog += "e(" + std::to_string(i) + "," + std::to_string(i + 1) + ").\n";
    REQUIRE(db.load(prog) == Error::Ok);
    CHECK(db.engine.relation_size("path").value() == 41 * 40 / 2);
    CHECK(db.ask("?- path(0, 40).").size() == 1);
    CHECK(db.ask("?- path(40, 0).").empty());
}

TEST_CASE("mutual recursion") {
    Db db;
    REQUIRE(db.load("n(0). succ(0,1). succ(1,2). succ(2,3). succ(3,4).\n"
                    "even(X) :- n(X).\n"
                    "odd(Y) :- even(X), succ(X,Y).\n"
                    "even(Y) :- odd(X), succ(X,Y).") == Error::Ok);
    CHECK(db.ask("?- even(X).") == rows({"0", "2", "4"}));
    CHECK(db.ask("?- odd(X).") == rows({"1", "3"}));
}

TEST_CASE("joins bind shared variables and repeated variables in one atom") {
    Db db;
    REQUIRE(db.load("parent(ann, bob). parent(bob, cid). parent(bob, dan). parent(eve, eve).\n"
                    "grand(G, C) :- parent(G, P), parent(P, C).\n"
                    "self(X) :- parent(X, X).\n"
                    "sibling(A, B) :- parent(P, A), parent(P, B), A != B.") == Error::Ok);
    CHECK(db.ask("?- grand(G, C).") == rows({"ann,cid", "ann,dan", "eve,eve"}));
    CHECK(db.ask("?- self(X).") == rows({"eve"}));
    CHECK(db.ask("?- sibling(cid, X).") == rows({"dan"}));
    CHECK(db.ask("?- parent(X, Y), parent(Y, Z).") == rows({"ann,bob,cid", "ann,bob,dan", "eve,eve,eve"}));
}

TEST_CASE("stratified negation") {
    Db db;
    REQUIRE(db.load("node(a). node(b). node(c). node(d). edge(a,b). edge(b,c).\n"
                    "reach(X) :- edge(a, X).\n"
                    "reach(Y) :- reach(X), edge(X, Y).\n"
                    "unreached(X) :- node(X), not reach(X), X != a.\n"
                    "isolated(X) :- node(X), not edge(X, _), not edge(_, X).") == Error::Ok);
    CHECK(db.ask("?- unreached(X).") == rows({"d"}));
    CHECK(db.ask("?- isolated(X).") == rows({"d"}));
    CHECK(db.ask("?- node(X), not reach(X).") == rows({"a", "d"}));
}

TEST_CASE("negation through recursion is rejected as not stratifiable") {
    Db db;
    REQUIRE(db.load("move(a,b). move(b,a).\n"
                    "win(X) :- move(X, Y), not win(Y).") == Error::Ok);
    CHECK(db.ask_error("?- win(X).") == Error::NotStratifiable);
    Db db2;
    REQUIRE(db2.load("p(X) :- q(X), not r(X). r(X) :- q(X), not p(X). q(1).") == Error::Ok);
    CHECK(db2.engine.solve().error() == Error::NotStratifiable);
}

TEST_CASE("aggregates over a cycle are rejected as not stratifiable") {
    Db db;
    REQUIRE(db.load("e(1). c(N) :- e(N). e(N) :- c(M), N = M + 1, N < 3. c2(count<N>) :- c(N). e(N) :- c2(N).") == Error::Ok);
    CHECK(db.engine.solve().error() == Error::NotStratifiable);
}

TEST_CASE("integer comparisons") {
    Db db;
    REQUIRE(db.load("v(1). v(2). v(3). v(-4). v(0x10). v(sym).\n"
                    "lt(X) :- v(X), X < 2.\n le(X) :- v(X), X <= 2.\n gt(X) :- v(X), X > 2.\n"
                    "ge(X) :- v(X), X >= 3.\n eq(X) :- v(X), X = 3.\n ne(X) :- v(X), X != 3.") == Error::Ok);
    CHECK(db.ask("?- lt(X).") == rows({"-4", "1"}));
    CHECK(db.ask("?- le(X).") == rows({"-4", "1", "2"}));
    CHECK(db.ask("?- gt(X).") == rows({"16", "3"}));
    CHECK(db.ask("?- ge(X).") == rows({"16", "3"}));
    CHECK(db.ask("?- eq(X).") == rows({"3"}));
    CHECK(db.ask("?- ne(X).") == rows({"-4", "1", "16", "2", "sym"}));
    CHECK(db.ask("?- v(X), v(Y), X < Y, Y < 2.") == rows({"-4,1"}));
}

TEST_CASE("arithmetic binds new variables and filters") {
    Db db;
    REQUIRE(db.load("n(1). n(2). n(5). pair(3, 4).\n"
                    "next(X, Y) :- n(X), Y = X + 1.\n"
                    "prev(X, Y) :- n(X), X - 1 = Y.\n"
                    "sq(X, Y) :- n(X), Y = X * X.\n"
                    "sum(Z) :- pair(X, Y), Z = X + Y.\n"
                    "gap(X, Y) :- n(X), n(Y), Y - X = 3.\n"
                    "count_to(0). count_to(Y) :- count_to(X), Y = X + 1, Y <= 10.") == Error::Ok);
    CHECK(db.ask("?- next(X, Y).") == rows({"1,2", "2,3", "5,6"}));
    CHECK(db.ask("?- prev(X, Y).") == rows({"1,0", "2,1", "5,4"}));
    CHECK(db.ask("?- sq(5, Y).") == rows({"25"}));
    CHECK(db.ask("?- sum(Z).") == rows({"7"}));
    CHECK(db.ask("?- gap(X, Y).") == rows({"2,5"}));
    CHECK(db.engine.relation_size("count_to").value() == 11);
}

TEST_CASE("arithmetic overflow is an error, arithmetic on symbols matches nothing") {
    Db db;
    REQUIRE(db.load("big(0x3fffffffffffffff). s(abc).\n"
                    "over(Y) :- big(X), Y = X + X.\n"
                    "symsum(Y) :- s(X), Y = X + 1.") == Error::Ok);
    CHECK(db.ask_error("?- over(Y).") == Error::Overflow);
    Db db2;
    REQUIRE(db2.load("s(abc). symsum(Y) :- s(X), Y = X + 1.") == Error::Ok);
    CHECK(db2.ask("?- symsum(Y).").empty());
}

TEST_CASE("aggregates min, max, count and sum per group") {
    Db db;
    REQUIRE(db.load("lat(a, b, 30). lat(a, b, 20). lat(a, c, 50). lat(b, c, 10). lat(b, c, 10).\n"
                    "min_lat(A, B, min<L>) :- lat(A, B, L).\n"
                    "max_lat(A, max<L>) :- lat(A, _, L).\n"
                    "fanout(A, count<B>) :- lat(A, B, _).\n"
                    "total(A, sum<L>) :- lat(A, _, L).\n"
                    "all(count<L>) :- lat(_, _, L).") == Error::Ok);
    CHECK(db.ask("?- min_lat(A, B, L).") == rows({"a,b,20", "a,c,50", "b,c,10"}));
    CHECK(db.ask("?- max_lat(A, L).") == rows({"a,50", "b,10"}));
    CHECK(db.ask("?- fanout(A, N).") == rows({"a,2", "b,1"}));
    // Sums range over distinct values per group: a has 30, 20 and 50.
    CHECK(db.ask("?- total(A, S).") == rows({"a,100", "b,10"}));
    CHECK(db.ask("?- all(N).") == rows({"4"}));
}

TEST_CASE("aggregate results feed later strata") {
    Db db;
    REQUIRE(db.load("lat(0,1,5). lat(0,2,3). lat(0,3,3).\n"
                    "best(min<L>) :- lat(0, _, L).\n"
                    "closest(C) :- lat(0, C, L), best(L).\n"
                    "pick(min<C>) :- closest(C).") == Error::Ok);
    CHECK(db.ask("?- closest(C).") == rows({"2", "3"}));
    CHECK(db.ask("?- pick(C).") == rows({"2"}));
}

TEST_CASE("a relation with an aggregate rule takes no other rule") {
    Db db;
    CHECK(db.load("m(min<X>) :- v(X).\nm(X) :- w(X).") == Error::Unsupported);
    CHECK(db.err.line == 2);
}

TEST_CASE("unsafe rules are rejected with their position") {
    Db db;
    CHECK(db.load("p(X, Y) :- q(X).") == Error::Unsafe);
    CHECK(db.err.line == 1);
    CHECK(db.err.column == 1);
    CHECK(db.load("\n  p1(X) :- q(X), not r(Y).") == Error::Unsafe);
    CHECK(db.err.line == 2);
    CHECK(db.err.column == 3);
    CHECK(db.load("p2(X) :- q(X), Y < X.") == Error::Unsafe);
    CHECK(db.load("p3(X) :- q(X), X < _.") == Error::Unsafe);
    CHECK(db.load("p4(_) :- q(X).") == Error::Unsafe);
    CHECK(db.load("p5(X).") == Error::Unsafe);
    CHECK(db.load("p6(Y) :- q(X), Y = Z + 1.") == Error::Unsafe);
    CHECK(db.engine.rule_count() == 0);
    CHECK(db.ask_error("?- q(X), not r(Y).") == Error::Unsafe);
    // Equalities bind in either direction and in any written order.
    CHECK(db.load("q(1). s1(Y) :- Y = X + 1, q(X).") == Error::Ok);
    CHECK(db.load("s2(Y) :- q(X), X + 1 = Y.") == Error::Ok);
    CHECK(db.ask("?- s1(Y), s2(Y).") == rows({"2"}));
}

TEST_CASE("a relation keeps one arity") {
    Db db;
    CHECK(db.load("p(1). p(1, 2).") == Error::InvalidArgument);
    CHECK(db.err.column == 7);
}

TEST_CASE("loading more facts after a query derives again") {
    Db db;
    REQUIRE(db.load("e(1,2). r(X,Y) :- e(X,Y). r(X,Y) :- e(X,Z), r(Z,Y).") == Error::Ok);
    CHECK(db.ask("?- r(1, X).") == rows({"2"}));
    REQUIRE(db.load("e(2,3).") == Error::Ok);
    CHECK(db.ask("?- r(1, X).") == rows({"2", "3"}));
    Value v[2] = {Value::integer(3), Value::integer(4)};
    REQUIRE(db.engine.add_fact("e", v, 2).ok());
    CHECK(db.ask("?- r(1, X).") == rows({"2", "3", "4"}));
    REQUIRE(db.load("r(9, 9).") == Error::Ok);
    CHECK(db.ask("?- r(9, X).") == rows({"9"}));
    CHECK(db.engine.add_fact("e", v, 3).error() == Error::InvalidArgument);
}

TEST_CASE("queries leave no tuples behind") {
    Db db;
    REQUIRE(db.load("e(1,2). e(2,3).") == Error::Ok);
    REQUIRE(db.engine.solve().ok());
    u32 before = db.engine.tuple_count();
    CHECK(db.ask("?- e(X, Y), e(Y, Z).") == rows({"1,2,3"}));
    CHECK(db.engine.tuple_count() == before);
}

TEST_CASE("answers carry the variable names in order of appearance") {
    Db db;
    REQUIRE(db.load("core(0, x86_64, node0).") == Error::Ok);
    std::vector<std::string> names;
    auto each = [&](const Answer& a) {
        for (u32 i = 0; i < a.arity; ++i) names.emplace_back(a.names[i].data, a.names[i].len);
    };
    std::string q = "?- core(Id, _, Node).";
    CHECK(db.engine.query(q.data(), q.size(), each).value() == 1);
    CHECK(names == std::vector<std::string>{"Id", "Node"});
}

TEST_CASE("an answer callback can stop the query with an error") {
    Db db;
    REQUIRE(db.load("v(1). v(2). v(3).") == Error::Ok);
    int calls = 0;
    auto stop = [](void* ctx, const Answer&) -> Status {
        ++*static_cast<int*>(ctx);
        return Error::Busy;
    };
    CHECK(db.engine.query("v(X)", 4, stop, &calls).error() == Error::Busy);
    CHECK(calls == 1);
    CHECK(db.ask("v(X)").size() == 3);
}

TEST_CASE("symbols: quoted, interned once, and usable from add_fact") {
    Db db;
    REQUIRE(db.load("dev(\"virtio-net\", node0). dev(plain, node0).") == Error::Ok);
    CHECK(db.ask("?- dev(\"virtio-net\", N).") == rows({"node0"}));
    Value a = db.engine.symbol("plain", 5).value();
    Value b = db.engine.symbol("plain", 5).value();
    CHECK(a == b);
    Value n = db.engine.symbol("node1", 5).value();
    Value args[2] = {a, n};
    REQUIRE(db.engine.add_fact("dev", args, 2).ok());
    CHECK(db.ask("?- dev(plain, N).") == rows({"node0", "node1"}));
}

TEST_CASE("closure and its complement agree with a breadth-first search on random graphs") {
    for (unsigned seed = 1; seed <= 20; ++seed) {
        CAPTURE(seed);
        unsigned x = seed * 2654435761u;
        auto rnd = [&](unsigned n) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            return x % n;
        };
        unsigned nodes = 5 + rnd(25), nedges = rnd(nodes * 2);
        std::vector<std::vector<int>> adj(nodes);
        std::string prog = "reach(X,Y) :- edge(X,Y).\nreach(X,Y) :- reach(X,Z), edge(Z,Y).\n"
                           "cut(X,Y) :- node(X), node(Y), not reach(X,Y).\n";
        for (unsigned i = 0; i < nodes; ++i) prog += "node(" + std::to_string(i) + ").\n";
        for (unsigned i = 0; i < nedges; ++i) {
            int a = int(rnd(nodes)), b = int(rnd(nodes));
            adj[a].push_back(b);
            prog += "edge(" + std::to_string(a) + "," + std::to_string(b) + ").\n";
        }
        Db db;
        REQUIRE(db.load(prog) == Error::Ok);
        std::vector<std::string> reach, cut;
        for (unsigned s = 0; s < nodes; ++s) {
            std::vector<bool> seen(nodes);
            std::vector<int> todo(adj[s].begin(), adj[s].end());
            while (!todo.empty()) {
                int v = todo.back();
                todo.pop_back();
                if (seen[v]) continue;
                seen[v] = true;
                todo.insert(todo.end(), adj[v].begin(), adj[v].end());
            }
            for (unsigned t = 0; t < nodes; ++t)
                (seen[t] ? reach : cut).push_back(std::to_string(s) + "," + std::to_string(t));
        }
        std::sort(reach.begin(), reach.end());
        std::sort(cut.begin(), cut.end());
        CHECK(db.ask("?- reach(X, Y).") == reach);
        CHECK(db.ask("?- cut(X, Y).") == cut);
    }
}
