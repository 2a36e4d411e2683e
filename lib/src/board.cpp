// The board-profile parser and validator (format in board.hpp).
#include <mosaic/board.hpp>
#include <mosaic/fmt.hpp>

namespace mosaic {

namespace {

constexpr const char* kExitNames[] = {"isa-debug-exit", "semihosting", "sifive-test"};
constexpr const char* kBootNames[] = {"direct", "u-boot"};

// A view of part of the input: no copies until a value is stored.
struct Str {
    const char* p;
    usize n;
    bool is(const char* s) const { return str_len(s) == n && mem_eq(p, s, n); }
};

Str trim(Str s) {
    while (s.n && (*s.p == ' ' || *s.p == '\t')) ++s.p, --s.n;
    while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t' || s.p[s.n - 1] == '\r')) --s.n;
    return s;
}

class Parser {
  public:
    Parser(BoardProfile& b, BoardError& e) : b_(b), e_(e) {}
    Status run(const char* text, usize len);

  private:
    Status fail(Error code, const char* field, const char* fmt, Str value = {"", 0});
    Status line(Str s);
    Status section(Str s);
    Status board_key(Str key, Str value);
    Status node_key(NodeProfile& n, Str key, Str value);
    Status services(Str value);
    Status copy(char* dst, usize cap, Str key, Str value);
    Result<u64> number(Str key, Str value, bool sizes);
    Status validate();
    Status validate_node(const NodeProfile& n);

    BoardProfile& b_;
    BoardError& e_;
    u32 lineno_ = 0;
    enum class In { Nothing, Board, Node } in_ = In::Nothing;
    // Which required keys have been seen, per node and for the board (bit per key).
    u32 seen_board_ = 0;
    u32 seen_node_[BoardProfile::kMaxNodes] = {};
};

Status Parser::fail(Error code, const char* field, const char* fmt, Str value) {
    e_.code = code;
    e_.line = lineno_;
    BufferSink f(e_.field, sizeof e_.field);
    format(f.sink(), "{}", field);
    char v[48];
    BufferSink vs(v, sizeof v);
    vs.sink().write(value.p, min<usize>(value.n, 40));
    BufferSink m(e_.message, sizeof e_.message);
    format(m.sink(), fmt, v);
    return code;
}

Status Parser::run(const char* text, usize len) {
    usize i = 0;
    while (i < len) {
        usize j = i;
        while (j < len && text[j] != '\n') ++j;
        ++lineno_;
        TRY_STATUS(line(Str{text + i, j - i}));
        i = j + 1;
    }
    lineno_ = 0;
    return validate();
}

Status Parser::line(Str s) {
    for (usize k = 0; k < s.n; ++k) {
        if (s.p[k] == '#') { s.n = k; break; }
        if (s.p[k] == 0 || (u8(s.p[k]) < 0x20 && s.p[k] != '\t' && s.p[k] != '\r'))
            return fail(Error::Malformed, "", "control character in line");
    }
    s = trim(s);
    if (s.n == 0) return {};
    if (s.p[0] == '[') return section(s);
    usize eq = 0;
    while (eq < s.n && s.p[eq] != '=') ++eq;
    if (eq == s.n) return fail(Error::SyntaxError, "", "expected 'key = value' or a [section], got '{}'", s);
    Str key = trim(Str{s.p, eq}), value = trim(Str{s.p + eq + 1, s.n - eq - 1});
    if (value.n == 0) return fail(Error::SyntaxError, "", "empty value for '{}'", key);
    if (in_ == In::Board) return board_key(key, value);
    if (in_ == In::Node) return node_key(b_.nodes[b_.node_count - 1], key, value);
    return fail(Error::SyntaxError, "", "'{}' outside a section", key);
}

Status Parser::section(Str s) {
    if (s.p[s.n - 1] != ']') return fail(Error::SyntaxError, "", "unterminated section header '{}'", s);
    Str inner = trim(Str{s.p + 1, s.n - 2});
    if (inner.is("board")) {
        if (seen_board_ & 0x80000000u) return fail(Error::AlreadyExists, "board", "second [board] section");
        seen_board_ |= 0x80000000u;
        in_ = In::Board;
        return {};
    }
    if (inner.n > 5 && mem_eq(inner.p, "node ", 5)) {
        Str name = trim(Str{inner.p + 5, inner.n - 5});
        if (b_.node_count == BoardProfile::kMaxNodes) return fail(Error::CapacityExceeded, "node", "more than 8 nodes");
        for (usize k = 0; k < name.n; ++k) {
            char c = name.p[k];
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
                return fail(Error::InvalidArgument, "node", "bad node name '{}' (use a-z 0-9 - _)", name);
        }
        for (u32 k = 0; k < b_.node_count; ++k)
            if (name.is(b_.nodes[k].name)) return fail(Error::AlreadyExists, "node", "duplicate node '{}'", name);
        NodeProfile& n = b_.nodes[b_.node_count++];
        in_ = In::Node;
        return copy(n.name, sizeof n.name, Str{"node", 4}, name);
    }
    return fail(Error::SyntaxError, "", "unknown section '{}' (expected [board] or [node NAME])", inner);
}

Status Parser::copy(char* dst, usize cap, Str key, Str value) {
    char k[24];
    BufferSink ks(k, sizeof k);
    ks.sink().write(key.p, key.n);
    if (value.n + 1 > cap) return fail(Error::OutOfRange, k, "value too long: '{}'", value);
    for (usize i = 0; i < value.n; ++i) dst[i] = value.p[i];
    dst[value.n] = 0;
    return {};
}

Result<u64> Parser::number(Str key, Str value, bool sizes) {
    char k[24];
    BufferSink ks(k, sizeof k);
    ks.sink().write(key.p, key.n);
    u64 v = 0, base = 10, shift = 0;
    usize i = 0, end = value.n;
    if (sizes && end > 1) {
        char unit = value.p[end - 1];
        if (unit == 'K') shift = 10, --end;
        else if (unit == 'M') shift = 20, --end;
        else if (unit == 'G') shift = 30, --end;
    }
    if (end > 2 && value.p[0] == '0' && value.p[1] == 'x') base = 16, i = 2;
    if (i == end) return fail(Error::InvalidArgument, k, "not a number: '{}'", value).error();
    for (; i < end; ++i) {
        char c = value.p[i];
        u64 d = (c >= '0' && c <= '9') ? u64(c - '0') : (base == 16 && c >= 'a' && c <= 'f') ? u64(c - 'a' + 10) : 99;
        if (d >= base) return fail(Error::InvalidArgument, k, "not a number: '{}'", value).error();
        if (v > (~u64(0) - d) / base) return fail(Error::Overflow, k, "number too large: '{}'", value).error();
        v = v * base + d;
    }
    if (shift && v > (~u64(0) >> shift)) return fail(Error::Overflow, k, "size too large: '{}'", value).error();
    return v << shift;
}

// Bits for required keys.
enum : u32 { kIsa = 1, kMachine = 2, kCores = 4, kMemory = 8, kImageAddr = 16, kExit = 32, kName = 1 };

Status Parser::board_key(Str key, Str value) {
    if (key.is("name")) { seen_board_ |= kName; return copy(b_.name, sizeof b_.name, key, value); }
    if (key.is("description")) return copy(b_.description, sizeof b_.description, key, value);
    if (key.is("default")) {
        if (value.is("yes")) b_.is_default = true;
        else if (value.is("no")) b_.is_default = false;
        else return fail(Error::InvalidArgument, "default", "expected yes or no, got '{}'", value);
        return {};
    }
    if (key.is("interconnect")) { b_.interconnect = TRY(number(key, value, true)); return {}; }
    if (key.is("timeout")) {
        u64 t = TRY(number(key, value, false));
        if (t == 0 || t > 3600) return fail(Error::OutOfRange, "timeout", "timeout must be 1..3600 seconds, got '{}'", value);
        b_.timeout = u32(t);
        return {};
    }
    if (key.is("services")) return services(value);
    return fail(Error::NotFound, "", "unknown board key '{}' (name, description, default, interconnect, timeout, services)",
                key);
}

// "name[:RAM] name[:RAM] ...": each a module name (a-z 0-9 _, at most 15 characters) and
// the RAM it gets (a multiple of 64K, at most 1M; none when left out).
Status Parser::services(Str value) {
    b_.service_count = 0;
    for (usize i = 0; i < value.n;) {
        while (i < value.n && value.p[i] == ' ') ++i;
        usize start = i;
        while (i < value.n && value.p[i] != ' ') ++i;
        if (i == start) break;
        Str item{value.p + start, i - start}, name = item, ram{"", 0};
        for (usize k = 0; k < item.n; ++k)
            if (item.p[k] == ':') name = Str{item.p, k}, ram = Str{item.p + k + 1, item.n - k - 1};
        if (b_.service_count == BoardProfile::kMaxServices)
            return fail(Error::CapacityExceeded, "services", "more than 8 services");
        if (name.n == 0 || name.n > 15) return fail(Error::InvalidArgument, "services", "bad service name '{}'", item);
        for (usize k = 0; k < name.n; ++k) {
            char c = name.p[k];
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
                return fail(Error::InvalidArgument, "services", "bad service name '{}' (use a-z 0-9 _)", name);
        }
        ServiceProfile& s = b_.services[b_.service_count++];
        TRY_STATUS(copy(s.name, sizeof s.name, Str{"services", 8}, name));
        if (ram.n) {
            s.ram = TRY(number(Str{"services", 8}, ram, true));
            if (s.ram % (64 * 1024) || s.ram > (1u << 20))
                return fail(Error::InvalidArgument, "services", "RAM of '{}' must be a multiple of 64K, at most 1M", name);
        }
    }
    return {};
}

Status Parser::node_key(NodeProfile& n, Str key, Str value) {
    u32& seen = seen_node_[b_.node_count - 1];
    if (key.is("isa")) {
        auto isa = isa_from_name(value.p, value.n);
        if (!isa.ok()) return fail(Error::InvalidArgument, "isa", "unknown isa '{}' (x86_64, aarch64, riscv64)", value);
        n.isa = *isa;
        seen |= kIsa;
        return {};
    }
    if (key.is("machine")) { seen |= kMachine; return copy(n.machine, sizeof n.machine, key, value); }
    if (key.is("cpu")) return copy(n.cpu, sizeof n.cpu, key, value);
    if (key.is("cores")) {
        u64 c = TRY(number(key, value, false));
        if (c < 1 || c > 64) return fail(Error::OutOfRange, "cores", "cores must be 1..64, got '{}'", value);
        n.cores = u32(c);
        seen |= kCores;
        return {};
    }
    if (key.is("memory")) {
        n.memory = TRY(number(key, value, true));
        if (n.memory < (64u << 20)) return fail(Error::OutOfRange, "memory", "memory must be at least 64M, got '{}'", value);
        seen |= kMemory;
        return {};
    }
    if (key.is("image_addr")) {
        n.image_addr = TRY(number(key, value, false));
        if (n.image_addr & 0xfff) return fail(Error::Misaligned, "image_addr", "image_addr must be 4 KiB aligned, got '{}'", value);
        seen |= kImageAddr;
        return {};
    }
    if (key.is("exit")) {
        for (u32 i = 0; i < 3; ++i)
            if (value.is(kExitNames[i])) { n.exit = ExitMethod(i); seen |= kExit; return {}; }
        return fail(Error::InvalidArgument, "exit", "unknown exit '{}' (isa-debug-exit, semihosting, sifive-test)", value);
    }
    if (key.is("driver_addr")) {
        n.driver_addr = TRY(number(key, value, false));
        if (n.driver_addr & 0xfff)
            return fail(Error::Misaligned, "driver_addr", "driver_addr must be 4 KiB aligned, got '{}'", value);
        return {};
    }
    if (key.is("dtb")) {
        for (usize i = 0; i < value.n; ++i) {
            char c = value.p[i];
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
                return fail(Error::InvalidArgument, "dtb", "a device tree name is a-z, 0-9 and '-' (e.g. bcm2837-rpi-3-b), got '{}'", value);
        }
        return copy(n.dtb, sizeof n.dtb, key, value);
    }
    if (key.is("boot")) {
        for (u32 i = 0; i < 2; ++i)
            if (value.is(kBootNames[i])) { n.boot = BootMethod(i); return {}; }
        return fail(Error::InvalidArgument, "boot", "unknown boot '{}' (direct, u-boot)", value);
    }
    return fail(Error::NotFound, "", "unknown node key '{}' (isa, machine, cpu, cores, memory, image_addr, exit, boot, driver_addr, dtb)",
                key);
}

Status Parser::validate_node(const NodeProfile& n) {
    const u32 required[] = {kIsa, kMachine, kCores, kMemory, kImageAddr, kExit};
    const char* names[] = {"isa", "machine", "cores", "memory", "image_addr", "exit"};
    u32 seen = seen_node_[&n - b_.nodes];
    for (u32 i = 0; i < 6; ++i)
        if (!(seen & required[i])) return fail(Error::NotFound, names[i], "node '{}' lacks this required field", Str{n.name, str_len(n.name)});
    bool exit_ok = (n.exit == ExitMethod::IsaDebugExit && n.isa == Isa::X86_64) ||
                   (n.exit == ExitMethod::Semihosting && n.isa != Isa::X86_64) ||
                   (n.exit == ExitMethod::SifiveTest && n.isa == Isa::Riscv64);
    if (!exit_ok) return fail(Error::Unsupported, "exit", "this exit method does not exist on the isa of node '{}'", Str{n.name, str_len(n.name)});
    if (n.boot == BootMethod::UBoot && n.isa == Isa::X86_64)
        return fail(Error::Unsupported, "boot", "node '{}': u-boot boots aarch64 and riscv64 nodes", Str{n.name, str_len(n.name)});
    if (n.dtb[0] && n.isa == Isa::X86_64)
        return fail(Error::Unsupported, "dtb", "node '{}': x86_64 boards have no device tree", Str{n.name, str_len(n.name)});
    if (n.boot == BootMethod::UBoot && (n.image_addr & 0x1fffff))
        return fail(Error::Misaligned, "image_addr", "node '{}': booti needs a 2 MiB aligned image_addr", Str{n.name, str_len(n.name)});
    return {};
}

Status Parser::validate() {
    if (!(seen_board_ & 0x80000000u)) return fail(Error::NotFound, "board", "no [board] section");
    if (!(seen_board_ & kName)) return fail(Error::NotFound, "name", "board has no 'name'");
    if (b_.node_count == 0) return fail(Error::NotFound, "node", "board has no [node NAME] section");
    for (u32 i = 0; i < b_.node_count; ++i) TRY_STATUS(validate_node(b_.nodes[i]));
    if (b_.node_count > 1 && b_.interconnect == 0)
        return fail(Error::NotFound, "interconnect", "a board with several nodes needs an interconnect size");
    if (b_.interconnect && (!is_pow2(b_.interconnect) || b_.interconnect < (1u << 20)))
        return fail(Error::InvalidArgument, "interconnect", "interconnect must be a power of two >= 1M");
    return {};
}

} // namespace

u32 BoardProfile::total_cores() const {
    u32 n = 0;
    for (u32 i = 0; i < node_count; ++i) n += nodes[i].cores;
    return n;
}

u32 BoardProfile::first_core(u32 node) const {
    u32 n = 0;
    for (u32 i = 0; i < node && i < node_count; ++i) n += nodes[i].cores;
    return n;
}

u32 BoardProfile::node_of_core(u32 core) const {
    for (u32 i = 0, first = 0; i < node_count; first += nodes[i++].cores)
        if (core < first + nodes[i].cores) return i;
    return node_count;
}

Result<u32> BoardProfile::node_of(Isa isa) const {
    for (u32 i = 0; i < node_count; ++i)
        if (nodes[i].isa == isa) return i;
    return Error::NotFound;
}

const char* exit_method_name(ExitMethod m) { return u32(m) < 3 ? kExitNames[u32(m)] : "unknown"; }

Result<BoardProfile> parse_board(const char* text, usize len, BoardError& err) {
    BoardProfile b;
    err = BoardError{};
    Parser p(b, err);
    auto s = p.run(text, len);
    if (!s.ok()) return s.error();
    return b;
}

} // namespace mosaic
