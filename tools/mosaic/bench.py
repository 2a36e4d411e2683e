"""./mosaic bench: figures measured side by side in one run, never asserted.
  boot        launch-to-banner time of every node of every board (median of 3 boots)
  idle        host CPU used by each node of each board while it idles for 5 s
  sizes       each ISA's CPU driver: text/data/bss bytes and lines of code
  syscalls    null system call and LMP round trip per ISA, in the ISA's counter ticks and ns
              (user programs on each single-ISA board's boot core; median of 3 boots)
  transports  host message-transport benchmark (URPC against its baselines)
  skb         SKB benchmark (10^5 facts loaded and queried, transitive closure over 1,000-node
              graphs): the host's release build beside each single-ISA board's boot core
              (booted with the boot parameter skbbench=1), the same workloads (skb/workload.hpp)"""
import glob
import json
import os
import re
import statistics
import subprocess

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
        out[isa] = {"text": text, "data": data, "bss": bss, "generic_loc": loc["generic"],
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


def bench_host(name, as_json):
    d = build.native("bench")
    exe = os.path.join(d, HOST_BENCHES[name])
    if not os.path.exists(exe):
        raise ToolError(f"benchmark '{name}' is not built in this tree ({HOST_BENCHES[name]} missing)")
    r = subprocess.run([exe] + (["--json"] if as_json else []), stdout=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise ToolError(f"benchmark {name} failed (exit {r.returncode})")
    return json.loads(r.stdout) if as_json else r.stdout


# The SKB workloads: (label, guest BENCH name, path to the host's milliseconds in its JSON).
SKB_ROWS = (
    ("load 10^5 facts from text", "skb-load-facts", ("facts_load_ms",)),
    ("query fact(X, 5, S)", "skb-fact-query", ("facts_query_ms",)),
    ("closure, chain graph: solve", "skb-closure-chain", ("closure_chain", "solve_ms")),
    ("closure, chain graph: query", "skb-closure-chain-query", ("closure_chain", "query_ms")),
    ("closure, random graph: solve", "skb-closure-random", ("closure_random", "solve_ms")),
    ("closure, random graph: query", "skb-closure-random-query", ("closure_random", "query_ms")),
)


def bench_skb(as_json):
    """Host and guest milliseconds per SKB workload, side by side (one guest boot per board)."""
    host = bench_host("skb", True)
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
                row[m.group(1)] = {"count": count, "ms": round(ticks * 1000 / hz, 3) if hz else None}
        isa = board["nodes"][0]["isa"]
        guests[isa] = row or f"not measured (no BENCH skb lines; {r.error or 'see the log'})"
    if as_json:
        return {"host": host, "guest": guests}
    cols = ["host"] + list(guests)
    out = [f"  {'workload (ms)':32}" + "".join(f"{c:>12}" for c in cols)]
    for label, key, path in SKB_ROWS:
        val = host
        for p in path:
            val = val.get(p, {}) if isinstance(val, dict) else {}
        cells = [f"{val:.1f}" if isinstance(val, (int, float)) else "-"]
        for row in guests.values():
            cell = row.get(key) if isinstance(row, dict) else None
            cells.append(f"{cell['ms']:.1f}" if cell and cell["ms"] is not None else "-")
        out.append(f"  {label:32}" + "".join(f"{c:>12}" for c in cells))
    pairs = [f"{g} {host[f'closure_{g}']['pairs']} pairs" for g in ("chain", "random") if f"closure_{g}" in host]
    out.append(f"  (1,000 nodes; {', '.join(pairs)}; guest engine arena {host.get('arena_bytes', 0) / 2**20:.1f} MiB)")
    out += [f"  {isa}: {row}" for isa, row in guests.items() if isinstance(row, str)]
    for isa, row in guests.items():  # the same work on both sides, or say so
        for g in ("chain", "random"):
            got, want = (row.get(f"skb-closure-{g}") or {}).get("count") if isinstance(row, dict) else None, \
                host.get(f"closure_{g}", {}).get("pairs")
            if got is not None and got != want:
                out.append(f"  {isa}: {g} closure has {got} pairs in the guest, {want} on the host")
    return "\n".join(out)


def run(what, as_json):
    kinds = ["boot", "idle", "sizes", "syscalls"] + [k for k in HOST_BENCHES if os.path.exists(os.path.join(ROOT, os.path.dirname(HOST_BENCHES[k])))]
    if what != "all" and what not in ("boot", "idle", "sizes", "syscalls", *HOST_BENCHES):
        raise ToolError(f"unknown benchmark '{what}'; valid: all, boot, idle, sizes, syscalls, {', '.join(HOST_BENCHES)}", 2)
    results = {}
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
