// Board-profile parsing and validation: the shipped boards and every kind of bad input.
#include <doctest.h>
#include <mosaic/board.hpp>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

using namespace mosaic;

static Result<BoardProfile> parse(const std::string& s, BoardError& e) { return parse_board(s.data(), s.size(), e); }

static const std::string kGood = R"(# a comment
[board]
name = two-node
description = test board
interconnect = 1M
timeout = 30

[node a]
isa = x86_64
machine = q35
cores = 2
memory = 128M
image_addr = 0x4000000
exit = isa-debug-exit

[node b]   # trailing comment
isa = riscv64
machine = virt
cores = 1
memory = 64M
image_addr = 0x80200000
exit = sifive-test
)";

TEST_CASE("a good profile parses into nodes") {
    BoardError e;
    auto b = parse(kGood, e);
    REQUIRE(b.ok());
    CHECK(std::string(b->name) == "two-node");
    CHECK(b->interconnect == (1u << 20));
    CHECK(b->timeout == 30);
    CHECK(b->node_count == 2);
    CHECK(b->nodes[1].isa == Isa::Riscv64);
    CHECK(b->nodes[0].memory == (128ull << 20));
    CHECK(b->nodes[1].image_addr == 0x80200000);
    CHECK(b->total_cores() == 3);
    CHECK(*b->node_of(Isa::Riscv64) == 1);
    CHECK(b->node_of(Isa::Aarch64).error() == Error::NotFound);
    CHECK(b->first_core(1) == b->nodes[0].cores);
    for (u32 core = 0; core < b->total_cores(); ++core) // each core in the node whose range holds it
        CHECK(b->node_of_core(core) == (core < b->first_core(1) ? 0u : 1u));
    CHECK(b->node_of_core(b->total_cores()) == b->node_count); // beyond the board
}

TEST_CASE("the shipped board profiles are valid") {
    for (const char* name : {"qemu-x86_64", "qemu-aarch64", "qemu-riscv64", "qemu-hetero"}) {
        std::ifstream f(std::string(MOSAIC_BOARDS) + "/" + name + ".board");
        REQUIRE(f);
        std::string text(std::istreambuf_iterator<char>(f), {});
        BoardError e;
        auto b = parse(text, e);
        INFO(name, ": ", e.message);
        REQUIRE(b.ok());
        CHECK(std::string(b->name) == name);
    }
}

static void expect_error(const std::string& text, Error code, unsigned line, const char* field) {
    BoardError e;
    auto b = parse(text, e);
    INFO(text);
    REQUIRE_FALSE(b.ok());
    CHECK(b.error() == code);
    CHECK(e.code == code);
    CHECK(e.line == line);
    CHECK(std::string(e.field) == field);
    CHECK(std::strlen(e.message) > 0);
}

static std::string replace(std::string s, const std::string& from, const std::string& to) {
    auto at = s.find(from);
    REQUIRE(at != std::string::npos);
    return s.replace(at, from.size(), to);
}

TEST_CASE("bad profiles name the line and field") {
    expect_error(replace(kGood, "isa = riscv64", "isa = mips"), Error::InvalidArgument, 17, "isa");
    expect_error(replace(kGood, "cores = 2", "cores = 0"), Error::OutOfRange, 11, "cores");
    expect_error(replace(kGood, "cores = 2", "cores = two"), Error::InvalidArgument, 11, "cores");
    expect_error(replace(kGood, "memory = 128M", "memory = 1M"), Error::OutOfRange, 12, "memory");
    expect_error(replace(kGood, "image_addr = 0x4000000", "image_addr = 0x4000001"), Error::Misaligned, 13, "image_addr");
    expect_error(replace(kGood, "exit = sifive-test", "exit = reboot"), Error::InvalidArgument, 22, "exit");
    expect_error(replace(kGood, "exit = sifive-test", "exit = isa-debug-exit"), Error::Unsupported, 0, "exit");
    expect_error(replace(kGood, "machine = q35\n", ""), Error::NotFound, 0, "machine");
    expect_error(replace(kGood, "interconnect = 1M\n", ""), Error::NotFound, 0, "interconnect");
    expect_error(replace(kGood, "interconnect = 1M", "interconnect = 3M"), Error::InvalidArgument, 0, "interconnect");
    expect_error(replace(kGood, "timeout = 30", "timeout = 0"), Error::OutOfRange, 6, "timeout");
    expect_error(replace(kGood, "memory = 64M", "memory = 99999999999999999999"), Error::Overflow, 20, "memory");
    expect_error(replace(kGood, "[node b]", "[node a]"), Error::AlreadyExists, 16, "node");
    expect_error(replace(kGood, "[node b]", "[nod b]"), Error::SyntaxError, 16, "");
    expect_error(replace(kGood, "name = two-node", "colour = blue"), Error::NotFound, 3, "");
    expect_error(replace(kGood, "name = two-node", "name two-node"), Error::SyntaxError, 3, "");
    expect_error(replace(kGood, "name = two-node", "name ="), Error::SyntaxError, 3, "");
    expect_error("isa = x86_64\n", Error::SyntaxError, 1, "");
    expect_error("", Error::NotFound, 0, "board");
    expect_error("[board]\nname = x\n", Error::NotFound, 0, "node");
    expect_error(std::string("[board]\nname = x\0y\n", 20), Error::Malformed, 2, "");
}

TEST_CASE("overlong values are refused, not truncated") {
    BoardError e;
    auto b = parse(replace(kGood, "name = two-node", "name = " + std::string(40, 'x')), e);
    CHECK(b.error() == Error::OutOfRange);
    CHECK(std::string(e.field) == "name");
}

TEST_CASE("services: the programs init starts, in order, with the RAM each gets") {
    BoardError e;
    std::string with = kGood;
    with.insert(with.find("timeout = 30") + 12, "\nservices = memserv:256K  logger  spare_1:64K");
    auto b = parse(with, e);
    REQUIRE(b.ok());
    REQUIRE(b->service_count == 3);
    CHECK(std::string(b->services[0].name) == "memserv");
    CHECK(b->services[0].ram == 256 * 1024);
    CHECK(std::string(b->services[1].name) == "logger");
    CHECK(b->services[1].ram == 0);
    CHECK(std::string(b->services[2].name) == "spare_1");
    CHECK(b->services[2].ram == 64 * 1024);
    CHECK(parse(kGood, e)->service_count == 0); // none unless a profile names them
    for (const char* bad : {"services = Mem", "services = memserv:100K", "services = memserv:2M",
                            "services = a_name_of_sixteen_", "services = memserv:x",
                            "services = a b c d e f g h i"}) {
        std::string text = kGood;
        text.insert(text.find("timeout = 30") + 12, std::string("\n") + bad);
        auto r = parse(text, e);
        CAPTURE(bad);
        CHECK_FALSE(r.ok());
        CHECK(std::string(e.field) == "services");
    }
}
