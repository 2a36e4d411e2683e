"""./mosaic test: host unit tests (doctest), fuzz and ThreadSanitizer suites, the tool's own
tests, and boot tests on the QEMU boards; one line per test, JUnit XML, and a closing
'N passed, N failed, N skipped' line."""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET
from xml.sax.saxutils import quoteattr

from . import boards, build, runner
from .common import BUILD, ROOT, ToolError, color


# Characters XML 1.0 does not allow, which guest or test output may still contain.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xml_attr(text):
    return quoteattr(XML_ILLEGAL.sub("?", text))


class Results:
    def __init__(self, echo=True):
        self.cases = []  # (suite, name, outcome, seconds, message); outcome in pass/fail/skip
        self.echo = echo  # print a line per result as it comes

    def add(self, suite, name, outcome, seconds, message=""):
        self.cases.append((suite, name, outcome, seconds, message))
        if not self.echo:
            return
        tag = {"pass": color("PASS", "32"), "fail": color("FAIL", "31"), "skip": color("SKIP", "33")}[outcome]
        print(f"{tag} {suite}/{name} ({seconds:.2f} s){': ' + message if message else ''}", flush=True)

    def count(self, outcome):
        return sum(1 for c in self.cases if c[2] == outcome)

    def write_junit(self, path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites tests="{len(self.cases)}" '
                    f'failures="{self.count("fail")}" skipped="{self.count("skip")}">\n')
            for suite in dict.fromkeys(c[0] for c in self.cases):
                cases = [c for c in self.cases if c[0] == suite]
                f.write(f'  <testsuite name={xml_attr(suite)} tests="{len(cases)}" '
                        f'failures="{sum(c[2] == "fail" for c in cases)}">\n')
                for _, name, outcome, secs, msg in cases:
                    f.write(f'    <testcase classname={xml_attr(suite)} name={xml_attr(name)} time="{secs:.3f}"')
                    if outcome == "pass":
                        f.write("/>\n")
                    elif outcome == "skip":
                        f.write(f"><skipped message={xml_attr(msg)}/></testcase>\n")
                    else:
                        f.write(f"><failure message={xml_attr(msg[:2000])}/></testcase>\n")
                f.write("  </testsuite>\n")
            f.write("</testsuites>\n")


def _suite_of(test):
    return [s.split(":")[-1] for s in test.get("suite", [])]


def run_doctest(res, test):
    """Runs one doctest executable and records each of its test cases."""
    name = test["name"].removeprefix("unit-")
    t0 = time.monotonic()
    try:
        p = subprocess.run(test["cmd"] + ["--reporters=xml", "--duration=true", "--no-version"], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace", timeout=900,
                           env=dict(os.environ, **test.get("env", {})))
    except subprocess.TimeoutExpired:
        res.add("unit", name, "fail", time.monotonic() - t0, "timed out after 900 s")
        return
    try:
        root = ET.fromstring(p.stdout)
    except ET.ParseError:
        res.add("unit", name, "fail", time.monotonic() - t0,
                f"exit {p.returncode}, no complete report: {(p.stderr or p.stdout)[-1500:]}")
        return
    seen = 0
    for tc in root.iter("TestCase"):
        ok_node = tc.find("OverallResultsAsserts")
        secs = float(ok_node.get("duration", "0")) if ok_node is not None else 0.0
        passed = ok_node is not None and ok_node.get("test_case_success") == "true"
        msg = ""
        if not passed:
            exprs = [e.findtext("Original", "").strip() + " at line " + e.get("line", "?")
                     for e in tc.iter("Expression") if e.get("success") == "false"]
            msg = "; ".join(exprs[:3]) or "failed"
        res.add("unit", f"{name}: {tc.get('name')}", "pass" if passed else "fail", secs, msg)
        seen += 1
    if p.returncode != 0 and seen and res.cases[-1][2] == "pass":
        res.add("unit", f"{name} (process)", "fail", time.monotonic() - t0,
                f"exit {p.returncode}: {p.stderr[-1500:]}")
    if not seen:
        res.add("unit", name, "fail", time.monotonic() - t0, "no test cases ran")


def run_plain(res, suite, test):
    """A test judged by its exit status (fuzz targets, sanitizer stress runs)."""
    t0 = time.monotonic()
    try:
        p = subprocess.run(test["cmd"], cwd=test.get("workdir") or ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, errors="replace", timeout=test.get("timeout", 300),
                           env=dict(os.environ, **test.get("env", {})))
        ok, msg = p.returncode == 0, "" if p.returncode == 0 else f"exit {p.returncode}: {p.stdout[-1500:]}"
    except subprocess.TimeoutExpired:
        ok, msg = False, "timed out"
    res.add(suite, test["name"], "pass" if ok else "fail", time.monotonic() - t0, msg)


LONG_FUZZ_RUNS = 1_000_000  # --long: inputs per fuzz target


def host_suites(res, long=False):
    host = build.all_for_tests()
    tests = build.introspect_tests(host)
    for t in tests:
        if "unit" in _suite_of(t):
            run_doctest(res, t)
    for t in tests:
        if "fuzz" in _suite_of(t):
            if long:  # the same target and seeds, for a million inputs
                t = dict(t, cmd=[f"-runs={LONG_FUZZ_RUNS}" if a.startswith("-runs=") else a for a in t["cmd"]],
                         timeout=3600)
            run_plain(res, "fuzz", t)
    # ThreadSanitizer cannot share a build with ASan: its tests (registered only when
    # b_sanitize is 'thread') come from a directory of their own, which builds only them.
    tsan = build.configure("host-tsan")
    tsan_tests = [t for t in build.introspect_tests(tsan) if "tsan" in _suite_of(t)]
    build.native("host-tsan", [os.path.relpath(t["cmd"][0], tsan) for t in tsan_tests])
    for t in tsan_tests:
        run_plain(res, "tsan", t)


def tool_suite(res):
    """The tool's own tests (tests/tools/test_*.py), each case on its own line."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "tools"))
    suite = unittest.defaultTestLoader.discover(os.path.join(ROOT, "tests", "tools"), top_level_dir=os.path.join(ROOT, "tests", "tools"))

    class Collect(unittest.TestResult):
        def startTest(self, test):
            self.t0 = time.monotonic()
            super().startTest(test)

        def addSuccess(self, test):
            res.add("tool", test.id().split(".", 1)[-1], "pass", time.monotonic() - self.t0)

        def addFailure(self, test, err):
            res.add("tool", test.id().split(".", 1)[-1], "fail", time.monotonic() - self.t0,
                    self._exc_info_to_string(err, test)[-1500:])

        addError = addFailure

        # A failing subTest reaches only addSubTest (and the test then never reaches
        # addSuccess): without this the test vanished from the report instead of failing.
        def addSubTest(self, test, subtest, err):
            if err is not None:
                self.addFailure(subtest, err)

        def addSkip(self, test, reason):
            res.add("tool", test.id().split(".", 1)[-1], "skip", 0.0, reason)

    suite.run(Collect())


def host_skb_line(board):
    """The digest line of the SKB's standard answers for a board, computed on the host."""
    r = subprocess.run([build.tool(), "skb", board["path"]], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return r.stdout.strip().splitlines()[-1] if r.returncode == 0 and r.stdout.strip() else f"host failed: {r.stdout}"


def host_multicast_line(board, guest_lines):
    """The multicast tree the host's SKB builds for a board from the facts a guest printed
    ("SKB fact ..." lines) and from the root it named, as the guest prints it; None when the
    guest printed no tree."""
    tree = next((line for line in guest_lines if line.startswith("SKB multicast ")), None)
    if tree is None:
        return None, None
    words = tree.split()
    if len(words) < 4 or words[2] != "root" or not words[3].isdigit():
        return tree, f"guest printed a malformed tree line: {tree!r}"
    facts = "".join(line[len("SKB fact "):] + "\n" for line in guest_lines if line.startswith("SKB fact "))
    with tempfile.NamedTemporaryFile("w", suffix=".dl", delete=False) as f:
        f.write(facts)
    try:
        r = subprocess.run([build.tool(), "skb", board["path"], "--facts", f.name, "--multicast", words[3]],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    finally:
        os.unlink(f.name)
    out = r.stdout.strip().splitlines()
    return tree, (out[-1] if r.returncode == 0 and out else f"host failed: {r.stdout.strip()}")


def check_replicas_agree(res, test, results, values):
    """On a board of several nodes, every node printed the same value (None: it printed none)."""
    if len(results) < 2:
        return
    same = values[0] is not None and all(v == values[0] for v in values)
    res.add("boot", test, "pass" if same else "fail", 0.0,
            "" if same else "; ".join(f"{r.node['name']}: {v!r}" for r, v in zip(results, values)))


def check_multicast(res, name, board, results):
    """Every node's multicast tree matches the host's for the same facts, and on a board of
    several nodes every node built the same tree (their SKBs hold the same measurements)."""
    trees = []
    for r in results:
        tree, host = host_multicast_line(board, r.lines)
        ok = tree is not None and tree == host
        res.add("boot", f"{name}/{r.node['name']}/skb-multicast-matches-host", "pass" if ok else "fail", 0.0,
                "" if ok else f"guest: {tree!r}, host: {host!r}")
        trees.append(tree)
    check_replicas_agree(res, f"{name}/skb-multicast-replicas-agree", results, trees)


EXPECTED = os.path.join(ROOT, "tests", "boot", "expected.tests")


# Conditions after a name in tests/boot/expected.tests: the test is expected only from a node
# for which every condition holds.
EXPECTED_WHEN = {
    "multi-node": lambda board, node: len(board["nodes"]) >= 2,      # boards of several nodes
    "multi-core": lambda board, node: node["cores"] >= 2,            # nodes of several cores
    "first-node": lambda board, node: node["name"] == board["nodes"][0]["name"],  # the board's first node
}


def expected_tests(board, node=None):
    """The test names `node` of `board` (its first node when None) must report
    (tests/boot/expected.tests: one name a line, then any conditions of EXPECTED_WHEN, '#'
    comments). An unknown condition is an error, not a test left out."""
    node = node or board["nodes"][0]
    names = []
    with open(EXPECTED) as f:
        for number, line in enumerate(f, 1):
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            unknown = [w for w in words[1:] if w not in EXPECTED_WHEN]
            if unknown:
                raise ToolError(f"{EXPECTED}:{number}: unknown condition {unknown[0]!r} "
                                f"(known: {', '.join(EXPECTED_WHEN)})")
            if all(EXPECTED_WHEN[w](board, node) for w in words[1:]):
                names.append(words[0])
    return names


def check_expected(res, name, board, results):
    """A test missing from a node's log fails the run like a failed one."""
    for r in results:
        seen = {t for t, _, _ in r.tests}
        for test in expected_tests(board, r.node):
            if test not in seen:
                res.add("boot", f"{name}/{r.node['name']}/{test}", "fail", 0.0, "missing from the node's log")


def check_membership(res, name, results):
    """Every node's boot monitor printed the membership it agreed on, and all the same."""
    lines = []
    for r in results:
        line = next((l for l in r.lines if l.startswith("MEMBERSHIP ")), None)
        ok = line is not None and line.startswith("MEMBERSHIP agreed ")
        res.add("boot", f"{name}/{r.node['name']}/monitor-membership-printed", "pass" if ok else "fail", 0.0,
                "" if ok else f"membership line: {line!r}")
        lines.append(line)
    check_replicas_agree(res, f"{name}/monitor-membership-identical", results, lines)


LONG_PROGRAMS = 10_000  # --long: programs the boot tests start and end in a row per board
# Boards whose boot suite runs only with --long: none today (every board's suite, the
# U-Boot boards', sifive-u's and the Raspberry Pi's included, runs in ./mosaic test).
LONG_ONLY_BOARDS = ()
# Boards that run an ISA's CPU driver that another board of the same run already fuzzes with
# 10^5 system calls (qemu-aarch64, qemu-riscv64): they boot it another way (U-Boot, a
# board's firmware) and their system-call fuzzer makes 10^4 calls (10^6 with --long).
LIGHT_FUZZ_BOARDS = ("qemu-aarch64-uboot", "qemu-riscv64-uboot", "rpi3b", "sifive-u")


def check_real_board(res, name, board):
    """A board QEMU has no model of (machine = none): its image and card are built and
    checked (the image's boot protocol header, the card's files, what the CPU driver's
    tree reader finds in the board's own device tree), never booted."""
    from . import disk, firmware
    t0 = time.monotonic()
    try:
        img = build.image(board)
    except Exception as e:
        res.add("boot", f"{name}/image", "fail", time.monotonic() - t0, str(e)[-1500:])
        return
    res.add("boot", f"{name}/image", "pass", time.monotonic() - t0)
    node = board["nodes"][0]
    with open(img, "rb") as f:
        head = f.read(64)
    magic = {"aarch64": (56, b"ARM\x64"), "riscv64": (56, b"RSC\x05")}.get(node["isa"])
    ok = magic is not None and head[magic[0]:magic[0] + 4] == magic[1]
    res.add("boot", f"{name}/image-header", "pass" if ok else "fail", 0.0,
            "" if ok else f"no {node['isa']} Image header magic at byte 56: {head[56:60]!r}")
    with tempfile.TemporaryDirectory() as d:
        card = os.path.join(d, "card.img")
        try:
            disk.uboot_disk(node, img, card)
            listing = subprocess.run(["mdir", "-b", "-i", f"{card}@@{disk.PART_START}", "::"], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True).stdout.split()
            want = [f"::/{n}" for n in disk.card_names(node)]
            size = os.path.getsize(card)
            problem = ("" if sorted(listing) == sorted(want) else f"card holds {sorted(listing)}, wanted {sorted(want)}") or \
                ("" if size & (size - 1) == 0 else f"card size {size} is not a power of two")
        except ToolError as e:
            problem = str(e)
        res.add("boot", f"{name}/card", "fail" if problem else "pass", time.monotonic() - t0, problem)
    if node.get("dtb"):
        r = subprocess.run([build.tool(), "dtb", firmware.board_dtb(node["dtb"])], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        problems = [r.stderr.strip()] if r.returncode else []
        if not problems:
            t = json.loads(r.stdout)
            if not t["console"] or t["console"]["kind"] == "none":
                problems.append(f"no console the CPU driver drives: {t['console']}")
            methods = {c["enable_method"] for c in t["cores"] if c["status"] in ("", "okay")}
            if not methods <= {"psci", "spin-table"} or (not t["psci"] and "psci" in methods):
                problems.append(f"cores started by {methods}, PSCI {t['psci']}")
            known = {"arm,gic-400", "arm,cortex-a15-gic", "arm,gic-v3", "brcm,bcm2836-l1-intc"}
            if not known & {c["compatible"] for c in t["interrupt_controllers"]}:
                problems.append("no interrupt controller the CPU driver drives")
        res.add("boot", f"{name}/device-tree", "fail" if problems else "pass", 0.0, "; ".join(problems))


def boot_suite(res, board_names, long=False):
    for name in board_names:
        board = boards.load(name)
        if all(n["machine"] == "none" for n in board["nodes"]):
            check_real_board(res, name, board)
            continue
        t0 = time.monotonic()
        try:
            img = build.image(board)
        except Exception as e:  # a failed build fails this board's boot test, not the run
            res.add("boot", f"{name}", "fail", time.monotonic() - t0, str(e)[-1500:])
            continue
        try:
            if long:
                results = runner.Run(board, img, echo=False, params={"many": LONG_PROGRAMS, "long": 1},
                                     timeout=board["timeout"] + 1800).go()
            else:
                results = runner.Run(board, img, echo=False,
                                     params={"fuzz": 1} if name in LIGHT_FUZZ_BOARDS else None).go()
        except ToolError as e:  # QEMU missing or a node that cannot be started: this board fails
            res.add("boot", f"{name}", "fail", time.monotonic() - t0, str(e))
            continue
        host_skb = host_skb_line(board)
        for r in results:
            for test, passed, reason in r.tests:
                res.add("boot", f"{name}/{r.node['name']}/{test}", "pass" if passed else "fail", 0.0, reason)
            guest_skb = next((line for line in r.lines if line.startswith("SKB answers")), None)
            res.add("boot", f"{name}/{r.node['name']}/skb-matches-host", "pass" if guest_skb == host_skb else "fail",
                    0.0, "" if guest_skb == host_skb else f"guest: {guest_skb!r}, host: {host_skb!r}")
            res.add("boot", f"{name}/{r.node['name']} verdict", "pass" if r.passed else "fail",
                    r.banner_time or 0.0, r.error or "")
        check_multicast(res, name, board, results)
        check_membership(res, name, results)
        check_expected(res, name, board, results)
        print(f"     {name}: booted and judged in {time.monotonic() - t0:.1f} s", flush=True)


def ci_suite(res):
    """The checks of ci/checks.py, a test line each."""
    sys.path.insert(0, ROOT)
    from ci import checks
    for name, check in checks.CHECKS.items():
        t0 = time.monotonic()
        problems = check()
        res.add("ci", name, "fail" if problems else "pass", time.monotonic() - t0, "\n".join(problems[:20]))


def run(board=None, unit=False, boot=False, long=False):
    res = Results()
    everything = not unit and not boot
    if long:  # the tool tests that boot bad images flip every byte (tests/tools/test_guest_refusals.py)
        os.environ["MOSAIC_LONG"] = "1"
    if unit or everything:
        ci_suite(res)
        host_suites(res, long=long)
        tool_suite(res)
    if boot or everything:
        boot_suite(res, [board] if board else [b for b in boards.names() if long or b not in LONG_ONLY_BOARDS],
                   long=long)
    res.write_junit(os.path.join(BUILD, "test-results.xml"))
    skipped = res.count("skip")
    print(f"{res.count('pass')} passed, {res.count('fail')} failed" + (f", {skipped} skipped" if skipped else ""))
    return 1 if res.count("fail") or not res.cases else 0
