// The SKB service's request handling, hardware-neutral: what userland/programs/skb.cpp
// answers over its channels (interface skb, transports/interfaces/skb.hpp), here so that
// the host tests drive it with the same requests. Every request gets a reply whose status
// says what went wrong (a handler never fails, so a client never waits for a reply that
// does not come).
//
// State: the engine, loaded with the board's facts (from its manifest), every fact text
// added since (kept as text, the fact log), and the rule files. A failed add_facts reloads
// the engine from the log, so a text is loaded all or nothing; so does a multicast tree
// from another root (multicast_tree leaves mc_root/mc_member facts loaded).
#pragma once

#include <mosaic/board.hpp>
#include <mosaic/skb/decide.hpp>
#include <mosaic/skb/engine.hpp>
#include <mosaic/transports/interfaces/skb.hpp>

namespace mosaic::skb {

namespace svc = ifaces::skb;

class Service {
  public:
    static constexpr usize kFactLogBytes = 48 * 1024; // the board's facts and every text added
    static constexpr usize kAnswerBytes = 32 * 1024;  // one query's answers as text
    static constexpr u32 kMaxCores = 64;
    static constexpr usize kTreeBytes = kMaxCores * 12 + 32;

    // The engine's memory: at least Engine::arena_bytes(kBoardLimits) bytes, which the
    // service uses as long as it lives.
    Status init(void* arena, usize bytes);
    // Parses the board manifest and loads its facts (board_facts, render_facts) and every
    // rule file. err (optional) says where a manifest is wrong.
    Status load_board(const char* manifest, usize len, BoardError* err = nullptr);

    svc::query_reply query(const svc::query_request& r);
    svc::answer_reply answer(const svc::answer_request& r);
    svc::add_facts_reply add_facts(const svc::add_facts_request& r);
    svc::multicast_reply multicast(const svc::multicast_request& r);

    bool ready() const { return ready_; }
    u32 cores() const { return cores_; }
    Engine& engine() { return engine_; }
    u32 queries() const { return queries_; }

  private:
    // The query's answers as canonical text in answers_ (cached while no fact changes).
    Result<usize> render(const svc::QueryText& text, ParseError& err);
    Status reload();
    Status tree(u32 root);

    Engine engine_;
    void* arena_ = nullptr;
    usize arena_bytes_ = 0;
    bool ready_ = false;
    u32 cores_ = 0;
    u32 queries_ = 0;
    u64 generation_ = 0; // bumps whenever the loaded facts change

    char log_[kFactLogBytes] = {};
    usize log_len_ = 0;

    char answers_[kAnswerBytes] = {};
    usize answers_len_ = 0;
    char answers_query_[sizeof(svc::QueryText) + 1] = {};
    bool answers_valid_ = false; // answers_ are those of answers_query_ at answers_generation_
    u64 answers_generation_ = 0;

    // (Every member starts as zero, so that a service in a program's globals is in .bss.)
    bool mc_loaded_ = false; // the engine holds the mc_* facts of mc_root_
    u32 mc_root_ = 0;
    bool tree_valid_ = false; // tree_ is the tree from tree_root_ at tree_generation_
    u32 tree_root_ = 0;
    u64 tree_generation_ = 0;
    char tree_[kTreeBytes] = {};
    usize tree_len_ = 0;
};

} // namespace mosaic::skb
