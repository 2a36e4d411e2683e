// See irqtest.hpp. The test reads the UART only after an interrupt: without one it times
// out, however many bytes wait in the UART.
#include "irqtest.hpp"

#include <mosaic/cpudriver/core.hpp>

namespace mosaic::cpudriver {

namespace {

constexpr char kExpected[] = "mosaic\n";
constexpr u32 kExpectedLen = sizeof kExpected - 1;

struct Line {
    char bytes[16];
    u32 len = 0;
    bool done() const { return len == sizeof bytes || (len && bytes[len - 1] == '\n'); }
};

// Moves what the UART holds into line, up to its end.
void drain(Line& line) {
    for (u8 b; !line.done() && arch::console_read(b);) line.bytes[line.len++] = char(b);
}

// The received bytes for a failure message: printable ASCII as it is, others as \xNN.
const char* escaped(const Line& line, char (&out)[4 * sizeof Line::bytes + 1]) {
    constexpr char kHex[] = "0123456789abcdef";
    u32 n = 0;
    for (u32 i = 0; i < line.len; ++i) {
        u8 c = u8(line.bytes[i]);
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out[n++] = char(c);
        } else {
            out[n++] = '\\', out[n++] = 'x', out[n++] = kHex[c >> 4], out[n++] = kHex[c & 15];
        }
    }
    out[n] = 0;
    return out;
}

} // namespace

void test_uart_rx_irq(SelfTest& t, u64 (*ticks)(), u64 timeout_ticks) {
    CoreState& me = *arch::core_state();
    if (auto s = arch::irq_init(true); !s.ok()) {
        t.check(false, "uart-rx-irq", "interrupt controller setup failed: {}", error_name(s.error()));
        return;
    }
    // Counted from before the interrupt is on: the runner may answer before the line below
    // is finished, and the first interrupt (which leaves the line masked) must not be missed.
    u32 seen = me.irqs, taken = 0, other = 0;
    auto irq = arch::console_rx_irq_enable();
    if (!irq.ok()) {
        t.check(false, "uart-rx-irq", "cannot enable the console receive interrupt: {}", error_name(irq.error()));
        return;
    }
    kprint("  irq: console receive interrupt {} routed to core {:x}\n", *irq, me.hw_id);
    kprint("INPUT ready\n");
    Line line;
    u64 t0 = ticks();
    while (!line.done() && ticks() - t0 < timeout_ticks) {
        if (me.irqs == seen) {
            arch::wait_for_interrupt(); // woken by the UART or the next timer tick
            continue;
        }
        seen = me.irqs;
        u32 n = me.last_irq;
        if (n != *irq) { // nobody services it here: it stays masked
            ++other;
            continue;
        }
        ++taken;
        drain(line);
        arch::irq_unmask(n);
        // Bytes that came while the line was masked: an edge-triggered line (x86) raised for
        // them then would never interrupt again.
        drain(line);
    }
    char shown[4 * sizeof Line::bytes + 1];
    if (!line.done()) {
        Line waiting; // what came without an interrupt tells a lost interrupt from missing input
        drain(waiting);
        t.check(false, "uart-rx-irq", "timeout after {} ticks: {} receive interrupts, {} other, {} bytes '{}', {} unread",
                timeout_ticks, taken, other, line.len, escaped(line, shown), waiting.len);
        return;
    }
    bool same = line.len == kExpectedLen && mem_eq(line.bytes, kExpected, kExpectedLen);
    kprint("  irq: {} receive interrupts brought {} bytes\n", taken, line.len);
    t.check(same, "uart-rx-irq", "wrong bytes: '{}', expected 'mosaic\\x0a'", escaped(line, shown));
}

} // namespace mosaic::cpudriver
