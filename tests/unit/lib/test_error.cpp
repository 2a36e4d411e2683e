// Result<T>, TRY and error texts.
#include <doctest.h>
#include <mosaic/error.hpp>
#include <string.h>

using namespace mosaic;

static Result<int> half(int v) {
    if (v % 2) return Error::InvalidArgument;
    return v / 2;
}

static Result<int> quarter(int v) {
    int h = TRY(half(v));
    return TRY(half(h));
}

TEST_CASE("TRY propagates the first error and passes values through") {
    CHECK(quarter(8).value() == 2);
    CHECK(quarter(6).error() == Error::InvalidArgument);
    CHECK(quarter(5).error() == Error::InvalidArgument);
    CHECK_FALSE(quarter(6).ok());
}

TEST_CASE("every error has a distinct non-empty text") {
    for (int a = 0; a <= int(Error::Busy); ++a) {
        CHECK(strlen(error_name(Error(a))) > 0);
        for (int b = 0; b < a; ++b) CHECK(strcmp(error_name(Error(a)), error_name(Error(b))) != 0);
    }
}
