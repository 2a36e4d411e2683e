// The SKB's standard answers for the shipped board profiles, computed from the manifest
// exactly as the guests compute them.
#include <doctest.h>
#include <mosaic/skb/board.hpp>

#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

using namespace mosaic;

static BoardProfile load_board(const char* name) {
    std::ifstream f(std::string(MOSAIC_BOARDS) + "/" + name + ".board");
    std::string text(std::istreambuf_iterator<char>(f), {});
    BoardError err;
    auto b = parse_board(text.data(), text.size(), err);
    REQUIRE(b.ok());
    return *b;
}

static std::vector<std::string> answers(const BoardProfile& b) {
    std::vector<u8> mem(skb::Engine::arena_bytes(skb::kBoardLimits));
    skb::Engine e;
    REQUIRE(e.init(mem.data(), mem.size(), skb::kBoardLimits).ok());
    std::vector<char> buf(64 * 1024);
    auto n = skb::board_answers(e, b, buf.data(), buf.size());
    REQUIRE(n.ok());
    std::vector<std::string> lines;
    std::istringstream in(std::string(buf.data(), *n));
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

static bool has(const std::vector<std::string>& lines, const std::string& line) {
    for (auto& l : lines)
        if (l == line) return true;
    return false;
}

TEST_CASE("qemu-hetero: transports between all 36 core pairs, devices placed on their node") {
    auto lines = answers(load_board("qemu-hetero"));
    int transports = 0;
    for (auto& l : lines) transports += l.find("T=") != std::string::npos;
    CHECK(transports == 36);
    CHECK(has(lines, "A=0 B=0 T=lmp"));
    CHECK(has(lines, "A=0 B=1 T=urpc"));
    CHECK(has(lines, "A=0 B=2 T=urpc_interconnect"));
    CHECK(has(lines, "A=5 B=0 T=urpc_interconnect"));
    CHECK(has(lines, "D=ivshmem1 C=2"));
}

TEST_CASE("a single-node board has no interconnect transport and no devices to place") {
    auto lines = answers(load_board("qemu-x86_64"));
    CHECK(lines.size() == 16);
    for (auto& l : lines) CHECK(l.find("urpc_interconnect") == std::string::npos);
    CHECK(has(lines, "A=3 B=2 T=urpc"));
}
