// The console formatter.
#include <doctest.h>
#include <mosaic/fmt.hpp>

#include <string>

using namespace mosaic;

template <typename... Args> static std::string fmt(const char* f, Args... args) {
    char buf[128];
    BufferSink s(buf, sizeof buf);
    format(s.sink(), f, args...);
    return s.str();
}

TEST_CASE("placeholders") {
    CHECK(fmt("core {} of {}", 3, 4u) == "core 3 of 4");
    CHECK(fmt("{:x}", 0xdeadbeefu) == "0xdeadbeef");
    CHECK(fmt("{:010x}", 0xbeefu) == "0x0000beef");
    CHECK(fmt("[{:4}]", 7) == "[   7]");
    CHECK(fmt("{}", -42) == "-42");
    CHECK(fmt("{}", i64(-9223372036854775807ll - 1)) == "-9223372036854775808");
    CHECK(fmt("{}", ~u64(0)) == "18446744073709551615");
    CHECK(fmt("{} {}", "isa", true) == "isa true");
    CHECK(fmt("{}", 'c') == "c");
    CHECK(fmt("{}", static_cast<const char*>(nullptr)) == "(null)");
}

TEST_CASE("bad or missing arguments print the format as written") {
    CHECK(fmt("no args {}") == "no args {}");
    CHECK(fmt("{:q}", 1) == "{:q}");
    CHECK(fmt("open {", 1) == "open {");
    CHECK(fmt("{{}} {}", 5) == "{}} 5");
}

TEST_CASE("a full buffer truncates and says so") {
    char buf[8];
    BufferSink s(buf, sizeof buf);
    format(s.sink(), "{} {}", "abcdef", "ghijkl");
    CHECK(std::string(s.str()) == "abcdef ");
    CHECK(s.truncated());
}

TEST_CASE("str_copy cuts to fit and always terminates") {
    char small[4] = {'x', 'x', 'x', 'x'};
    str_copy(small, sizeof small, "monitor");
    CHECK(std::string(small) == "mon");
    str_copy(small, sizeof small, "ab");
    CHECK(std::string(small) == "ab");
    str_copy(small, sizeof small, nullptr);
    CHECK(small[0] == 0);
    char one[1] = {'x'};
    str_copy(one, 1, "abc");
    CHECK(one[0] == 0);
}
