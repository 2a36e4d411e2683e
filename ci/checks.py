"""The checks CI runs besides the tests (ci/README.md), each a function returning a list of
problems (empty: the check passes). ./mosaic test runs them as its 'ci' tests, so .ci/run
(./mosaic test on a clean clone) runs them too."""
import glob
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Hardware-neutral code: the same source on every ISA (ARCHITECTURE.md). arch/ and
# transports/ may depend on the ISA; nothing else may.
NEUTRAL = ("cpudriver", "monitor", "userland", "caps", "skb", "lib", "tests/boot")
ISA_MACRO = re.compile(r"^\s*#\s*(if|ifdef|ifndef|elif)\b.*\b(__x86_64__|__amd64__|__i386__|__aarch64__|__arm__|"
                       r"__riscv\w*|_M_X64|_M_ARM64|MOSAIC_ISA_\w+)")
LINE_BUDGET = 2000  # the generic CPU driver, all lines (the monitor issue's target)


def sources(folder):
    for ext in ("cpp", "hpp", "h", "S", "cpp.in"):
        yield from glob.glob(os.path.join(ROOT, folder, "**", f"*.{ext}"), recursive=True)


def no_isa_conditionals():
    problems = []
    for folder in NEUTRAL:
        for path in sources(folder):
            with open(path, encoding="utf-8", errors="replace") as f:
                for n, line in enumerate(f, 1):
                    if ISA_MACRO.search(line):
                        problems.append(f"{os.path.relpath(path, ROOT)}:{n}: an ISA conditional outside arch/ and "
                                        f"transports/: {line.strip()}")
    return problems


def cpudriver_line_budget():
    total = 0
    for path in sources("cpudriver"):
        with open(path, encoding="utf-8", errors="replace") as f:
            total += f.read().count("\n")
    return [] if total <= LINE_BUDGET else [f"cpudriver/: {total} lines, over the budget of {LINE_BUDGET}"]


def untrusted_readers_fuzzed():
    """Every reader listed in ci/untrusted.txt names a fuzz target that exists as a meson
    test in suite 'fuzz', and every fuzz target is listed."""
    problems, listed = [], set()
    with open(os.path.join(ROOT, "ci", "untrusted.txt"), encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip() or line.startswith("#"):
                continue
            cells = [c.strip() for c in line.split("|")]
            if len(cells) != 3 or not all(cells):
                problems.append(f"ci/untrusted.txt:{n}: want 'reader | where | fuzz target'")
                continue
            listed.add(cells[2])
            for where in cells[1].split(","):
                where = where.strip()
                if "/" in where and not os.path.exists(os.path.join(ROOT, where)):
                    problems.append(f"ci/untrusted.txt:{n}: {where} does not exist")
    targets = set()
    for path in glob.glob(os.path.join(ROOT, "tests", "**", "meson.build"), recursive=True):
        with open(path, encoding="utf-8") as f:
            targets.update(re.findall(r"test\('(fuzz-[\w-]+)'", f.read()))
    problems += [f"ci/untrusted.txt: fuzz target {t} is no meson test" for t in sorted(listed - targets)]
    problems += [f"fuzz target {t} reads nothing ci/untrusted.txt lists" for t in sorted(targets - listed)]
    return problems


CHECKS = {
    "no-isa-conditionals": no_isa_conditionals,
    "cpudriver-line-budget": cpudriver_line_budget,
    "untrusted-readers-fuzzed": untrusted_readers_fuzzed,
}
