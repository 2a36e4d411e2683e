// render_answers(): the canonical answer text a boot test compares with the host's.
#include "board_profiles.hpp"
#include "skb_test_util.hpp"

#include <mosaic/skb/report.hpp>

#include <doctest.h>

using namespace skbtest;

TEST_CASE("answers render as name=value lines") {
    Db db;
    REQUIRE(db.load("lat(0, 1, -250). lat(0, 2, 17). ok(1).") == Error::Ok);
    char buf[256];
    auto n = render_answers(db.engine, "?- lat(0, C, L), L < 0.", buf, sizeof buf);
    REQUIRE(n.ok());
    CHECK(std::string(buf, *n) == "C=1 L=-250\n");
    CHECK(std::string(buf) == "C=1 L=-250\n");
    CHECK(render_answers(db.engine, "ok(1)", buf, sizeof buf).value() == 5);
    CHECK(std::string(buf) == "true\n");
    CHECK(render_answers(db.engine, "ok(2)", buf, sizeof buf).value() == 0);
    CHECK(render_answers(db.engine, "lat(0, C, L)", buf, 8).error() == Error::CapacityExceeded);
    CHECK(std::string(buf).empty());
    CHECK(render_answers(db.engine, "lat(0, C", buf, sizeof buf).error() == Error::SyntaxError);
}

TEST_CASE("the same facts and rules give the same text in every engine") {
    Profile p = qemu_hetero();
    std::string first;
    for (int round = 0; round < 2; ++round) {
        Limits l;
        if (round == 1) l.index_buckets = 64; // a different memory layout, the same answers
        Db db(l);
        REQUIRE(db.load(p.text()) == Error::Ok);
        REQUIRE(db.load(rule_text("transport")) == Error::Ok);
        std::vector<char> buf(1 << 14);
        auto n = render_answers(db.engine, "?- transport(A, B, T).", buf.data(), buf.size());
        REQUIRE(n.ok());
        std::string text(buf.data(), *n);
        CHECK(std::count(text.begin(), text.end(), '\n') == 36);
        // Asking again after the query's tuples were dropped gives the same text.
        CHECK(std::string(buf.data(), render_answers(db.engine, "transport(A, B, T)", buf.data(), buf.size()).value()) == text);
        if (round == 0) first = text;
        else CHECK(text == first);
    }
}
