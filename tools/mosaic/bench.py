"""./mosaic bench: figures measured side by side in one run, never asserted.
  boot        launch-to-banner time of every node of every board (median of 3 boots)
  idle        host CPU used by each node of each board while it idles for 5 s
  sizes       each ISA's CPU driver: text/data/bss bytes and lines of code
  transports  host message-transport benchmark (URPC against its baselines)
  skb         host SKB benchmark (fact loading, transitive closure)"""
import glob
import json
import os
import statistics
import subprocess

from . import boards, build, runner
from .common import BUILD, ROOT, ToolError, step

HOST_BENCHES = {"transports": "tests/bench/bench-transports", "skb": "tests/bench/bench-skb"}


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


def lines_of_code(paths):
    n = 0
    for p in paths:
        with open(p) as f:
            n += sum(1 for line in f if line.strip() and not line.strip().startswith(("//", "/*", "*", "#")))
    return n


def bench_sizes():
    out = {}
    generic = glob.glob(os.path.join(ROOT, "cpudriver", "**", "*.[ch]pp"), recursive=True)
    for isa in ("x86_64", "aarch64", "riscv64"):
        elf, _ = build.isa(isa)
        text, data, bss = build.driver_size(elf)
        arch = glob.glob(os.path.join(ROOT, "arch", isa, "*.[ch]pp"))
        asm = glob.glob(os.path.join(ROOT, "arch", isa, "*.S"))
        out[isa] = {"text": text, "data": data, "bss": bss, "generic_loc": lines_of_code(generic),
                    "arch_cpp_loc": lines_of_code(arch), "arch_asm_loc": lines_of_code(asm)}
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


def run(what, as_json):
    kinds = ["boot", "idle", "sizes"] + [k for k in HOST_BENCHES if os.path.exists(os.path.join(ROOT, os.path.dirname(HOST_BENCHES[k])))]
    if what != "all" and what not in ("boot", "idle", "sizes", *HOST_BENCHES):
        raise ToolError(f"unknown benchmark '{what}'; valid: all, boot, idle, sizes, {', '.join(HOST_BENCHES)}", 2)
    results = {}
    for k in (kinds if what == "all" else [what]):
        step(f"benchmark: {k}")
        local = {"boot": bench_boot, "idle": bench_idle, "sizes": bench_sizes}
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
