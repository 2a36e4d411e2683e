// The SKB request/answer encoding: round trips through serve(), and hostile bytes.
#include "skb_test_util.hpp"

#include <mosaic/skb/wire.hpp>

#include <doctest.h>

using namespace skbtest;
namespace w = mosaic::skb::wire;

namespace {

std::vector<u8> request(w::Kind kind, const std::string& text) {
    std::vector<u8> buf(text.size() + w::kRequestHeader);
    auto n = w::encode_request(kind, text.data(), u32(text.size()), buf.data(), buf.size());
    REQUIRE(n.ok());
    CHECK(*n == buf.size());
    return buf;
}

std::vector<u8> serve(Db& db, const std::vector<u8>& req, size_t cap = 4096) {
    std::vector<u8> out(cap);
    auto n = w::serve(db.engine, req.data(), req.size(), out.data(), out.size());
    REQUIRE(n.ok());
    out.resize(*n);
    return out;
}

} // namespace

TEST_CASE("a load and a query round-trip through the encoding") {
    Db db;
    auto answer = serve(db, request(w::Kind::Load, "core(0, x86_64, node0). core(1, aarch64, node1). lat(0, 1, -5)."));
    w::AnswerReader r;
    REQUIRE(r.open(answer.data(), answer.size()).ok());
    CHECK(r.status() == Error::Ok);
    CHECK(r.rows() == 0);
    answer = serve(db, request(w::Kind::Query, "?- core(Id, Isa, node1), lat(0, Id, L)."));
    REQUIRE(r.open(answer.data(), answer.size()).ok());
    CHECK(r.status() == Error::Ok);
    REQUIRE(r.columns() == 3);
    REQUIRE(r.rows() == 1);
    CHECK(r.name(0)->is("Id"));
    CHECK(r.name(1)->is("Isa"));
    CHECK(r.name(2)->is("L"));
    CHECK(r.name(3).error() == Error::OutOfRange);
    auto id = r.next().value();
    CHECK((!id.is_symbol && id.integer == 1));
    auto isa = r.next().value();
    CHECK((isa.is_symbol && isa.symbol.is("aarch64")));
    CHECK(r.next()->integer == -5);
    CHECK(r.next().error() == Error::NotFound);
}

TEST_CASE("errors travel in the answer with their position") {
    Db db;
    auto answer = serve(db, request(w::Kind::Load, "p(1).\nq(X) :- p(X"));
    w::AnswerReader r;
    REQUIRE(r.open(answer.data(), answer.size()).ok());
    CHECK(r.status() == Error::SyntaxError);
    CHECK(r.line() == 2);
    CHECK(r.column() == 12);
    answer = serve(db, request(w::Kind::Query, "?- p(X), not q(Y)."));
    REQUIRE(r.open(answer.data(), answer.size()).ok());
    CHECK(r.status() == Error::Unsafe);
    CHECK(r.rows() == 0);
}

TEST_CASE("an answer too large for the buffer reports CapacityExceeded") {
    Db db;
    std::string facts;
    for (int i = 0; i < 100; ++i) facts += "v(" + std::to_string(i) + ").";
    serve(db, request(w::Kind::Load, facts));
    auto answer = serve(db, request(w::Kind::Query, "v(X)"), 200);
    w::AnswerReader r;
    REQUIRE(r.open(answer.data(), answer.size()).ok());
    CHECK(r.status() == Error::CapacityExceeded);
    CHECK(r.rows() == 0);
    std::vector<u8> tiny(10);
    auto req = request(w::Kind::Query, "v(X)");
    CHECK(w::serve(db.engine, req.data(), req.size(), tiny.data(), tiny.size()).error() == Error::CapacityExceeded);
}

TEST_CASE("malformed requests are answered with a clear status") {
    Db db;
    auto req = request(w::Kind::Query, "v(X)");
    CHECK(w::decode_request(req.data(), 5).error() == Error::Truncated);
    auto bad = req;
    bad[0] ^= 1;
    CHECK(w::decode_request(bad.data(), bad.size()).error() == Error::BadMagic);
    bad = req;
    bad[4] = 9;
    CHECK(w::decode_request(bad.data(), bad.size()).error() == Error::BadVersion);
    bad = req;
    bad[6] = 7;
    CHECK(w::decode_request(bad.data(), bad.size()).error() == Error::Malformed);
    bad = req;
    bad[8] = 200;
    CHECK(w::decode_request(bad.data(), bad.size()).error() == Error::Truncated);
    bad = req;
    bad.push_back(0);
    CHECK(w::decode_request(bad.data(), bad.size()).error() == Error::Malformed);
    auto answer = serve(db, std::vector<u8>{1, 2, 3});
    w::AnswerReader r;
    REQUIRE(r.open(answer.data(), answer.size()).ok());
    CHECK(r.status() == Error::Truncated);
    std::vector<u8> small(4);
    CHECK(w::encode_request(w::Kind::Query, "v(X)", 4, small.data(), small.size()).error() == Error::CapacityExceeded);
}

TEST_CASE("a query without variables answers rows of no columns when it holds, none when not") {
    Db db;
    serve(db, request(w::Kind::Load, "s(alpha). s(gamma)."));
    w::AnswerReader r;
    for (const char* q : {"s(alpha)", "p = p", "s(gamma), 2 > 1"}) {
        CAPTURE(q);
        auto answer = serve(db, request(w::Kind::Query, q));
        REQUIRE(r.open(answer.data(), answer.size()).ok()); // what serve() writes reads back
        CHECK(r.status() == Error::Ok);
        CHECK(r.columns() == 0);
        CHECK(r.rows() >= 1);
        CHECK(r.next().error() == Error::NotFound); // no values
    }
    for (const char* q : {"s(beta)", "p = q"}) {
        CAPTURE(q);
        auto answer = serve(db, request(w::Kind::Query, q));
        REQUIRE(r.open(answer.data(), answer.size()).ok());
        CHECK(r.status() == Error::Ok);
        CHECK(r.rows() == 0);
        CHECK(r.columns() == 0);
    }
}

TEST_CASE("malformed answers are rejected, never read past their end") {
    Db db;
    serve(db, request(w::Kind::Load, "s(alpha). s(gamma)."));
    auto good = serve(db, request(w::Kind::Query, "s(X)"));
    w::AnswerReader r;
    // Every truncation either fails to open or fails on a value.
    for (size_t cut = 0; cut < good.size(); ++cut) {
        CAPTURE(cut);
        if (!r.open(good.data(), cut).ok()) continue;
        bool failed = false;
        for (u32 i = 0; i < r.rows() * r.columns(); ++i) failed |= !r.next().ok();
        CHECK(failed);
    }
    auto bad = good;
    bad[0] = 0;
    CHECK(r.open(bad.data(), bad.size()).error() == Error::BadMagic);
    bad = good;
    bad[20] = 0; // rows 0 but columns 1
    CHECK(r.open(bad.data(), bad.size()).error() == Error::Malformed);
    bad = good;
    bad[good.size() - 8] = 7; // the tag of the last value: 1 tag + 2 length + 5 bytes
    REQUIRE(r.open(bad.data(), bad.size()).ok());
    CHECK(r.next().ok());
    CHECK(r.next().error() == Error::Malformed);
}
