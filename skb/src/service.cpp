// The SKB service's request handling (see service.hpp).
#include <mosaic/skb/board.hpp>
#include <mosaic/skb/report.hpp>
#include <mosaic/skb/rules.hpp>
#include <mosaic/skb/service.hpp>
#include <mosaic/transports/conformance.hpp>

namespace mosaic::skb {

namespace {

u16 code(Error e) { return u16(e); }

// Copies a zero-padded wire text into a NUL-terminated string (out holds N + 1 bytes).
template <u32 N> usize text_of(const transports::FixedString<N>& t, char* out) {
    usize n = 0;
    for (; n < N && t.bytes[n]; ++n) out[n] = char(t.bytes[n]);
    out[n] = 0;
    return n;
}

bool same_text(const char* a, const char* b) {
    for (; *a && *a == *b; ++a, ++b) {}
    return *a == *b;
}

// Where a text holds a rule or a query (":-" or "?-" outside quotes and comments): add_facts
// takes facts only. Returns false and the position when it does.
bool facts_only(const char* text, usize len, u32& line, u32& column) {
    bool quoted = false, comment = false;
    line = 1;
    column = 1;
    for (usize i = 0; i < len; ++i, ++column) {
        char c = text[i];
        if (c == '\n') {
            comment = quoted = false; // a quoted symbol never spans lines: the parser says so
            ++line;
            column = 0;
        } else if (comment) {
        } else if (c == '"') {
            quoted = !quoted;
        } else if (!quoted && c == '%') {
            comment = true;
        } else if (!quoted && (c == ':' || c == '?') && i + 1 < len && text[i + 1] == '-') {
            return false;
        }
    }
    return true;
}

} // namespace

Status Service::init(void* arena, usize bytes) {
    if (!arena || bytes < Engine::arena_bytes(kBoardLimits)) return Error::NoMemory;
    arena_ = arena;
    arena_bytes_ = bytes;
    ready_ = false;
    return {};
}

// The engine from scratch: the fact log, then the rule files.
Status Service::reload() {
    ready_ = false;
    ++generation_;
    mc_loaded_ = false;
    TRY_STATUS(engine_.init(arena_, arena_bytes_, kBoardLimits));
    TRY_STATUS(engine_.load(log_, log_len_, nullptr));
    u32 count = 0;
    const RuleFile* files = rule_files(count);
    for (u32 i = 0; i < count; ++i) TRY_STATUS(engine_.load(files[i].text, nullptr));
    ready_ = true;
    return {};
}

Status Service::load_board(const char* manifest, usize len, BoardError* err) {
    if (!arena_) return Error::InvalidArgument;
    ready_ = false;
    BoardError local;
    if (!manifest) return Error::InvalidArgument;
    BoardProfile board = TRY(parse_board(manifest, len, err ? *err : local));
    static BoardFacts facts; // large: one service per program (and per host test at a time)
    TRY_STATUS(board_facts(board, facts));
    if (facts.view.cores.count > kMaxCores) return Error::CapacityExceeded;
    log_len_ = TRY(render_facts(facts.view, log_, sizeof log_));
    cores_ = facts.view.cores.count;
    tree_valid_ = false;
    return reload();
}

Result<usize> Service::render(const svc::QueryText& text, ParseError& err) {
    char q[sizeof text.bytes + 1];
    text_of(text, q);
    if (answers_valid_ && answers_generation_ == generation_ && same_text(q, answers_query_)) return answers_len_;
    answers_valid_ = false;
    usize n = TRY(render_answers(engine_, q, answers_, sizeof answers_, &err));
    for (usize i = 0; i <= sizeof text.bytes; ++i) answers_query_[i] = q[i];
    answers_len_ = n;
    answers_generation_ = generation_;
    answers_valid_ = true;
    return n;
}

svc::query_reply Service::query(const svc::query_request& r) {
    ++queries_;
    if (!ready_) return {code(Error::NotFound), 0, 0, 0, 0, r.seed};
    ParseError err;
    auto n = render(r.text, err);
    if (!n.ok()) return {code(n.error()), err.line, err.column, 0, 0, r.seed};
    u32 lines = 0;
    for (usize i = 0; i < *n; ++i) lines += answers_[i] == '\n';
    u64 digest = transports::fnv1a64(reinterpret_cast<const u8*>(answers_), u32(*n), r.seed);
    return {code(Error::Ok), 0, 0, lines, u32(*n), digest};
}

svc::answer_reply Service::answer(const svc::answer_request& r) {
    ++queries_;
    svc::answer_reply out{};
    if (!ready_) return out.status = code(Error::NotFound), out;
    ParseError err;
    auto n = render(r.text, err);
    if (!n.ok()) return out.status = code(n.error()), out;
    usize start = 0, end = 0;
    u32 line = 0;
    bool found = false;
    for (usize i = 0; i < *n; ++i) {
        if (answers_[i] != '\n') continue;
        if (line == r.index) {
            end = i;
            found = true;
        }
        if (line++ < r.index) start = i + 1;
    }
    out.total = line;
    if (!found) return out.status = code(Error::OutOfRange), out;
    usize len = end - start;
    out.len = u32(len);
    for (usize i = 0; i < len && i < sizeof out.line.bytes; ++i) out.line.bytes[i] = u8(answers_[start + i]);
    out.status = code(len <= sizeof out.line.bytes ? Error::Ok : Error::CapacityExceeded);
    return out;
}

svc::add_facts_reply Service::add_facts(const svc::add_facts_request& r) {
    if (!ready_) return {code(Error::NotFound), 0, 0};
    if (r.len == 0 || r.len > sizeof r.text.bytes) return {code(Error::InvalidArgument), 0, 0};
    const char* text = reinterpret_cast<const char*>(r.text.bytes);
    u32 line = 0, column = 0;
    if (!facts_only(text, r.len, line, column)) return {code(Error::Unsupported), line, column};
    if (log_len_ + r.len + 1 > sizeof log_) return {code(Error::CapacityExceeded), 0, 0};
    ParseError err;
    Status s = engine_.load(text, r.len, &err);
    ++generation_;
    if (!s.ok()) {
        // All or nothing: what loaded before the error goes again (so do the mc_* facts).
        Status back = reload();
        return {code(back.ok() ? s.error() : back.error()), err.line, err.column};
    }
    for (usize i = 0; i < r.len; ++i) log_[log_len_++] = text[i];
    if (text[r.len - 1] != '\n') log_[log_len_++] = '\n';
    return {code(Error::Ok), 0, 0};
}

// The tree from `root` over every other core, as one line in tree_.
Status Service::tree(u32 root) {
    if (mc_loaded_ && mc_root_ != root) TRY_STATUS(reload());
    u32 members[kMaxCores], count = 0;
    for (u32 c = 0; c < cores_; ++c)
        if (c != root) members[count++] = c;
    McEdge edges[kMaxCores];
    mc_loaded_ = true;
    mc_root_ = root;
    ++generation_; // the mc_* facts are new answers too
    u32 n = TRY(multicast_tree(engine_, root, members, count, edges, kMaxCores));
    TRY_STATUS(check_tree(root, members, count, edges, n));
    tree_len_ = TRY(render_tree(root, edges, n, tree_, sizeof tree_));
    tree_root_ = root;
    tree_generation_ = generation_;
    tree_valid_ = true;
    return {};
}

svc::multicast_reply Service::multicast(const svc::multicast_request& r) {
    svc::multicast_reply out{};
    if (!ready_) return out.status = code(Error::NotFound), out;
    if (r.root >= cores_) return out.status = code(Error::NotFound), out;
    if (!tree_valid_ || tree_root_ != r.root || tree_generation_ != generation_) {
        tree_valid_ = false;
        if (Status s = tree(r.root); !s.ok()) return out.status = code(s.error()), out;
    }
    out.total = u32(tree_len_);
    if (r.offset > tree_len_) return out.status = code(Error::OutOfRange), out;
    usize len = min<usize>(tree_len_ - r.offset, sizeof out.chunk.bytes);
    for (usize i = 0; i < len; ++i) out.chunk.bytes[i] = u8(tree_[r.offset + i]);
    out.len = u32(len);
    out.status = code(Error::Ok);
    return out;
}

} // namespace mosaic::skb
