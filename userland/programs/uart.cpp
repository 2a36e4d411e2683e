// Console input end to end: asks the runner for a line ("INPUT ready") and reads it from the
// node's console service, which takes the UART's receive interrupt (routed to it by the
// monitor) and reads the bytes from the device itself; no kernel console read is involved.
// Exit 0 when the line "mosaic\n" came in; 1 for other bytes; 10 with no console service.
#include <mosaic/user/monitor.hpp>

using namespace mosaic;

namespace {
constexpr char kExpected[] = "mosaic\n";
} // namespace

int main(u64) {
    auto service = user::mon::console();
    if (!service.ok()) {
        user::print("user: input: no console service on this core: {}\n", error_name(service.error()));
        return 10;
    }
    user::print("INPUT ready\n");
    char line[32] = {};
    auto n = user::mon::read_line(line, sizeof line - 1);
    if (!n.ok()) {
        user::print("user: input: no line: {}\n", error_name(n.error()));
        return 11;
    }
    bool same = *n == sizeof kExpected - 1 && mem_eq(line, kExpected, *n);
    char shown[sizeof line] = {};
    for (usize i = 0; i < *n; ++i) shown[i] = line[i] >= 0x20 && line[i] < 0x7f ? line[i] : '.';
    user::print("user: input: the console service brought {} bytes '{}'\n", *n, shown);
    return same ? 0 : 1;
}
