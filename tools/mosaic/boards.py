"""Board profiles: found in boards/, parsed and validated by mosaic-tool (the same C++
parser the guests use), returned as dicts."""
import json
import os
import subprocess

from . import build
from .common import BOARDS, ToolError


def names():
    return sorted(f[:-6] for f in os.listdir(BOARDS) if f.endswith(".board"))


def load(name_or_path):
    """A board by name (boards/<name>.board) or by a path to a .board file."""
    if os.sep in name_or_path or name_or_path.endswith(".board"):
        path = os.path.abspath(name_or_path)
        if not os.path.exists(path):
            raise ToolError(f"no board file {name_or_path}", 2)
    else:
        if name_or_path not in names():
            raise ToolError(f"unknown board '{name_or_path}'; valid boards: {', '.join(names())}", 2)
        path = os.path.join(BOARDS, name_or_path + ".board")
    r = subprocess.run([build.tool(), "board", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise ToolError(f"bad board profile: {r.stderr.strip().removeprefix('mosaic-tool: ')}")
    board = json.loads(r.stdout)
    board["path"] = path
    return board


def default():
    defaults = [n for n in names() if load(n)["default"]]
    if len(defaults) != 1:
        raise ToolError(f"exactly one board must say 'default = yes'; found {defaults or 'none'}")
    return defaults[0]


def table():
    rows = [("board", "nodes (ISA x cores)", "machine", "default")]

    def machine(x):
        if x["machine"] == "none":  # built and flashed, never booted here
            return "real board only (QEMU has no model): ./mosaic flash"
        return f"qemu {x['machine']}" + (" via U-Boot" if x["boot"] == "u-boot" else "")

    for n in names():
        b = load(n)
        rows.append((n, " + ".join(f"{x['isa']} x{x['cores']}" for x in b["nodes"]),
                     ", ".join(sorted({machine(x) for x in b["nodes"]})), "yes" if b["default"] else ""))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)
