// A user-level driver for the console's receive interrupt: asks its monitor for it, asks the runner
// for input ("INPUT ready"), and for each interrupt message reads what the UART holds,
// acknowledges the interrupt, and reads again (bytes that came while the line was masked
// raise no new edge on x86). Exit 0 when the line "mosaic\n" came in; 1 for other bytes.
#include <mosaic/user/monitor.hpp>

using namespace mosaic;

namespace {
constexpr char kExpected[] = "mosaic\n";

struct Line {
    char bytes[16] = {};
    u32 len = 0;
    bool done() const { return len == sizeof bytes || (len && bytes[len - 1] == '\n'); }
    void drain() {
        while (!done()) {
            auto r = user::call(sys::Number::ConsoleRead);
            if (r.error || r.value[0] == 0) return;
            for (u64 i = 0; i < r.value[0] && !done(); ++i) bytes[len++] = char(r.value[1] >> (8 * i));
        }
    }
};
} // namespace

int main(u64) {
    // The monitor decides who drives the console's input; the CPU driver then says which
    // line it gave us, and refuses anyone the monitor did not route it to.
    auto routed = user::mon::irq(sys::kIrqConsoleRx);
    auto attach = user::call(sys::Number::IrqAttach, sys::kIrqConsoleRx);
    if (!routed.ok() || attach.error || attach.value[0] != *routed) {
        user::print("user: uart driver: no interrupt: {}, {}\n", error_name(routed.ok() ? Error::Ok : routed.error()),
                    error_name(user::error_of(attach)));
        return 10;
    }
    user::print("user: uart driver owns interrupt {}\n", attach.value[0]);
    user::print("INPUT ready\n");
    Line line;
    u32 interrupts = 0;
    while (!line.done()) {
        auto m = user::lmp_receive();
        if (!m.ok()) return 11;
        if (m->sender != sys::kIrqSender) continue;
        ++interrupts;
        line.drain();
        if (user::error_of(user::call(sys::Number::IrqAck, m->word[0])) != Error::Ok) return 12;
        line.drain();
    }
    bool same = line.len == sizeof kExpected - 1 && mem_eq(line.bytes, kExpected, line.len);
    char shown[sizeof line.bytes + 1] = {};
    for (u32 i = 0; i < line.len; ++i) shown[i] = line.bytes[i] >= 0x20 && line.bytes[i] < 0x7f ? line.bytes[i] : '.';
    user::print("user: uart driver: {} interrupts brought {} bytes '{}'\n", interrupts, line.len, shown);
    return same ? 0 : 1;
}
