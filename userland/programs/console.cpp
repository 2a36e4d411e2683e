// The console service: the user-level driver of the node's console UART, which every
// program and monitor of the node prints through (userland/include/mosaic/user/console.hpp),
// so that cores share no console lock in normal operation. Its monitor starts it on the core
// the SKB places it (place_service(console, C)) and hands it the UART's registers: a device
// frame it maps itself, or an I/O port range it drives through capability invocations.
// It keeps one line per (sender, source) and writes each line whole, tagged with the core it
// comes from ("c3| "). It is also the UART's
// input driver: its monitor routes it the receive interrupt, it echoes and edits what is
// typed (backspace, Ctrl-C abandons the line), and it hands whole lines to a program of its
// core that asks (kRead); that program's unfinished output line is written first, as its prompt.
//
// arg: the device (mosaic::ConsoleKind) | the registers' offset in their page << 8. It takes
// the capability from its monitor's first message, in slot kRegs.
#include <mosaic/bootfacts.hpp>
#include <mosaic/uart.hpp>
#include <mosaic/user/caps.hpp>
#include <mosaic/user/console.hpp>
#include <mosaic/user/monitor.hpp>
#include <mosaic/user/vspace.hpp>

using namespace mosaic;

namespace {

constexpr u32 kRegs = sys::kSlotFirstFree;      // the UART's registers, from the monitor
constexpr u32 kIrq = kRegs + 1;                  // its receive interrupt, from the monitor
constexpr u64 kRam = 64 * 1024;                  // for the page tables of its mapping
constexpr u32 kLines = 32, kLineBytes = 240;

u32 g_kind = 0;
volatile u8* g_mmio = nullptr;
user::Vspace g_vs;

// The UART: wait for room, put one byte.
u8 port_in(u64 offset) {
    auto v = user::cap::io_read(caps::CPtr::at(kRegs), offset);
    return v.ok() ? u8(*v) : 0xff;
}
void port_out(u64 offset, u8 v) { (void)user::cap::io_write(caps::CPtr::at(kRegs), offset, v); }
void put(u8 c) {
    if (g_kind == kConsole16550Port) {
        for (u32 i = 0; i < 100000 && !(port_in(5) & 0x20); ++i) {} // LSR: transmit holding register empty
        port_out(0, c);
        return;
    }
    if (g_mmio) uart::put(g_kind, u64(uptr(g_mmio)), c);
}
void put_text(const char* s, u32 n) {
    for (u32 i = 0; i < n; ++i) {
        if (s[i] == '\n') put('\r');
        put(u8(s[i]));
    }
}

// The UART's receiver: one byte if one came.
bool get(u8& c) {
    if (g_kind == kConsole16550Port) {
        if (!(port_in(5) & 1)) return false; // LSR: data ready
        c = port_in(0);
        return true;
    }
    return g_mmio && uart::get(g_kind, u64(uptr(g_mmio)), c);
}

// Input: the lines typed so far (whole ones, then the one being typed), and who waits for one.
// A line too long for the reader is kept as kCutMark and its newline (never text: control bytes
// are not taken from the device), answered with kCut.
char g_in[2 * console::kLineMax];
constexpr char kCutMark = 0x18;
u32 g_in_len = 0;
u32 g_typing = 0;  // where the line being typed starts in g_in
bool g_dropping = false; // the line being typed passed kLineMax: dropped up to its newline
u64 g_reader = 0;  // 0: nobody
u64 g_irq_line = 0;
bool g_irq = false;
bool g_unacked = false; // the receive interrupt waits for room in g_in before it is acknowledged
// The reader's last prompt, shown again after Ctrl-C abandoned a line.
char g_prompt[64];
u32 g_prompt_len = 0, g_prompt_source = 0;
bool g_prompt_shown = false; // the prompt (and what is typed after it) is the screen's last line
void put_line(u32 source, const char* s, u32 n);
void show_prompt();

// Ctrl-C: the line being typed is abandoned (and the prompt shown again).
void abandon_line() {
    g_in_len = g_typing;
    g_dropping = false;
    put('^'), put('C'), put('\r'), put('\n');
    g_prompt_shown = false;
    if (g_reader && g_prompt_len) show_prompt();
}

// The line discipline, byte by byte as they come: what is typed is echoed; backspace or
// DEL takes the last byte of the line back, Ctrl-C abandons the line, CR ends it like LF.
// A line whose text would pass kLineMax bytes is dropped whole: its bytes so far are taken
// back, what follows is neither kept nor echoed, and its newline ends it as a cut line
// (kCutMark), so that no part of it reaches the reader as a line of its own.
void take_byte(u8 c) {
    if (c == '\r') c = '\n';
    if (g_dropping) {
        if (c == 0x03) return abandon_line();
        if (c != '\n') return;
        g_dropping = false;
        g_in[g_in_len++] = kCutMark;
        g_in[g_in_len++] = '\n';
        g_typing = g_in_len, g_prompt_shown = false;
        put('\r'), put('\n');
        return;
    }
    if (c == 0x08 || c == 0x7f) {
        if (g_in_len > g_typing) {
            --g_in_len;
            put('\b'), put(' '), put('\b');
        }
        return;
    }
    if (c == 0x03) return abandon_line();
    if (c != '\n' && c != '\t' && (c < 0x20 || c >= 0x7f)) return; // other control bytes: not text
    if (c != '\n' && g_in_len - g_typing == console::kLineMax) { // one byte too many: the line goes
        put('\a');
        g_in_len = g_typing;
        g_dropping = true;
        return;
    }
    g_in[g_in_len++] = char(c);
    if (c == '\n') put('\r');
    put(c);
    if (c == '\n') g_typing = g_in_len, g_prompt_shown = false;
}

// Room to take another byte from the device: the whole lines waiting leave room for a line
// being typed of kLineMax bytes and its newline. The line being typed never needs more (a
// longer one is dropped), and while there is none, whole lines wait whose reading makes room.
bool room() { return g_typing + console::kLineMax + 2 <= sizeof g_in; }

void reply_input(u64 to, const char* s, u32 n, u64 flags) {
    u64 w[4];
    console::pack(s, n, w);
    w[0] = console::word0(console::kInput, n | flags);
    Error e;
    for (u32 tries = 0; (e = user::lmp_send(to, w)) == Error::WouldBlock && tries < 1000; ++tries) user::yield();
}

// What the UART holds, while there is room for a whole line more; the interrupt is
// acknowledged (the line unmasked) only then, so that a full buffer holds the device back
// (and the sender with it) instead of losing bytes.
void drain() {
    u8 c;
    while (room() && get(c)) take_byte(c);
    if (g_unacked && room()) {
        g_unacked = false;
        (void)user::irq_ack(caps::CPtr::at(kIrq).raw);
        while (room() && get(c)) take_byte(c); // what came meanwhile
    }
}

// The first whole line goes to the reader, if one waits.
void serve_reader() {
    if (!g_reader || !g_typing) return;
    u32 end = 0;
    while (end < g_typing && g_in[end] != '\n') ++end;
    end = end < g_typing ? end + 1 : g_typing; // with its '\n' (whole lines all end with one)
    if (g_in[0] == kCutMark) reply_input(g_reader, "", 0, console::kLast | console::kCut);
    else
        for (u32 at = 0; at < end; at += console::kWriteBytes) {
            const u32 k = min(end - at, console::kWriteBytes);
            reply_input(g_reader, g_in + at, k, at + k == end ? console::kLast : 0);
        }
    for (u32 i = end; i < g_in_len; ++i) g_in[i - end] = g_in[i];
    g_in_len -= end;
    g_typing -= end;
    g_reader = 0;
    drain(); // room again
}

// The receive interrupt: its line stays masked until drain() found room.
void on_irq(u64) {
    g_unacked = true;
    drain();
    serve_reader();
}


// The line of one (sender, source) being put together.
struct Line { // plain data: zero in .bss, no constructor to run
    u64 sender;
    u32 source;
    u32 len;
    u64 last; // when it last grew, for taking the oldest slot
    char text[kLineBytes];
};
Line g_lines[kLines];
u64 g_clock = 0;

Line& line_of(u64 sender, u32 source) {
    Line *empty = nullptr, *oldest = &g_lines[0];
    for (Line& l : g_lines) {
        if (l.len && l.sender == sender && l.source == source) return l;
        if (!l.len && !empty) empty = &l;
        if (l.last < oldest->last) oldest = &l;
    }
    Line* l = empty ? empty : oldest;
    if (!empty) put_line(l->source, l->text, l->len); // every slot is taken: the oldest line goes out as it is
    l->sender = sender, l->source = source, l->len = 0;
    return *l;
}

// A whole line, with the board number of the core it comes from in front ("c3| "), so that
// every line says its core (the board runner takes the tag off before it reads a line).
// Output that comes while a prompt is the last line goes on a line of its own, and the
// prompt with what was typed after it is shown again below it (as a line editor redraws).
void put_tagged(u32 source, const char* s, u32 n) {
    char tag[16];
    BufferSink b(tag, sizeof tag);
    format(b.sink(), "c{}| ", source >> 16);
    put_text(tag, u32(b.size()));
    put_text(s, n);
}
void put_line(u32 source, const char* s, u32 n) {
    const bool redraw = g_prompt_shown;
    if (redraw) put_text("\n", 1);
    g_prompt_shown = false;
    put_tagged(source, s, n);
    if (redraw) show_prompt();
}
void show_prompt() {
    put_tagged(g_prompt_source, g_prompt, g_prompt_len);
    put_text(g_in + g_typing, g_in_len - g_typing); // what is typed of the line so far
    g_prompt_shown = true;
}

// A reader's unfinished line is its prompt: written out now, and what is typed echoes after it.
void prompt(u64 reader) {
    for (Line& l : g_lines)
        if (l.len && l.sender == reader) {
            g_prompt_len = min<u32>(l.len, sizeof g_prompt);
            g_prompt_source = l.source;
            for (u32 i = 0; i < g_prompt_len; ++i) g_prompt[i] = l.text[i];
            l.len = 0;
            show_prompt();
        }
}

void write(u64 sender, u32 source, const char* s, u32 n) {
    Line& l = line_of(sender, source);
    l.last = ++g_clock;
    for (u32 i = 0; i < n; ++i) {
        l.text[l.len++] = s[i];
        if (s[i] == '\n' || l.len == kLineBytes) {
            put_line(source, l.text, l.len);
            l.len = 0;
        }
    }
}

// The registers: the capability from the monitor, mapped (memory) or checked (ports).
Status take_registers(u64 offset) {
    TRY_STATUS(Status(user::lmp_receive_slot(caps::CPtr::at(kRegs).raw)));
    for (;;) {
        user::Message m = TRY(user::lmp_receive_from(sys::kMonitorId));
        if (m.cap_arrived) break;
    }
    if (g_kind == kConsole16550Port) return {};
    TRY_STATUS(g_vs.init(kRam, kIrq + 1));
    u64 va = TRY(g_vs.map(caps::CPtr::at(kRegs), 0, 4096));
    g_mmio = reinterpret_cast<volatile u8*>(uptr(va + offset));
    return {};
}

} // namespace

int main(u64 arg) {
    g_kind = u32(arg & 0xff);
    const u64 offset = (arg >> 8) & 0xfff;
    if (g_kind == kConsoleNone || g_kind > kConsole16550Mmio32) {
        user::print("console: no UART it can drive\n"); // (the monitor writes it: no service runs)
        return 1;
    }
    if (Status st = take_registers(offset); !st.ok()) {
        char line[96];
        BufferSink b(line, sizeof line);
        format(b.sink(), "console: the UART's registers are not usable: {}\n", error_name(st.error()));
        user::write(line, b.size());
        return 2;
    }
    // Input: the receive interrupt, its capability from the monitor (no input without it;
    // output goes on).
    auto line = user::mon::irq(sys::kIrqConsoleRx, caps::CPtr::at(kIrq).raw);
    g_irq = line.ok();
    g_irq_line = g_irq ? *line : 0;
    for (;;) {
        auto m = user::lmp_receive();
        if (!m.ok()) continue;
        if (m->sender == sys::kIrqSender) {
            on_irq(m->word[0]);
            continue;
        }
        const u64 w0 = m->word[0];
        switch (console::op_of(w0)) {
        case console::kWrite: {
            char text[console::kWriteBytes];
            const u32 n = min(console::len_of(w0), console::kWriteBytes);
            console::unpack(&m->word[1], n, text);
            write(m->sender, console::source_of(w0), text, n);
            break;
        }
        case console::kRead:
            if (!g_irq || (g_reader && g_reader != m->sender)) {
                reply_input(m->sender, "", 0, console::kLast | console::kRefused);
                break;
            }
            g_reader = m->sender;
            prompt(m->sender);
            serve_reader();
            break;
        case console::kFlush: {
            const u64 w[4] = {console::word0(console::kFlushed), 0, 0, 0};
            (void)user::lmp_send(m->sender, w);
            break;
        }
        default: break; // not the console's: nothing to answer
        }
    }
}
