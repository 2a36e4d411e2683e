// bench-skb: load and query time of the SKB's Datalog engine on the host: 10^5 facts, and
// transitive closure over 1,000-node graphs, beside a hand-written BFS closure as the
// baseline. Reported, never asserted. --json prints one JSON object. The workloads are
// skb/workload.hpp's, the same the guest benchmark (mosaic.skbbench=1) runs.
#include <mosaic/skb/engine.hpp>
#include <mosaic/skb/workload.hpp>

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

struct Figures {
    double facts_load_ms = 0, facts_query_ms = 0;
    u64 facts = 0, facts_answers = 0;
    struct Closure {
        const char* graph;
        u64 edges = 0, pairs = 0, baseline_pairs = 0;
        double solve_ms = 0, query_ms = 0, baseline_ms = 0;
    } closures[2];
    usize arena_bytes = 0;
};

// Loads 10^5 facts from text, then runs a selective query over them.
void bench_facts(Figures& f) {
    std::string text(64 * workload::kFacts, '\0');
    usize len = workload::fact_text(workload::kFacts, text.data(), text.size()).value();
    Db db(workload::kFactLimits);
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

void bench_closure(Figures::Closure& c, const std::vector<std::pair<u32, u32>>& edges) {
    Db db(workload::kClosureLimits);
    std::vector<std::vector<u32>> adj(workload::kGraphNodes);
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
    c.edges = edges.size();
    c.pairs = must(db.engine.relation_size("reach"), "relation_size");
    c.solve_ms = t1 - t0;
    c.query_ms = t2 - t1;
    double t3 = now_ms();
    c.baseline_pairs = bfs_closure(adj);
    c.baseline_ms = now_ms() - t3;
}

std::vector<std::pair<u32, u32>> graph(workload::Graph g) {
    std::vector<std::pair<u32, u32>> e;
    workload::Edges edges(g);
    for (u32 a, b; edges.next(a, b);) e.push_back({a, b});
    return e;
}

} // namespace

int main(int argc, char** argv) {
    bool json = argc > 1 && std::strcmp(argv[1], "--json") == 0;
    Figures f;
    f.arena_bytes = Engine::arena_bytes(workload::kClosureLimits); // the larger of the two
    bench_facts(f);
    f.closures[0].graph = "chain";
    bench_closure(f.closures[0], graph(workload::Graph::Chain));
    f.closures[1].graph = "random";
    bench_closure(f.closures[1], graph(workload::Graph::Random));
    if (json) {
        std::printf("{\"bench\":\"skb\",\"arena_bytes\":%zu,\"facts\":%llu,\"facts_load_ms\":%.3f,"
                    "\"facts_query_ms\":%.3f,\"facts_answers\":%llu",
                    f.arena_bytes, (unsigned long long)f.facts, f.facts_load_ms, f.facts_query_ms,
                    (unsigned long long)f.facts_answers);
        for (auto& c : f.closures)
            std::printf(",\"closure_%s\":{\"nodes\":1000,\"edges\":%llu,\"pairs\":%llu,\"solve_ms\":%.3f,"
                        "\"query_ms\":%.3f,\"baseline_bfs_ms\":%.3f,\"baseline_pairs\":%llu}",
                        c.graph, (unsigned long long)c.edges, (unsigned long long)c.pairs, c.solve_ms, c.query_ms,
                        c.baseline_ms, (unsigned long long)c.baseline_pairs);
        std::printf("}\n");
        return 0;
    }
    std::printf("skb arena (the guest's capacities): %.1f MiB\n", f.arena_bytes / 1048576.0);
    std::printf("load %llu facts from text: %.1f ms; query fact(X, 5, S): %llu answers in %.3f ms\n",
                (unsigned long long)f.facts, f.facts_load_ms, (unsigned long long)f.facts_answers, f.facts_query_ms);
    for (auto& c : f.closures)
        std::printf("transitive closure, 1000 nodes, %s graph (%llu edges): %llu pairs, solve %.1f ms, "
                    "query reach(0, Y) %.3f ms; baseline BFS %.1f ms (%llu pairs)\n",
                    c.graph, (unsigned long long)c.edges, (unsigned long long)c.pairs, c.solve_ms, c.query_ms,
                    c.baseline_ms, (unsigned long long)c.baseline_pairs);
    return 0;
}
