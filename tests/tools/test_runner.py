"""Tests of ./mosaic itself: bad boards, bad images, QEMU failing, hangs, Ctrl-C, and the
verdict rules. Each asserts a clear error, a non-zero exit, and nothing left behind."""
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))

from mosaic import boards, build, runner  # noqa: E402

MOSAIC = os.path.join(ROOT, "mosaic")
HEADER_CRC = 0x200 + 24


def mosaic(*args, timeout=120):
    return subprocess.run([MOSAIC, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=timeout)


def qemu_processes_with(text):
    """Pids of QEMU processes whose command line contains text."""
    r = subprocess.run(["pgrep", "-f", f"qemu-system.*{text}"], stdout=subprocess.PIPE, text=True)
    return r.stdout.split()


BOOT_TABLE, BOOT_ENTRY = 0x240, 56  # lib/include/mosaic/bundle.hpp


def u64(data, at):
    return int.from_bytes(data[at:at + 8], "little")


def boot_entry(isa_index):
    """Offset of an ISA's boot entry: blob offset, blob size, load address, entry, blob
    check, entry check, memory size (64-bit words)."""
    return BOOT_TABLE + BOOT_ENTRY * isa_index


def reseal(data):
    """Recomputes a bundle's checks as mosaic-tool writes them: each boot entry's blob check
    (the XOR of its driver's 64-bit words) and entry check (the XOR of the entry's first six
    words zero), then the CRC-32 (zlib's is the same IEEE CRC) with the CRC field as zero."""
    for isa in range(3):
        e = boot_entry(isa)
        offset, size = u64(data, e), u64(data, e + 8)
        if not offset:
            continue
        check = 0
        for at in range(offset, offset + size, 8):
            check ^= u64(data, at)
        data[e + 32:e + 40] = check.to_bytes(8, "little")
        data[e + 40:e + 48] = (offset ^ size ^ u64(data, e + 16) ^ u64(data, e + 24) ^ check).to_bytes(8, "little")
    data[HEADER_CRC:HEADER_CRC + 4] = b"\0\0\0\0"
    data[HEADER_CRC:HEADER_CRC + 4] = zlib.crc32(bytes(data)).to_bytes(4, "little")


class BoardFiles(unittest.TestCase):
    def write_board(self, text):
        f = tempfile.NamedTemporaryFile("w", suffix=".board", delete=False)
        f.write(text)
        f.close()
        self.addCleanup(os.unlink, f.name)
        return f.name

    def test_unknown_command_is_one_line_exit_2(self):
        r = mosaic("frobnicate")
        self.assertEqual(r.returncode, 2)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1)
        self.assertIn("boards, build, boot, test, bench", r.stderr)

    def test_unknown_board_lists_valid_ones_exit_2(self):
        r = mosaic("boot", "--board", "no-such-board", "--dry-run")
        self.assertEqual(r.returncode, 2)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1)
        for name in boards.names():
            self.assertIn(name, r.stderr)

    def test_a_timeout_below_one_second_or_not_a_number_is_refused_exit_2(self):
        for bad in ("0", "-5", "ten", "1.5"):
            r = mosaic("boot", "--board", "qemu-x86_64", "--dry-run", "--timeout", bad)
            self.assertEqual(r.returncode, 2, bad)
            self.assertIn("--timeout", r.stderr)
            self.assertEqual(r.stdout, "", bad)  # nothing was started or printed as if it ran
        self.assertEqual(mosaic("boot", "--board", "qemu-x86_64", "--dry-run", "--timeout", "1").returncode, 0)

    def test_a_script_command_the_shell_cannot_take_whole_is_refused_before_anything_is_built(self):
        # Before, a command of 241 bytes was cut by the console, its rest run as another command,
        # and the runner waited for an echo that never came until the board's timeout.
        for cmd, why in (("cores " + "y" * 235, "is 241 bytes; the shell reads lines of at most 240"),
                         ("ps	x", "(0x07); only printable ASCII and tab"),
                         ("echo é", "(0xc3); only printable ASCII and tab")):
            r = mosaic("boot", "--board", "qemu-x86_64", "--run", f"cores; {cmd}")
            self.assertEqual(r.returncode, 2, cmd)
            self.assertIn("--run: command 2 ", r.stderr)
            self.assertIn(why, r.stderr)
            self.assertNotIn("building", r.stdout + r.stderr, "refused before anything is built")
        with self.assertRaises(runner.ToolError):  # also for a Run made by other callers
            runner.Run(boards.load("qemu-x86_64"), "/dev/null", script=["y" * 241])
        runner.check_script(["cores " + "y" * 234])  # 240 bytes: one whole line

    def test_the_runner_knows_the_consoles_line_length(self):
        with open(os.path.join(ROOT, "userland", "include", "mosaic", "user", "console.hpp")) as f:
            m = re.search(r"kLineMax = (\d+);", f.read())
        self.assertIsNotNone(m)
        self.assertEqual(runner.SHELL_LINE_MAX, int(m.group(1)))

    def test_bad_field_names_file_line_and_field(self):
        path = self.write_board("[board]\nname = bad\n[node a]\nisa = x86_64\nmachine = q35\ncores = lots\n")
        r = mosaic("boot", "--board", path, "--dry-run")
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"{path}:6", r.stderr)
        self.assertIn("field 'cores'", r.stderr)

    def test_missing_field_is_named(self):
        path = self.write_board("[board]\nname = bad\n[node a]\nisa = riscv64\nmachine = virt\ncores = 1\n"
                                "memory = 64M\nexit = sifive-test\n")
        r = mosaic("boot", "--board", path, "--dry-run")
        self.assertEqual(r.returncode, 1)
        self.assertIn("field 'image_addr'", r.stderr)

    def test_gdb_dry_run_waits_for_a_debugger_on_one_port_per_node(self):
        r = mosaic("boot", "--board", "qemu-hetero", "--dry-run", "--gdb")
        self.assertEqual(r.returncode, 0, r.stderr)
        cmds = [line for line in r.stdout.splitlines() if line.startswith("qemu-system")]
        ports = [c.split("-gdb tcp:127.0.0.1:")[1].split()[0] for c in cmds]
        self.assertEqual(len(set(ports)), 3)
        for c in cmds:
            self.assertIn(" -S ", c)

    def test_dry_run_of_hetero_shares_one_region_with_enough_vcpus(self):
        r = mosaic("boot", "--board", "qemu-hetero", "--dry-run")
        self.assertEqual(r.returncode, 0, r.stderr)
        cmds = [line for line in r.stdout.splitlines() if line.startswith("qemu-system")]
        self.assertEqual([c.split()[0] for c in cmds],
                         ["qemu-system-x86_64", "qemu-system-aarch64", "qemu-system-riscv64"])
        paths = {c.split("mem-path=")[1].split(",")[0] for c in cmds}
        self.assertEqual(len(paths), 1)
        for c in cmds:
            self.assertIn("maxcpus=2", c)
            self.assertIn("ivshmem-plain,memdev=ic", c)


class Images(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.board = boards.load("qemu-riscv64")
        with open(build.image(cls.board), "rb") as f:
            cls.good = bytearray(f.read())

    def boot_image(self, data, *extra):
        f = tempfile.NamedTemporaryFile(suffix=".img", delete=False)
        f.write(bytes(data))
        f.close()
        self.addCleanup(os.unlink, f.name)
        return mosaic("boot", "--board", "qemu-riscv64", "--image", f.name, *extra)

    def test_flipped_byte_is_refused_before_boot(self):
        bad = bytearray(self.good)
        bad[0x1004] ^= 0x01
        r = self.boot_image(bad)
        self.assertEqual(r.returncode, 1)
        self.assertIn("checksum mismatch", r.stderr)
        self.assertNotIn("[rv]", r.stdout)  # no QEMU was started

    def test_truncated_image_is_refused_before_boot(self):
        r = self.boot_image(self.good[: len(self.good) // 2])
        self.assertEqual(r.returncode, 1)
        self.assertIn("truncated", r.stderr)

    def test_guest_reports_a_bad_manifest_and_the_boot_fails(self):
        bad = bytearray(self.good)
        at = bad.index(b"[board]", 0x1000)
        bad[at:at + 7] = b"[boarX]"
        reseal(bad)
        r = self.boot_image(bad, "--timeout", "30")
        self.assertEqual(r.returncode, 1, r.stdout)
        # The CPU driver hands the manifest on; the boot monitor reads it and stops the node.
        self.assertIn("PANIC: monitor on ", r.stdout)
        self.assertIn("the board manifest is unusable: line ", r.stdout)
        self.assertIn("PANIC", r.stdout.split("FAIL node", 1)[-1])


def hanging_image(board_name, isa_index=2):
    """The board's image with the riscv64 CPU driver's first instruction replaced by a jump
    to itself (a guest that hangs), resealed so that it passes the host's checks."""
    with open(build.image(boards.load(board_name)), "rb") as f:
        data = bytearray(f.read())
    blob = u64(data, boot_entry(isa_index))
    data[blob:blob + 4] = (0x0000006F).to_bytes(4, "little")  # jal x0, 0
    reseal(data)
    f = tempfile.NamedTemporaryFile(suffix=".img", delete=False)
    f.write(bytes(data))
    f.close()
    return f.name


class Processes(unittest.TestCase):
    def test_qemu_that_cannot_start_is_reported_and_nothing_is_left(self):
        text = open(os.path.join(ROOT, "boards", "qemu-hetero.board")).read()
        text = text.replace("machine = q35", "machine = no-such-machine")
        f = tempfile.NamedTemporaryFile("w", suffix=".board", delete=False)
        f.write(text)
        f.close()
        self.addCleanup(os.unlink, f.name)
        p = subprocess.Popen([MOSAIC, "boot", "--board", f.name, "--timeout", "60"], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out, err = p.communicate(timeout=180)
        self.assertEqual(p.returncode, 1)
        self.assertIn("FAIL node x86", out)
        self.assertIn("unsupported machine type", out)
        self.assertIn("stopped because node 'x86' failed", out)
        self.assertEqual(qemu_processes_with(f"mosaic-qemu-hetero-{p.pid}"), [])
        self.assertFalse(os.path.exists(f"/dev/shm/mosaic-qemu-hetero-{p.pid}"))

    def test_timeout_ends_every_qemu_and_removes_the_region(self):
        img = hanging_image("qemu-hetero")
        self.addCleanup(os.unlink, img)
        p = subprocess.Popen([MOSAIC, "boot", "--board", "qemu-hetero", "--image", img, "--timeout", "5"], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out, err = p.communicate(timeout=300)
        self.assertEqual(p.returncode, 1, out + err)
        self.assertIn("FAIL node rv (riscv64): timed out", out)
        self.assertEqual(qemu_processes_with(f"mosaic-qemu-hetero-{p.pid}"), [])
        self.assertFalse(os.path.exists(f"/dev/shm/mosaic-qemu-hetero-{p.pid}"))

    def test_ctrl_c_ends_every_qemu_and_removes_the_region(self):
        img = hanging_image("qemu-hetero")  # the other nodes wait for it: time to press Ctrl-C
        self.addCleanup(os.unlink, img)
        p = subprocess.Popen([MOSAIC, "boot", "--board", "qemu-hetero", "--image", img], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        region = f"/dev/shm/mosaic-qemu-hetero-{p.pid}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(qemu_processes_with(region)) < 3:
            time.sleep(0.1)
        self.assertEqual(len(qemu_processes_with(region)), 3)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 130, err)
        self.assertEqual(qemu_processes_with(region), [])
        self.assertFalse(os.path.exists(region))


class Panics(unittest.TestCase):
    def test_unexpected_trap_in_the_cpu_driver_panics_and_fails_the_boot(self):
        # Replace the first instruction of the aarch64 CPU driver's interrupt-controller setup
        # (boot step 5, after the trap vectors are in) with UDF #0: the trap it then takes is
        # unexpected, so the driver must panic with a clear line and fail.
        board = boards.load("qemu-aarch64")
        with open(build.image(board), "rb") as f:
            data = bytearray(f.read())
        elf = os.path.join(build.BUILD, "aarch64", "cpudriver", "cpudriver-aarch64.elf")
        syms = subprocess.run(["llvm-nm", elf], stdout=subprocess.PIPE, text=True, check=True).stdout.split("\n")
        (addr,) = [int(l.split()[0], 16) for l in syms if l.endswith(" _ZN6mosaic4arch8irq_initEb")]
        blob, base = u64(data, boot_entry(1)), u64(data, boot_entry(1) + 16)  # aarch64's
        at = blob + addr - base
        data[at:at + 4] = b"\0\0\0\0"
        reseal(data)
        f = tempfile.NamedTemporaryFile(suffix=".img", delete=False)
        f.write(bytes(data))
        f.close()
        self.addCleanup(os.unlink, f.name)
        r = mosaic("boot", "--board", "qemu-aarch64", "--image", f.name, "--timeout", "30")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("PANIC: unexpected trap in the CPU driver on aarch64 core 0: IllegalInstruction", r.stdout)
        self.assertIn("FAIL node arm (aarch64): PANIC", r.stdout)


class BootParameters(unittest.TestCase):
    def test_every_isa_reads_its_node_and_idle_time_from_the_runner(self):
        # x86_64 reads fw_cfg through I/O ports, aarch64 through MMIO, riscv64 its bootargs.
        for name in ("qemu-x86_64", "qemu-aarch64", "qemu-riscv64"):
            board = boards.load(name)
            (r,) = runner.Run(board, build.image(board), echo=False, idle=1).go()
            self.assertTrue(r.passed, f"{name}: {r.error}")
            self.assertTrue(any("named by the runner" in line for line in r.lines), name)
            self.assertIn("IDLE 1 s", r.lines, name)
            self.assertIn("IDLE done", r.lines, name)
            self.assertEqual(len(r.idle_samples), 2, name)


FAKE_NODE = r"""
import select, sys
ask = sys.argv[1] == "ask"
if ask:
    print("INPUT ready", flush=True)
ready = select.select([sys.stdin], [], [], 10 if ask else 1)[0]
got = sys.stdin.buffer.readline() if ready else b""
ok = got == (b"mosaic\n" if ask else b"")
print(f"TEST input {'PASS' if ok else 'FAIL'} {got!r}", flush=True)
print("VERDICT PASS", flush=True)
"""


class FakeRun(runner.Run):
    """A run whose nodes are small Python programs instead of QEMU."""

    def commands(self):
        return [[sys.executable, "-c", FAKE_NODE, n["mode"]] for n in self.board["nodes"]]


class ConsoleInput(unittest.TestCase):
    def test_only_a_node_that_asks_gets_the_input_line(self):
        nodes = [{"name": "asks", "isa": "riscv64", "exit": "sifive-test", "mode": "ask"},
                 {"name": "quiet", "isa": "riscv64", "exit": "sifive-test", "mode": "quiet"}]
        board = {"name": "fake-input", "timeout": 30, "interconnect": 0, "nodes": nodes}
        results = FakeRun(board, "unused.img", echo=False).go()
        for r in results:
            self.assertTrue(r.passed, f"{r.node['name']}: {r.error} {r.lines}")
            self.assertEqual([t[:2] for t in r.tests], [("input", True)], r.lines)

    def boot_riscv(self, input_text):
        board = boards.load("qemu-riscv64")
        # (the system-call fuzzer's 10^4 calls, not 10^5: the boot suite fuzzes this board in full)
        (r,) = runner.Run(board, build.image(board), echo=False, input_text=input_text, params={"fuzz": 1}).go()
        return r

    @unittest.skipUnless(os.environ.get("MOSAIC_LONG") == "1", "--long only: a whole boot waiting out the guest's timeout")
    def test_guest_without_input_fails_by_its_own_timeout(self):
        t0 = time.monotonic()
        r = self.boot_riscv(None)
        self.assertFalse(r.passed)
        self.assertIn(("uart-rx-irq", False), [t[:2] for t in r.tests], r.lines)
        reason = dict((t[0], t[2]) for t in r.tests)["uart-rx-irq"]
        self.assertIn("timeout after 1000 ticks: no line reached the driver", reason, r.lines)
        self.assertIn("guest verdict FAIL (", r.error)
        self.assertLess(time.monotonic() - t0, 55, r.error)  # before the board's 60 s timeout

    def test_guest_names_wrong_input(self):
        r = self.boot_riscv(b"mosaix\n")
        reason = dict((t[0], t[2]) for t in r.tests).get("uart-rx-irq")
        self.assertTrue(reason and reason.startswith("wrong bytes"), r.lines)
        self.assertIn("brought 7 bytes 'mosaix.'", "\n".join(r.lines))
        self.assertFalse(r.passed)


class Verdicts(unittest.TestCase):
    NODE = {"name": "n", "isa": "x86_64", "exit": "isa-debug-exit"}

    def judge(self, lines, status, ended=None, node=None):
        r = runner.NodeResult(node or self.NODE)
        for i, line in enumerate(lines):
            r.feed(line, float(i))
        r.status = status
        r.decide(ended)
        return r

    def test_pass_needs_console_verdict_and_exit_status(self):
        self.assertTrue(self.judge(["Mosaic CPU driver", "TEST a PASS", "VERDICT PASS"], 1).passed)
        self.assertFalse(self.judge(["TEST a PASS", "VERDICT PASS"], 3).passed)
        self.assertFalse(self.judge(["TEST a PASS", "VERDICT PASS"], 0).passed)  # reset, not the guest
        self.assertFalse(self.judge(["TEST a PASS"], 1).passed)

    def test_failed_tests_are_named(self):
        r = self.judge(["TEST a PASS", "TEST b FAIL why", "VERDICT FAIL"], 3)
        self.assertIn("b", r.error)
        self.assertEqual(r.tests[1], ("b", False, "why"))

    def test_panic_fails_the_node(self):
        r = self.judge(["PANIC: unexpected trap in the CPU driver"], 3)
        self.assertIn("PANIC", r.error)

    def test_timeout_and_exit_methods(self):
        self.assertIn("timed out", self.judge(["Mosaic"], None, ended="timeout").error)
        self.assertIn("node 'x'", self.judge(["Mosaic"], None, ended="x").error)
        sh = {"name": "n", "isa": "riscv64", "exit": "sifive-test"}
        self.assertTrue(self.judge(["VERDICT PASS"], 0, node=sh).passed)
        self.assertFalse(self.judge(["VERDICT PASS"], 1, node=sh).passed)


class ExpectedTests(unittest.TestCase):
    """Which tests a node must report: tests/boot/expected.tests and its conditions."""

    def test_conditions_follow_the_board_and_the_node(self):
        from mosaic import testing
        hetero = boards.load("qemu-hetero")
        first, other = hetero["nodes"][0], hetero["nodes"][1]
        on_first, on_other = testing.expected_tests(hetero, first), testing.expected_tests(hetero, other)
        for name in ("monitor-spawn-remote", "transport-bulk-nodes", "transport-bench-nodes", "transport-bulk-node"):
            self.assertIn(name, on_first)
        self.assertIn("transport-bulk-node", on_other)
        self.assertNotIn("transport-bulk-nodes", on_other)  # only the first node measures the pairs
        self.assertIn("monitor-spawn-remote", on_other)
        single = boards.load("qemu-x86_64")
        on_single = testing.expected_tests(single, single["nodes"][0])
        self.assertNotIn("monitor-spawn-remote", on_single)
        self.assertNotIn("transport-bulk-nodes", on_single)
        self.assertIn("transport-bulk-node", on_single)
        # A node of one core is not asked for the tests between two of its cores.
        one_core = dict(single["nodes"][0], cores=1)
        lone = dict(single, nodes=[one_core])
        self.assertNotIn("transport-bulk-node", testing.expected_tests(lone, one_core))
        self.assertIn("user-hello", testing.expected_tests(lone, one_core))

    def test_an_unknown_condition_is_an_error(self):
        from mosaic import testing
        from mosaic.common import ToolError
        with tempfile.NamedTemporaryFile("w", suffix=".tests", delete=False) as f:
            f.write("# comment\nuser-hello\nsome-test multi-nodes\n")
        saved = testing.EXPECTED
        try:
            testing.EXPECTED = f.name
            with self.assertRaisesRegex(ToolError, r":3: unknown condition 'multi-nodes'"):
                testing.expected_tests(boards.load("qemu-hetero"))
        finally:
            testing.EXPECTED = saved
            os.unlink(f.name)


class MulticastCheck(unittest.TestCase):
    """The host recomputes each guest's multicast tree from the facts the guest printed."""

    class Node:
        def __init__(self, name, lines):
            self.node, self.lines = {"name": name}, lines

    FACTS = ["SKB fact latency(0, 1, 900).", "SKB fact latency(0, 2, 40000).", "SKB fact latency(0, 4, 30000).",
             "SKB fact latency(4, 5, 800).", "SKB fact latency(2, 3, 700)."]

    def judge(self, *nodes):
        from mosaic import testing
        res = testing.Results(echo=False)
        testing.check_multicast(res, "qemu-hetero", boards.load("qemu-hetero"), list(nodes))
        return {c[1]: c[2] for c in res.cases}

    def test_the_tree_the_host_builds_passes(self):
        tree = "SKB multicast root 0 edges 0>1 0>2 2>3 0>4 4>5"
        got = self.judge(self.Node("x86", self.FACTS + [tree]), self.Node("rv", self.FACTS[::-1] + [tree]))
        self.assertEqual(set(got.values()), {"pass"}, got)

    def test_a_wrong_tree_or_disagreeing_replicas_fail(self):
        wrong = "SKB multicast root 0 edges 0>1 0>3 2>3 0>4 4>5"  # node 1's aggregator is core 2, not 3
        got = self.judge(self.Node("x86", self.FACTS + ["SKB multicast root 0 edges 0>1 0>2 2>3 0>4 4>5"]),
                         self.Node("rv", self.FACTS + [wrong]))
        self.assertEqual(got["qemu-hetero/x86/skb-multicast-matches-host"], "pass")
        self.assertEqual(got["qemu-hetero/rv/skb-multicast-matches-host"], "fail")
        self.assertEqual(got["qemu-hetero/skb-multicast-replicas-agree"], "fail")

    def test_missing_or_garbled_output_fails_without_crashing(self):
        got = self.judge(self.Node("x86", self.FACTS), self.Node("rv", ["SKB fact latency(0, 1", "SKB multicast root x"]))
        self.assertEqual(got["qemu-hetero/x86/skb-multicast-matches-host"], "fail")
        self.assertEqual(got["qemu-hetero/rv/skb-multicast-matches-host"], "fail")


if __name__ == "__main__":
    unittest.main()

