// Helpers for the SKB host tests: an engine with its arena on the heap, and queries whose
// answers come back as sorted strings such as "a,b".
#pragma once

#include <mosaic/skb/engine.hpp>
#include <mosaic/skb/rules.hpp>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace skbtest {

using namespace mosaic;
using namespace mosaic::skb;

struct Db {
    std::unique_ptr<unsigned char[]> memory;
    Engine engine;
    ParseError err;

    explicit Db(const Limits& limits = Limits{}) {
        usize bytes = Engine::arena_bytes(limits);
        memory.reset(new unsigned char[bytes]);
        Status st = engine.init(memory.get(), bytes, limits);
        if (!st) throw std::runtime_error("engine init failed");
    }

    Error load(const std::string& text) { return engine.load(text.data(), text.size(), &err).error(); }

    std::string show(Value v) const {
        if (v.is_int()) return std::to_string(v.as_int());
        StrView s = engine.symbol_name(v);
        return std::string(s.data, s.len);
    }

    // Answers of a query as "v1,v2,..." strings, sorted; throws on error.
    std::vector<std::string> ask(const std::string& q) {
        std::vector<std::string> out;
        auto each = [&](const Answer& a) {
            std::string row;
            for (u32 i = 0; i < a.arity; ++i) row += (i ? "," : "") + show(a.values[i]);
            out.push_back(row);
        };
        auto r = engine.query(q.data(), q.size(), each, &err);
        if (!r) throw std::runtime_error(std::string("query failed: ") + error_name(r.error()) + ": " + err.message);
        if (*r != out.size()) throw std::runtime_error("answer count mismatch");
        std::sort(out.begin(), out.end());
        return out;
    }

    Error ask_error(const std::string& q) {
        auto each = [&](const Answer&) {};
        return engine.query(q.data(), q.size(), each, &err).error();
    }
};

inline std::vector<std::string> rows(std::initializer_list<const char*> l) {
    std::vector<std::string> v(l.begin(), l.end());
    std::sort(v.begin(), v.end());
    return v;
}

// The text of a rule file as the engine gets it (compiled in from skb/rules/).
inline std::string rule_text(const char* name) {
    auto r = mosaic::skb::rule_file(name);
    if (!r) throw std::runtime_error(std::string("no rule file ") + name);
    return std::string(r->data, r->len);
}

} // namespace skbtest
