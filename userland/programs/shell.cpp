// The shell: a user program on the console of the board's first node (init starts it for
// the job "shell"), the same source for every ISA. It reads lines through the node's console
// service (which echoes and edits them: backspace, Ctrl-C abandons a line) and runs commands
// through the monitors: see `help` below. Every command says what went wrong when it fails;
// `shutdown` powers every node off and says how many commands failed (VERDICT PASS only if
// none did), so that a script of commands (./mosaic boot --run) has one outcome.
//
// Its start data: the monitor's boot facts and the board manifest; arg: the SKB service's
// dispatcher id on this core (0: none).
#include <mosaic/board.hpp>
#include <mosaic/bootfacts.hpp>
#include <mosaic/trapkind.hpp>
#include <mosaic/user/console.hpp>
#include <mosaic/user/monitor.hpp>
#include <mosaic/user/skb.hpp>

using namespace mosaic;
namespace mon = mosaic::user::mon;
using monitor::QueryOp;

namespace {

constexpr char kPrompt[] = "mosaic> ";
constexpr u32 kMaxArgs = 8, kMaxChildren = 64;

BoardProfile g_board;
const BootFacts* g_facts = nullptr;
u32 g_core = 0;            // this core's board number
u64 g_console = 0;         // the console service (on this core)
u32 g_self = 0;            // this dispatcher's id
u64 g_skb_id = 0;
user::SkbClient g_skb;
u32 g_commands = 0, g_failed = 0;

// Output straight to the console service of this core, in order with the prompt.
void to_console(const char* s, usize n) {
    for (usize at = 0; at < n; at += console::kWriteBytes) {
        const u32 k = u32(min<usize>(n - at, console::kWriteBytes));
        u64 w[4];
        console::pack(s + at, k, w);
        w[0] = console::word0(console::kWrite, k, u64(g_core) << 16 | g_self);
        Error e;
        while ((e = user::lmp_send(g_console, w)) == Error::WouldBlock) user::yield();
        if (e != Error::Ok) return user::set_writer(nullptr), user::write(s + at, n - at); // through the monitor from now on
    }
}

// A program this shell started: its pid is "core.dispatcher"; its tag names it to the monitor.
struct Child {
    bool used = false, waited = false, ended = false;
    u32 core = 0, dispatcher = 0, tag = 0;
    char name[16] = {};
    mon::Ended end;
};
Child g_children[kMaxChildren];
u32 g_next_tag = 1;
char g_last_pid[24] = {}; // "$!": the pid of the last program spawned

bool parse_u64(const char* s, u64& out) {
    if (!s || !*s) return false;
    u64 v = 0;
    for (; *s; ++s) {
        if (*s < '0' || *s > '9' || v > 1'000'000'000'000ull) return false;
        v = v * 10 + u64(*s - '0');
    }
    out = v;
    return true;
}

// "core.dispatcher"
bool parse_pid(const char* s, u32& core, u32& dispatcher) {
    char a[12] = {}, b[12] = {};
    usize i = 0, k = 0;
    for (; s[i] && s[i] != '.' && i < sizeof a - 1; ++i) a[i] = s[i];
    if (s[i] != '.') return false;
    for (++i; s[i] && k < sizeof b - 1; ++i) b[k++] = s[i];
    if (s[i]) return false;
    u64 c = 0, d = 0;
    if (!parse_u64(a, c) || !parse_u64(b, d) || c >= g_board.total_cores() || d > 0xffffffffu) return false;
    core = u32(c), dispatcher = u32(d);
    return true;
}

template <typename... Args> bool fail(const char* fmt, Args... args) {
    user::print("error: ");
    user::print(fmt, args...);
    user::print("\n");
    return false;
}

void unpack16(u64 w1, u64 w2, char (&out)[17]) { monitor::api::unpack_name(w1, w2, out); }

bool cmd_help(u32, char**) {
    static const char* const kLines[] = {
        "commands:",
        "  help                           this list",
        "  cores                          every core of the board: number, ISA, node, state",
        "  ps                             every program on every core, by pid (core.dispatcher)",
        "  spawn [--core N] PROG [ARGS]   start a program of the image on core N (default: here)",
        "  wait [PID]                     wait until a program this shell started ends (all: no PID)",
        "  kill PID                       stop a program ($! is the last one spawned)",
        "  names                          the board's registered names",
        "  skb QUERY                      the SKB's answers, e.g. skb ?- core(C, I, N).",
        "  ping CORE                      round trips to that core's monitor",
        "  mem                            free memory for programs, per core",
        "  shutdown                       power every node off",
    };
    for (const char* l : kLines) user::print("{}\n", l);
    return true;
}

bool cmd_cores(u32, char**) {
    u32 count = 0;
    for (u32 i = 0; i == 0 || i < count; ++i) {
        auto m = mon::member(i);
        if (!m.ok()) return fail("core {}: {}", i, error_name(m.error()));
        count = m->count;
        const char* state = m->state == 1 ? "up" : m->state == 2 ? "down" : "absent";
        user::print("core {}  {}  node {} '{}'  {}  hw {:x}\n", m->core, isa_name(m->isa), m->node,
                    m->node < g_board.node_count ? g_board.nodes[m->node].name : "?", state, m->hw_id);
    }
    return true;
}

bool up(u32 core) {
    auto m = mon::member(core);
    return m.ok() && m->state == 1;
}

bool cmd_ps(u32, char**) {
    user::print("pid     program          core ISA\n");
    bool ok = true;
    for (u32 core = 0; core < g_board.total_cores(); ++core) {
        auto member = mon::member(core);
        if (!member.ok() || member->state != 1) continue;
        const char* isa = isa_name(member->isa);
        for (u32 i = 0; i < 64; ++i) {
            auto a = mon::query(core, QueryOp::Ps, i, nullptr, 500);
            if (!a.ok()) {
                if (a.error() != Error::NotFound) ok = fail("ps on core {}: {}", core, error_name(a.error()));
                break;
            }
            char name[17];
            unpack16(a->b, a->c, name);
            char pid[24];
            BufferSink b(pid, sizeof pid);
            format(b.sink(), "{}.{}", core, a->a);
            user::print("{}", pid);
            for (usize k = b.size(); k < 8; ++k) user::print(" ");
            user::print("{}", name);
            for (usize k = str_len(name); k < 17; ++k) user::print(" ");
            user::print("{}    {}\n", core, isa);
        }
    }
    return ok;
}

bool cmd_spawn(u32 argc, char** argv) {
    u32 core = g_core, at = 1;
    if (at < argc && str_eq(argv[at], "--core")) {
        u64 c = 0;
        if (at + 1 >= argc || !parse_u64(argv[at + 1], c) || c >= g_board.total_cores())
            return fail("spawn: --core wants a core of the board (0 to {})", g_board.total_cores() - 1);
        core = u32(c);
        at += 2;
    }
    if (at >= argc) return fail("spawn: which program? (spawn [--core N] PROGRAM [ARGS...])");
    const char* name = argv[at];
    // Its words as its argument text; the first one, when it is a number, also as its arg.
    u64 arg = 0;
    if (at + 1 < argc) (void)parse_u64(argv[at + 1], arg);
    char text[24] = {};
    BufferSink words(text, sizeof text);
    for (u32 i = at + 1; i < argc; ++i) format(words.sink(), i > at + 1 ? " {}" : "{}", argv[i]);
    if (words.truncated() || words.size() > 23) return fail("spawn: the arguments are longer than 23 bytes");
    if (str_len(name) > 15) return fail("spawn: '{}' is no program name (at most 15 characters)", name);
    Child* slot = nullptr;
    for (auto& c : g_children)
        if (!slot && (!c.used || c.waited)) slot = &c;
    if (!slot) return fail("spawn: this shell waits for {} programs already; wait for some first", kMaxChildren);
    const u32 tag = g_next_tag++;
    auto started = mon::spawn(core, name, arg, tag, 0, text);
    if (!started.ok()) return fail("spawn: '{}' on core {}: {}", name, core, error_name(started.error()));
    *slot = Child{true, false, false, started->core, started->dispatcher, tag, {}, {}};
    str_copy(slot->name, sizeof slot->name, name);
    BufferSink last(g_last_pid, sizeof g_last_pid);
    format(last.sink(), "{}.{}", started->core, started->dispatcher);
    user::print("pid {}: {} on core {}\n", g_last_pid, name, started->core);
    return true;
}

// Waits for a program this shell started (or takes the end already reported) and says how
// it ended; a fault or a non-zero exit is a failure.
bool wait_child(Child& c) {
    auto end = c.ended ? Result<mon::Ended>(c.end) : mon::wait_end(c.tag, 30 * 100);
    if (!end.ok()) return fail("wait: {}.{}: {}", c.core, c.dispatcher, error_name(end.error()));
    c.waited = true;
    if (end->stopped) {
        user::print("pid {}.{} ({}) was stopped\n", c.core, c.dispatcher, c.name);
        return true;
    }
    if (end->faulted)
        return fail("pid {}.{} ({}) faulted: {} at address {:x}", c.core, c.dispatcher, c.name,
                    trap_kind_name(TrapKind(end->code)), end->address);
    user::print("pid {}.{} ({}) exited with code {}\n", c.core, c.dispatcher, c.name, end->code);
    return end->code == 0 ? true : fail("pid {}.{} exited with code {}", c.core, c.dispatcher, end->code);
}

// Every program this shell started and did not wait for yet, in the order it started them.
bool cmd_wait(u32 argc, char** argv) {
    if (argc == 1) {
        bool ok = true, any = false;
        for (auto& c : g_children)
            if (c.used && !c.waited) any = true, ok &= wait_child(c);
        if (!any) user::print("nothing to wait for\n");
        return ok;
    }
    u32 core = 0, d = 0;
    if (argc != 2 || !parse_pid(argv[1], core, d)) return fail("wait: a pid, as ps shows it (core.dispatcher)");
    for (auto& c : g_children)
        if (c.used && !c.waited && c.core == core && c.dispatcher == d) return wait_child(c);
    return fail("wait: {} is not a program this shell started and still waits for", argv[1]);
}

bool cmd_kill(u32 argc, char** argv) {
    u32 core = 0, d = 0;
    if (argc != 2 || !parse_pid(argv[1], core, d)) return fail("kill: a pid, as ps shows it (core.dispatcher)");
    auto a = mon::query(core, QueryOp::Kill, d, nullptr, 500);
    if (!a.ok()) return fail("kill {}: {}", argv[1], error_name(a.error()));
    user::print("pid {} stopped\n", argv[1]);
    return true;
}

bool cmd_names(u32, char**) {
    u32 i = 0;
    for (;; ++i) {
        auto a = mon::query(0, QueryOp::NameList, i, nullptr, 500);
        if (!a.ok()) {
            if (a.error() == Error::NotFound) break;
            return fail("names: {}", error_name(a.error()));
        }
        char name[17];
        unpack16(a->b, a->c, name);
        auto e = mon::name_lookup(name);
        if (e.ok()) user::print("{}  pid {}.{}\n", name, e->core, e->dispatcher);
        else user::print("{}  on core {}\n", name, a->a);
    }
    if (i == 0) user::print("no names registered\n");
    return true;
}

bool cmd_skb(u32 argc, char** argv) {
    if (argc < 2) return fail("skb: a query, e.g. skb ?- core(C, I, N).");
    if (!g_skb.connected()) {
        if (!g_skb_id) return fail("skb: no SKB service on this core");
        if (Status st = g_skb.connect(g_skb_id); !st.ok()) return fail("skb: {}", error_name(st.error()));
    }
    char q[200];
    BufferSink b(q, sizeof q);
    for (u32 i = 1; i < argc; ++i) format(b.sink(), i > 1 ? " {}" : "{}", argv[i]);
    if (b.truncated()) return fail("skb: the query is longer than {} bytes", sizeof q - 1);
    u32 total = 0;
    char line[200];
    for (u32 i = 0; i == 0 || i < total; ++i) {
        auto n = g_skb.answer(q, i, line, sizeof line, &total);
        if (!n.ok()) {
            if (n.error() == Error::OutOfRange) break;
            // An answer carries no position (the one shown was an earlier query's, or 0, 0):
            // the same query asked whole says where it went wrong, if it went wrong in the text.
            auto asked = g_skb.query(q, 0);
            if (!asked.ok() && g_skb.error_line() != 0)
                return fail("skb: {} (line {}, column {})", error_name(asked.error()), g_skb.error_line(),
                            g_skb.error_column());
            return fail("skb: {}", error_name(n.error()));
        }
        user::print("{}\n", line);
    }
    if (total == 0) user::print("no\n");
    return true;
}

bool cmd_ping(u32 argc, char** argv) {
    u64 core = 0;
    if (argc != 2 || !parse_u64(argv[1], core) || core >= g_board.total_cores())
        return fail("ping: a core of the board (0 to {})", g_board.total_cores() - 1);
    const u64 hz = user::core_info().counter_hz;
    constexpr u32 kRounds = 20;
    u64 best = ~0ull, total = 0;
    for (u32 i = 0; i < kRounds; ++i) {
        const u64 t0 = mosaic_user_counter();
        auto a = mon::query(u32(core), QueryOp::Echo, 0, nullptr, 500);
        const u64 t = mosaic_user_counter() - t0;
        if (!a.ok()) return fail("ping {}: {}", core, error_name(a.error()));
        best = min(best, t);
        total += t;
    }
    if (!hz) return fail("ping: this core's counter rate is unknown");
    user::print("core {}: {} round trips through the monitors, mean {} us, best {} us\n", core, kRounds,
                total * 1'000'000 / kRounds / hz, best * 1'000'000 / hz);
    return true;
}

bool cmd_mem(u32, char**) {
    bool ok = true;
    for (u32 core = 0; core < g_board.total_cores(); ++core) {
        if (!up(core)) continue;
        auto a = mon::query(core, QueryOp::Mem, 0, nullptr, 500);
        if (!a.ok()) ok = fail("mem on core {}: {}", core, error_name(a.error()));
        else user::print("core {}: {} KiB free of {} KiB\n", core, a->a >> 10, a->b >> 10);
    }
    return ok;
}

[[noreturn]] void shutdown() {
    const bool pass = g_failed == 0;
    for (u32 n = 0; n < g_board.node_count; ++n) {
        if (n == g_facts->node) continue;
        const u32 boot = g_board.first_core(n);
        if (!up(boot)) continue;
        auto a = mon::query(boot, QueryOp::Shutdown, pass ? 1 : 0, nullptr, 500);
        if (!a.ok()) user::print("shutdown: node '{}' did not answer: {}\n", g_board.nodes[n].name, error_name(a.error()));
    }
    if (pass) user::print("VERDICT PASS (shell: {} commands, none failed)\n", g_commands);
    else user::print("VERDICT FAIL (shell: {} of {} commands failed)\n", g_failed, g_commands);
    mon::power_off(pass);
}

struct Command {
    const char* name;
    bool (*run)(u32 argc, char** argv);
};
constexpr Command kCommands[] = {{"help", cmd_help},   {"cores", cmd_cores}, {"ps", cmd_ps},       {"spawn", cmd_spawn},
                                 {"wait", cmd_wait},   {"kill", cmd_kill},   {"names", cmd_names}, {"skb", cmd_skb},
                                 {"ping", cmd_ping},   {"mem", cmd_mem}};

// One line: split at spaces, run. Empty lines are no command.
void run_line(char* line) {
    char* argv[kMaxArgs + 1] = {};
    u32 argc = 0;
    for (char* p = line; *p;) {
        while (*p == ' ' || *p == '\t') *p++ = 0;
        if (!*p) break;
        if (argc == kMaxArgs + 1) break;
        argv[argc++] = p;
        while (*p && *p != ' ' && *p != '\t') ++p;
    }
    if (argc == 0) return;
    ++g_commands;
    for (u32 i = 1; i < argc; ++i) // "$!": the last program spawned, as in a Unix shell
        if (str_eq(argv[i], "$!")) {
            if (!g_last_pid[0]) {
                ++g_failed;
                (void)fail("{}: $! names the last program spawned, and there is none yet", argv[0]);
                return;
            }
            argv[i] = g_last_pid;
        }
    if (str_eq(argv[0], "shutdown")) shutdown();
    if (argc > kMaxArgs) {
        ++g_failed;
        (void)fail("{}: at most {} words", argv[0], kMaxArgs);
        return;
    }
    for (const Command& c : kCommands)
        if (str_eq(argv[0], c.name)) {
            if (!c.run(argc, argv)) ++g_failed;
            return;
        }
    ++g_failed;
    (void)fail("unknown command '{}' (help lists the commands)", argv[0]);
}

} // namespace

int main(u64 skb) {
    g_facts = reinterpret_cast<const BootFacts*>(user::start_data());
    BoardError err;
    auto board = g_facts->magic == BootFacts::kMagic ? parse_board(g_facts->manifest(), g_facts->manifest_len, err)
                                                     : Result<BoardProfile>(Error::BadMagic);
    if (!board.ok() || g_facts->node >= board->node_count) {
        user::print("shell: no boot facts or board: {}\n", error_name(board.ok() ? Error::OutOfRange : board.error()));
        return 1;
    }
    g_board = *board;
    g_core = g_board.first_core(g_facts->node) + g_facts->core_index;
    g_self = u32(user::core_info().dispatcher);
    g_skb_id = skb;
    auto console = mon::console();
    if (!console.ok()) {
        user::print("shell: no console service on this core: {}\n", error_name(console.error()));
        return 2;
    }
    g_console = *console;
    user::set_writer(to_console);
    user::print("Mosaic shell on core {} ({}, node '{}'): {} cores on {} nodes; 'help' lists the commands.\n", g_core,
                isa_name(Isa(g_facts->isa)), g_board.nodes[g_facts->node].name, g_board.total_cores(), g_board.node_count);
    for (;;) {
        // Programs it started that ended meanwhile: said once, kept for `wait`.
        for (auto& c : g_children) {
            if (!c.used || c.ended || c.waited) continue;
            auto end = mon::wait_end(c.tag, sys::kNoWait);
            if (!end.ok()) continue;
            c.ended = true;
            c.end = *end;
            if (end->stopped) user::print("[pid {}.{} ({}) was stopped]\n", c.core, c.dispatcher, c.name);
            else if (end->faulted)
                user::print("[pid {}.{} ({}) faulted: {} at address {:x}]\n", c.core, c.dispatcher, c.name,
                            trap_kind_name(TrapKind(end->code)), end->address);
            else user::print("[pid {}.{} ({}) exited with code {}]\n", c.core, c.dispatcher, c.name, end->code);
        }
        to_console(kPrompt, sizeof kPrompt - 1);
        char line[console::kLineMax + 1] = {};
        auto n = mon::read_line(line, console::kLineMax);
        if (!n.ok() && n.error() == Error::OutOfRange) { // dropped whole by the console: nothing of it runs
            user::print("error: a line is at most {} bytes; that one was not run\n", console::kLineMax);
            continue;
        }
        if (!n.ok()) {
            user::print("shell: the console gives no input: {}\n", error_name(n.error()));
            return 3;
        }
        line[*n] = 0;
        if (*n && line[*n - 1] == '\n') line[*n - 1] = 0;
        run_line(line);
    }
}
