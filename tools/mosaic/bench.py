"""./mosaic bench: figures measured side by side in one run, never asserted.
  boot        launch-to-banner time of every node of every board (median of 3 boots)
  idle        host CPU used by each node of each board while it idles for 5 s
  sizes       each ISA's CPU driver: text/data/bss bytes and lines of code
  syscalls    null system call and LMP round trip per ISA, in the ISA's counter ticks and ns
              (user programs on each single-ISA board's boot core; median of 3 boots)
  transports  host message-transport benchmark (URPC against its baselines, spinning and
              blocking, pinned and unpinned; the bulk buffer pool against memcpy); its JSON
              figures go to build/bench/transports.json and its plots to build/bench/*.png
              --boards: the same in the guests (userland/programs/tbench.cpp, boot job 5):
              LMP, URPC within a node and URPC between nodes (qemu-hetero's cross-ISA
              pairs), round trips and streams, beside the raw cache-line ping-pong between
              the same two cores, and for every URPC pair the bulk pool (4 KiB buffers and
              up, as far as the pair's pool holds) beside memcpy of the same buffers on the
              giving core; median of 3 boots; build/bench/transports-boards.json
              and build/bench/transports-boards-*.png
  skb         SKB benchmark (facts loaded and queried, transitive closure over two graphs): each
              single-ISA board's boot core (booted with the boot parameter skbbench=1) beside the
              host's release build on exactly the guest's scaled workloads (skb/workload.hpp's
              kSmall*), with each guest's ratio to the host; then the host's full sizes (10^5
              facts, 1,000-node graphs) as context"""
import glob
import json
import os
import re
import statistics
import subprocess
import sys

from . import boards, build, runner
from .common import BUILD, ROOT, ToolError, step

HOST_BENCHES = {"transports": "tests/bench/bench-transports", "skb": "tests/bench/bench-skb"}
GUEST_BOARDS = ("qemu-x86_64", "qemu-aarch64", "qemu-riscv64")


def bench_boot():
    out = {}
    for name in boards.names():
        board = boards.load(name)
        img = build.image(board)
        times = {n["name"]: [] for n in board["nodes"]}
        for _ in range(3):
            for r in runner.Run(board, img, echo=False).go():
                if r.banner_time is not None:
                    times[r.node["name"]].append(r.banner_time)
        out[name] = {node: round(statistics.median(t), 3) if t else None for node, t in times.items()}
    return out


def bench_idle(seconds=5):
    """Share of one host CPU each node's QEMU uses while the guest idles (all cores halted
    between the boot core's 100 Hz timer ticks), from /proc CPU times."""
    out = {}
    for name in boards.names():
        board = boards.load(name)
        img = build.image(board)
        per_node = {}
        for r in runner.Run(board, img, echo=False, idle=seconds, timeout=board["timeout"] + seconds).go():
            s = r.idle_samples
            if len(s) == 2 and s[0][1] is not None and s[1][1] is not None and s[1][0] > s[0][0]:
                per_node[r.node["name"]] = f"{100 * (s[1][1] - s[0][1]) / (s[1][0] - s[0][0]):.1f}%"
            else:
                per_node[r.node["name"]] = f"not measured ({r.error or 'no IDLE markers'})"
        out[name] = per_node
    return out


def bench_sizes():
    out = {}
    for isa in ("x86_64", "aarch64", "riscv64"):
        elf, _ = build.isa(isa)
        text, data, bss = build.driver_size(elf)
        loc = build.driver_loc(isa)
        out[isa] = {"text": text, "data": data, "bss": bss, "generic_loc": loc["generic"], "generic_all_lines": loc["generic_all"],
                    "arch_cpp_loc": loc["arch_cpp"], "arch_asm_loc": loc["arch_asm"]}
    return out


BENCH_LINE = re.compile(r"^BENCH (\S+) count (\d+) ticks (\d+) hz (\d+)$")


def bench_syscalls():
    """Per ISA: ticks and ns per null system call and per LMP round trip, and their ratio."""
    out = {}
    for name in ("qemu-x86_64", "qemu-aarch64", "qemu-riscv64"):
        board = boards.load(name)
        img = build.image(board)
        samples = {}
        for _ in range(3):
            for r in runner.Run(board, img, echo=False).go():
                for line in r.lines:
                    if m := BENCH_LINE.match(line):
                        count, ticks, hz = (int(m.group(i)) for i in (2, 3, 4))
                        samples.setdefault(m.group(1), []).append((ticks / count, ticks * 1e9 / hz / count if hz else None))
        isa = board["nodes"][0]["isa"]
        row = {}
        for what, vals in samples.items():
            row[f"{what} ticks"] = round(statistics.median(v[0] for v in vals), 1)
            ns = [v[1] for v in vals if v[1] is not None]
            row[f"{what} ns"] = round(statistics.median(ns)) if ns else None
        if row.get("null-syscall ticks") and row.get("lmp-round-trip ticks"):
            row["lmp / null-syscall"] = round(row["lmp-round-trip ticks"] / row["null-syscall ticks"], 1)
        out[isa] = row or "not measured (no BENCH lines)"
    return out


# The guests' transport benchmark: one board per ISA (cut to the host's CPUs, so that the
# two vCPUs measured within a node do not outnumber the host's cores) and the heterogeneous
# board for the pairs of nodes.
TRANSPORT_BOARDS = ("qemu-x86_64", "qemu-aarch64", "qemu-riscv64", "qemu-hetero")
TBENCH_LINE = re.compile(r"^BENCH (urpc-rt|urpc-stream(?:@\d+)?|urpc-bulk@\d+|memcpy@\d+|line-rt)/(\w+)\.(\d+)/(\w+)\.(\d+) count (\d+) ticks (\d+) hz (\d+)$")
ONE_SLOT_BYTES = 40  # a one-frame message's payload: one 64-byte URPC slot
LMP_BYTES = 32       # an LMP message: four words
GUEST_BOOTS = 3


def fitted_board(name, cpus):
    """Board `name` with every node cut to `cpus` cores (at least 2), as a derived board file
    under build/bench/boards named '<name>-<n>cores'; the board itself when it fits."""
    board = boards.load(name)
    cores = max(2, cpus)
    if all(n["cores"] <= cores for n in board["nodes"]):
        return board
    with open(board["path"], encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"(?m)^(\s*cores\s*=\s*)\d+", lambda m: f"{m.group(1)}{cores}", text)
    text = re.sub(r"(?m)^(\s*name\s*=\s*)(\S+)", lambda m: f"{m.group(1)}{m.group(2)}-{cores}cores", text, count=1)
    out = os.path.join(BUILD, "bench", "boards")
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, f"{name}-{cores}cores.board")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return boards.load(path)


def _guest_transport_rows(board, results):
    """The figures of one boot: {(kind, from, to): {round_trip_ns, stream_msgs_per_s, ...}}."""
    rows = {}
    first_core, node_of = {}, {}  # node name -> its first board core; board core -> node name
    for n in board["nodes"]:
        first_core[n["name"]] = len(node_of)
        node_of.update({len(node_of) + k: n["name"] for k in range(n["cores"])})
    for r in results:
        for line in r.lines:
            if m := TBENCH_LINE.match(line):
                what, isa_a, core_a, isa_b, core_b = m.group(1), m.group(2), int(m.group(3)), m.group(4), int(m.group(5))
                count, ns = int(m.group(6)), int(m.group(7))
                kind = "urpc within a node" if node_of.get(core_a) == node_of.get(core_b) else "urpc between nodes"
                row = rows.setdefault((kind, f"{isa_a}.{core_a}", f"{isa_b}.{core_b}"), {})
                per = ns / count if count else None
                if what == "urpc-rt":
                    row["round_trip_ns"] = per
                elif what == "line-rt":
                    row["raw_line_round_trip_ns"] = per
                elif what.startswith(("urpc-bulk@", "memcpy@")):
                    # count buffers of `size` bytes each in ns nanoseconds
                    size = int(what.partition("@")[2])
                    if ns and size:
                        name = "bulk" if what.startswith("urpc-bulk") else "memcpy"
                        row[f"{name}_bytes_per_s@{size}"] = count * size * 1e9 / ns
                elif ns:
                    size = int(what.partition("@")[2] or ONE_SLOT_BYTES)
                    if size == ONE_SLOT_BYTES:
                        row["stream_msgs_per_s"] = count * 1e9 / ns
                    row[f"stream_bytes_per_s@{size}"] = count * size * 1e9 / ns
            elif (m := BENCH_LINE.match(line)) and m.group(1) in ("lmp-round-trip", "lmp-stream"):
                count, ticks, hz = (int(m.group(i)) for i in (2, 3, 4))
                if not hz or not ticks:
                    continue
                isa = r.node["isa"]
                row = rows.setdefault(("lmp", f"{isa}.{first_core[r.node['name']]}", f"{isa}.{first_core[r.node['name']]}"), {})
                if m.group(1) == "lmp-round-trip":
                    row["round_trip_ns"] = ticks * 1e9 / hz / count
                else:
                    row["stream_msgs_per_s"] = count * hz / ticks
                    row[f"stream_bytes_per_s@{LMP_BYTES}"] = count * LMP_BYTES * hz / ticks
    return rows


def bulk_over_memcpy(row):
    """The bulk pool's throughput over memcpy's per buffer size measured for both, as
    {"sizes", "ratios", "lowest", "highest"}; None when no size has both."""
    sizes = sorted(int(k.partition("@")[2]) for k in row if k.startswith("bulk_bytes_per_s@")
                   and row.get(f"memcpy_bytes_per_s@{k.partition('@')[2]}"))
    if not sizes:
        return None
    ratios = [row[f"bulk_bytes_per_s@{n}"] / row[f"memcpy_bytes_per_s@{n}"] for n in sizes]
    return {"sizes": sizes, "ratios": ratios, "lowest": min(ratios), "highest": max(ratios)}


def _kib(n):
    return f"{n >> 20}M" if n >= 1 << 20 and n % (1 << 20) == 0 else f"{n >> 10}K" if n % 1024 == 0 else str(n)


def bench_transports_boards(as_json):
    """The guests' transport figures (see the module's docstring), each the median of
    GUEST_BOOTS boots, with URPC's round trip over the raw line's between the same cores."""
    cpus = len(os.sched_getaffinity(0))
    out = {"host_cpus": cpus, "boots": GUEST_BOOTS, "boards": {}, "rows": []}
    for name in TRANSPORT_BOARDS:
        board = fitted_board(name, cpus)
        vcpus = sum(n["cores"] for n in board["nodes"])
        note = (f"{vcpus} vCPUs on {cpus} host CPUs" + (" (cut from " + name + ")" if board["name"] != name else "")
                + ("; only the two measured spin, the others halt" if vcpus > cpus else ""))
        out["boards"][board["name"]] = note
        samples, errors = {}, []
        try:
            img = build.image(board)
        except ToolError as e:
            out["boards"][board["name"]] = f"not measured ({str(e).splitlines()[0]})"
            continue
        for _ in range(GUEST_BOOTS):
            results = runner.Run(board, img, echo=False, params={"job": 5}, timeout=board["timeout"] + 120).go()
            errors += [f"{r.node['name']}: {r.error}" for r in results if r.error]
            for key, row in _guest_transport_rows(board, results).items():
                for field, v in row.items():
                    samples.setdefault(key, {}).setdefault(field, []).append(v)
        if errors:
            out["boards"][board["name"]] += f"; failures: {'; '.join(errors[:3])}"
        for (kind, a, b), fields in samples.items():
            row = {"board": board["name"], "transport": kind, "from": a, "to": b}
            row.update({f: statistics.median(v) for f, v in fields.items()})
            if row.get("round_trip_ns") and row.get("raw_line_round_trip_ns"):
                row["round_trip_over_raw_line"] = row["round_trip_ns"] / row["raw_line_round_trip_ns"]
            bulk = bulk_over_memcpy(row)
            if bulk:
                row["bulk_over_memcpy"] = bulk
            out["rows"].append(row)
    d = os.path.join(BUILD, "bench")
    os.makedirs(d, exist_ok=True)
    figures = os.path.join(d, "transports-boards.json")
    with open(figures, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)
    out["plots"] = plot_transports(figures, d, "--boards")
    if as_json:
        return out
    fmt = "  {:<22} {:<20} {:<24} {:>11} {:>11} {:>8} {:>13} {:>22}"
    lines = [fmt.format("board", "transport", "pair", "round trip", "raw line", "/line", "stream msg/s", "bulk/memcpy (sizes)")]
    for r in out["rows"]:
        pair = r["from"] if r["from"] == r["to"] else f"{r['from']} -> {r['to']}"
        rt, line, ratio, st = r.get("round_trip_ns"), r.get("raw_line_round_trip_ns"), r.get("round_trip_over_raw_line"), r.get("stream_msgs_per_s")
        bulk = r.get("bulk_over_memcpy")
        bulk = f"{bulk['lowest']:.2f}-{bulk['highest']:.2f}x ({_kib(bulk['sizes'][0])}-{_kib(bulk['sizes'][-1])})" if bulk else "-"
        lines.append(fmt.format(r["board"], r["transport"], pair, f"{rt:.0f} ns" if rt else "-", f"{line:.0f} ns" if line else "-",
                                f"{ratio:.2f}x" if ratio else "-", f"{st:.3g}" if st else "-", bulk))
    lines.append("  (the median of each figure over the boots; raw line: one cache line both cores spin on, the same two")
    lines.append("   cores' limit under the emulator; bulk/memcpy: the bulk pool's bytes per second over memcpy's of the")
    lines.append("   same buffers on the giving core, lowest and highest over the buffer sizes the pool holds;")
    lines.append("   every board's vCPUs against the host's:)")
    lines += [f"    {b}: {n}" for b, n in out["boards"].items()]
    lines.append(f"figures: {figures}\nplots: {out['plots']}")
    return "\n".join(lines)


def bench_host(name, as_json):
    d = build.native("bench")
    exe = os.path.join(d, HOST_BENCHES[name])
    if not os.path.exists(exe):
        raise ToolError(f"benchmark '{name}' is not built in this tree ({HOST_BENCHES[name]} missing)")
    figures = os.path.join(d, f"{name}.json") if name == "transports" else None
    r = subprocess.run([exe] + (["--json"] if as_json else []) + (["--json-out", figures] if figures else []),
                       stdout=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise ToolError(f"benchmark {name} failed (exit {r.returncode})")
    out = json.loads(r.stdout) if as_json else r.stdout
    if figures:
        note = plot_transports(figures, d)
        if as_json:
            out["plots"] = note
        else:
            out += f"figures: {figures}\nplots: {note}\n"
    return out


def plot_transports(figures, outdir, *flags):
    """Draws the transport plots with Debian's python3-matplotlib (the system python, which
    has it, even when ./mosaic runs under another python3); says what it wrote or why not."""
    from . import deps
    deps.ensure(deps.BENCH_PACKAGES)
    script = os.path.join(ROOT, "tools", "mosaic", "plot_transports.py")
    python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    r = subprocess.run([python, script, *flags, figures, outdir], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        return f"not drawn ({(r.stdout.strip().splitlines() or ['?'])[-1]}; python3-matplotlib installed?)"
    return ", ".join(r.stdout.split())


def _size(n):
    """10^k for powers of ten from 100, else n with thousands separators."""
    k = len(str(n)) - 1
    return f"10^{k}" if n >= 100 and n == 10 ** k else f"{n:,}"


def _graph(f, g):
    c = f.get(f"closure_{g}", {})
    nodes = f"{c['nodes']:,}" if isinstance(c.get("nodes"), int) else "?"
    return f"{nodes}-node {g}" + (f", {c['edges']:,} edges" if g == "random" and isinstance(c.get("edges"), int) else "")


# The SKB workloads: (guest BENCH name, path to the host's milliseconds and to its count in
# its JSON figures, label from those figures). The guest runs the scaled sizes
# (skb/workload.hpp's kSmall*), so its rows stand beside the host's "small" figures: the same
# generator, sizes and capacities; the labels say the sizes the figures report.
SKB_ROWS = (
    ("skb-load-facts", ("facts_load_ms",), ("facts",), lambda f: f"load {_size(f.get('facts', 0))} facts"),
    ("skb-fact-query", ("facts_query_ms",), ("facts_answers",),
     lambda f: f"query fact(X, 5, S): {f.get('facts_answers', '?')} answers"),
    ("skb-closure-chain", ("closure_chain", "solve_ms"), ("closure_chain", "pairs"),
     lambda f: f"closure, {_graph(f, 'chain')}: solve"),
    ("skb-closure-chain-query", ("closure_chain", "query_ms"), ("closure_chain", "answers"),
     lambda f: f"closure, {_graph(f, 'chain')}: query"),
    ("skb-closure-random", ("closure_random", "solve_ms"), ("closure_random", "pairs"),
     lambda f: f"closure, {_graph(f, 'random')}: solve"),
    ("skb-closure-random-query", ("closure_random", "query_ms"), ("closure_random", "answers"),
     lambda f: f"closure, {_graph(f, 'random')}: query"),
)


def _at(figures, path):
    val = figures
    for p in path:
        val = val.get(p) if isinstance(val, dict) else None
    return val


def _ms(v):
    if not isinstance(v, (int, float)):
        return "-"
    return f"{v:.1f}" if v >= 10 else f"{v:.2f}" if v >= 1 else f"{v:.3f}" if v >= 0.01 else f"{v:.4f}"


def bench_skb(as_json):
    """The guest's SKB workloads (one guest boot per single-ISA board) beside the host's run of
    exactly those workloads, in milliseconds, with each guest's ratio to the host; the host's
    full-size figures follow as context."""
    host = bench_host("skb", True)
    small = host.get("small")
    if not isinstance(small, dict):
        raise ToolError("bench-skb printed no figures for the guest's sizes (no \"small\" in its JSON)")
    guests = {}
    for name in GUEST_BOARDS:
        board = boards.load(name)
        try:
            img = build.image(board)
            (r,) = runner.Run(board, img, echo=False, params={"skbbench": 1}, timeout=board["timeout"] + 600).go()
        except (ToolError, ValueError) as e:
            guests[board["nodes"][0]["isa"]] = f"not measured ({str(e).splitlines()[0]})"
            continue
        row = {}
        for line in r.lines:
            if (m := BENCH_LINE.match(line)) and m.group(1).startswith("skb-"):
                count, ticks, hz = (int(m.group(i)) for i in (2, 3, 4))
                row[m.group(1)] = {"count": count, "ms": round(ticks * 1000 / hz, 4) if hz else None}
        isa = board["nodes"][0]["isa"]
        guests[isa] = row or f"not measured (no BENCH skb lines; {r.error or 'see the log'})"
    ratios = {}  # guest ms / host ms, per guest and workload
    for isa, row in guests.items():
        if not isinstance(row, dict):
            continue
        for key, ms_path, _, _ in SKB_ROWS:
            got, base = (row.get(key) or {}).get("ms"), _at(small, ms_path)
            if isinstance(got, (int, float)) and isinstance(base, (int, float)) and base > 0:
                ratios.setdefault(isa, {})[key] = round(got / base, 2)
    if as_json:
        return {"host": host, "guest": guests, "guest / host": ratios}
    width = max(len(label(small)) for _, _, _, label in SKB_ROWS) + 2
    out = [f"  {'workload (ms; guest sizes)':{width}}{'host':>10}"
           + "".join(f"{isa:>10}{'/ host':>8}" for isa in guests)]
    for key, ms_path, _, label in SKB_ROWS:
        line = f"  {label(small):{width}}{_ms(_at(small, ms_path)):>10}"
        for isa, row in guests.items():
            cell = row.get(key) if isinstance(row, dict) else None
            r = ratios.get(isa, {}).get(key)
            line += f"{_ms(cell['ms'] if cell else None):>10}" + f"{(f'{r:.1f}x' if r is not None else '-'):>8}"
        out.append(line)
    out.append(f"  (host: release build; guest / host = guest ms / host ms; the guest's engine arena "
               f"{small.get('arena_bytes', 0) / 2**20:.1f} MiB)")
    full = [f"load {_size(host.get('facts', 0))} facts {_ms(host.get('facts_load_ms'))} ms",
            f"query {_ms(host.get('facts_query_ms'))} ms ({host.get('facts_answers', '?')} answers)"]
    for g in ("chain", "random"):
        c = host.get(f"closure_{g}")
        if isinstance(c, dict):
            full.append(f"closure, {_graph(host, g)} ({c.get('pairs', 0):,} pairs): solve {_ms(c.get('solve_ms'))} ms, "
                        f"query {_ms(c.get('query_ms'))} ms")
    out.append(f"  host at full size (arena {host.get('arena_bytes', 0) / 2**20:.1f} MiB): " + "; ".join(full))
    out += [f"  {isa}: {row}" for isa, row in guests.items() if isinstance(row, str)]
    for isa, row in guests.items():  # the same work on both sides, or say so
        if not isinstance(row, dict):
            continue
        for key, _, count_path, label in SKB_ROWS:
            got, want = (row.get(key) or {}).get("count"), _at(small, count_path)
            if got is None or got == want:
                continue
            if count_path[-1] == "pairs":
                g = count_path[0].removeprefix("closure_")
                out.append(f"  {isa}: {g} closure has {got} pairs in the guest, {want} on the host")
            else:
                out.append(f"  {isa}: {label(small)}: count {got} in the guest, {want} on the host")
    return "\n".join(out)


def run(what, as_json, on_boards=False):
    kinds = ["boot", "idle", "sizes", "syscalls"] + [k for k in HOST_BENCHES if os.path.exists(os.path.join(ROOT, os.path.dirname(HOST_BENCHES[k])))]
    if what != "all" and what not in ("boot", "idle", "sizes", "syscalls", *HOST_BENCHES):
        raise ToolError(f"unknown benchmark '{what}'; valid: all, boot, idle, sizes, syscalls, {', '.join(HOST_BENCHES)}", 2)
    if on_boards and what != "transports":
        raise ToolError("--boards goes with the transports benchmark only: ./mosaic bench transports --boards", 2)
    results = {}
    if on_boards:
        step("benchmark: transports in the guests")
        res = bench_transports_boards(as_json)
        print(json.dumps(res, indent=2) if as_json else res)
        return 0
    for k in (kinds if what == "all" else [what]):
        step(f"benchmark: {k}")
        local = {"boot": bench_boot, "idle": bench_idle, "sizes": bench_sizes, "syscalls": bench_syscalls,
                 "skb": lambda: bench_skb(as_json)}
        results[k] = local[k]() if k in local else bench_host(k, as_json)
        if not as_json:
            if isinstance(results[k], str):
                print(results[k])
            else:
                for key, val in results[k].items():
                    print(f"  {key}: {val}")
    if as_json:
        print(json.dumps(results if what == "all" else results[what], indent=2))
    return 0
