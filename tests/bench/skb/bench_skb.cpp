// bench-skb: load and query time of the SKB's Datalog engine on the host: 10^5 facts, and
// transitive closure over 1,000-node graphs, beside a hand-written BFS closure as the
// baseline. Reported, never asserted. --json prints one JSON object. The workloads are
// skb/workload.hpp's. It runs them twice: at the full sizes (workload::kFacts, kGraphNodes,
// kRandomEdges; the top-level JSON keys), and at exactly the guest benchmark's scaled sizes
// and capacities (workload::kSmall*, as userland/programs/skbbench.cpp runs them for boot
// parameter skbbench=1; the JSON's "small" object, of the same shape), which ./mosaic bench
// skb puts beside the guest's figures.
#include <mosaic/skb/engine.hpp>
#include <mosaic/skb/workload.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

using namespace mosaic;
using namespace mosaic::skb;

namespace {

double now_ms() {
    using namespace std::chrono;
    return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

struct Db {
    std::unique_ptr<unsigned char[]> memory;
    Engine engine;
    explicit Db(const Limits& l) : memory(new unsigned char[Engine::arena_bytes(l)]) {
        if (!engine.init(memory.get(), Engine::arena_bytes(l), l)) std::abort();
    }
};

Status count(void* ctx, const Answer&) {
    ++*static_cast<u64*>(ctx);
    return {};
}

u64 must(Result<u32> r, const char* what) {
    if (!r) {
        std::fprintf(stderr, "bench-skb: %s failed: %s\n", what, error_name(r.error()));
        std::exit(1);
    }
    return *r;
}

// One set of workload sizes and the engine capacities that hold them.
struct Sizes {
    u32 facts, graph_nodes, random_edges;
    const Limits& fact_limits;
    const Limits& closure_limits;
};
const Sizes kFull{workload::kFacts, workload::kGraphNodes, workload::kRandomEdges, workload::kFactLimits,
                  workload::kClosureLimits};
// The guest's (userland/programs/skbbench.cpp).
const Sizes kSmall{workload::kSmallFacts, workload::kSmallGraphNodes, workload::kSmallRandomEdges,
                   workload::kSmallFactLimits, workload::kSmallClosureLimits};

struct Figures {
    double facts_load_ms = 0, facts_query_ms = 0;
    u64 facts = 0, facts_answers = 0;
    struct Closure {
        const char* graph;
        u64 nodes = 0, edges = 0, pairs = 0, answers = 0, baseline_pairs = 0;
        double solve_ms = 0, query_ms = 0, baseline_ms = 0;
    } closures[2];
    usize arena_bytes = 0;
};

// Loads the facts from text, then runs a selective query over them.
void bench_facts(Figures& f, const Sizes& z) {
    std::string text(64 * usize(z.facts) + 1, '\0');
    usize len = workload::fact_text(z.facts, text.data(), text.size()).value();
    Db db(z.fact_limits);
    double t0 = now_ms();
    if (!db.engine.load(text.data(), len)) std::abort();
    double t1 = now_ms();
    const char* q = workload::kFactQuery;
    f.facts_answers = must(db.engine.query(q, std::strlen(q), count, &f.facts_answers), "fact query");
    f.facts_load_ms = t1 - t0;
    f.facts_query_ms = now_ms() - t1;
    f.facts = db.engine.tuple_count();
}

// Closure pairs by a BFS from every node: the same answer without an engine.
u64 bfs_closure(const std::vector<std::vector<u32>>& adj) {
    u64 pairs = 0;
    std::vector<u32> seen(adj.size(), ~0u), stack;
    for (u32 s = 0; s < adj.size(); ++s) {
        stack.assign(adj[s].begin(), adj[s].end());
        while (!stack.empty()) {
            u32 v = stack.back();
            stack.pop_back();
            if (seen[v] == s) continue;
            seen[v] = s;
            ++pairs;
            for (u32 w : adj[v]) stack.push_back(w);
        }
    }
    return pairs;
}

std::vector<std::pair<u32, u32>> graph(workload::Graph g, const Sizes& z) {
    std::vector<std::pair<u32, u32>> e;
    workload::Edges edges(g, z.graph_nodes, z.random_edges);
    for (u32 a, b; edges.next(a, b);) e.push_back({a, b});
    return e;
}

void bench_closure(Figures::Closure& c, workload::Graph g, const Sizes& z) {
    const auto edges = graph(g, z);
    Db db(z.closure_limits);
    std::vector<std::vector<u32>> adj(z.graph_nodes);
    for (auto [a, b] : edges) {
        Value v[2] = {Value::integer(a), Value::integer(b)};
        if (!db.engine.add_fact("edge", v, 2)) std::abort();
        adj[a].push_back(b);
    }
    const char* rules = workload::kClosureRules;
    if (!db.engine.load(rules, std::strlen(rules))) std::abort();
    double t0 = now_ms();
    if (!db.engine.solve()) std::abort();
    double t1 = now_ms();
    u64 answers = 0;
    const char* q = workload::kClosureQuery;
    must(db.engine.query(q, std::strlen(q), count, &answers), "reach query");
    double t2 = now_ms();
    c.graph = g == workload::Graph::Chain ? "chain" : "random";
    c.nodes = z.graph_nodes;
    c.edges = edges.size();
    c.pairs = must(db.engine.relation_size("reach"), "relation_size");
    c.answers = answers;
    c.solve_ms = t1 - t0;
    c.query_ms = t2 - t1;
    double t3 = now_ms();
    c.baseline_pairs = bfs_closure(adj);
    c.baseline_ms = now_ms() - t3;
}

Figures bench(const Sizes& z, usize arena_bytes) {
    Figures f;
    f.arena_bytes = arena_bytes;
    bench_facts(f, z);
    bench_closure(f.closures[0], workload::Graph::Chain, z);
    bench_closure(f.closures[1], workload::Graph::Random, z);
    return f;
}

// The figures' JSON members (without braces). Milliseconds to 0.1 us: the small queries
// take microseconds, and ./mosaic bench skb divides the guest's times by them.
void print_json(const Figures& f) {
    std::printf("\"arena_bytes\":%zu,\"facts\":%llu,\"facts_load_ms\":%.4f,\"facts_query_ms\":%.4f,"
                "\"facts_answers\":%llu",
                f.arena_bytes, (unsigned long long)f.facts, f.facts_load_ms, f.facts_query_ms,
                (unsigned long long)f.facts_answers);
    for (auto& c : f.closures)
        std::printf(",\"closure_%s\":{\"nodes\":%llu,\"edges\":%llu,\"pairs\":%llu,\"answers\":%llu,"
                    "\"solve_ms\":%.4f,\"query_ms\":%.4f,\"baseline_bfs_ms\":%.4f,\"baseline_pairs\":%llu}",
                    c.graph, (unsigned long long)c.nodes, (unsigned long long)c.edges, (unsigned long long)c.pairs,
                    (unsigned long long)c.answers, c.solve_ms, c.query_ms, c.baseline_ms,
                    (unsigned long long)c.baseline_pairs);
}

void print_text(const char* title, const Figures& f) {
    std::printf("%s (engine arena %.1f MiB):\n", title, f.arena_bytes / 1048576.0);
    std::printf("  load %llu facts from text: %.3f ms; query \"%s\": %llu answers in %.4f ms\n",
                (unsigned long long)f.facts, f.facts_load_ms, workload::kFactQuery, (unsigned long long)f.facts_answers,
                f.facts_query_ms);
    for (auto& c : f.closures)
        std::printf("  transitive closure, %llu nodes, %s graph (%llu edges): %llu pairs, solve %.3f ms, "
                    "query \"%s\" (%llu answers) %.4f ms; baseline BFS %.3f ms (%llu pairs)\n",
                    (unsigned long long)c.nodes, c.graph, (unsigned long long)c.edges, (unsigned long long)c.pairs,
                    c.solve_ms, workload::kClosureQuery, (unsigned long long)c.answers, c.query_ms, c.baseline_ms,
                    (unsigned long long)c.baseline_pairs);
}

} // namespace

int main(int argc, char** argv) {
    bool json = argc > 1 && std::strcmp(argv[1], "--json") == 0;
    // Full sizes: the larger of the two arenas is the closure's. Small: the guest's arena
    // must hold both (skbbench.cpp sizes it by their maximum).
    Figures full = bench(kFull, Engine::arena_bytes(workload::kClosureLimits));
    Figures small = bench(kSmall, std::max(Engine::arena_bytes(workload::kSmallFactLimits),
                                           Engine::arena_bytes(workload::kSmallClosureLimits)));
    if (json) {
        std::printf("{\"bench\":\"skb\",");
        print_json(full);
        std::printf(",\"small\":{");
        print_json(small);
        std::printf("}}\n");
        return 0;
    }
    print_text("full sizes", full);
    print_text("the guest's scaled sizes (skbbench)", small);
    return 0;
}
