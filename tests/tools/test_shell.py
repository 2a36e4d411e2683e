"""The system a person uses: the shell on the first node of every board, driven the way
`./mosaic boot --run` drives it (a command at each prompt, then shutdown), and through a
terminal the way `./mosaic boot` gives it to a person. Each test names what it checks in
the guest's own output."""
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))

from mosaic import boards, build, runner  # noqa: E402

MOSAIC = os.path.join(ROOT, "mosaic")


def first_cores(board):
    firsts, core = [], 0
    for node in board["nodes"]:
        firsts.append(core)
        core += node["cores"]
    return firsts, core


def run_script(board_name, script, timeout=None, qemu_extra=None):
    board = boards.load(board_name)
    results = runner.Run(board, build.image(board), echo=False, script=script, timeout=timeout,
                         qemu_extra=qemu_extra).go()
    return board, results


class ShellOnEveryBoard(unittest.TestCase):
    """On every board: the cores, a program on every core, a bad command, a program that
    faults (the shell and the system go on), kill, and the key-value service used from
    every node (a cross-ISA service on qemu-hetero)."""

    def check_board(self, name, qemu_extra=None, firmware=None):
        try:
            self.check_board_once(name, qemu_extra, firmware)
        except AssertionError:
            # Later boots overwrite the logs: keep this one's for whoever looks.
            import shutil
            src = os.path.join(ROOT, "build", "logs", name)
            shutil.copytree(src, src + "-failed-shell-test", dirs_exist_ok=True)
            raise

    def check_board_once(self, name, qemu_extra=None, firmware=None):
        board = boards.load(name)
        firsts, total = first_cores(board)
        clients = len(firsts)
        script = ["cores"]
        script += [f"spawn --core {c} hello" for c in range(total)]
        script += [f"spawn --core {total - 1} echo hello mosaic 42"]
        script += ["wait", "frobnicate now", f"spawn --core {total - 1} fault 1", "wait", "cores",
                   "spawn kvstore", "kill $!", "ps",
                   f"spawn kvstore {clients * 2 * 2}"]
        script += [f"spawn --core {c} kvclient 2" for c in firsts]
        script += ["wait", "names"]
        _, results = run_script(name, script, qemu_extra=qemu_extra)
        shell = results[0]
        lines = shell.lines
        text = "\n".join(lines)
        if firmware:  # what the CPU driver found the machine to be
            self.assertIn(f"(firmware: {firmware})", text, name)
        # The shell runs on the first node's boot core (on riscv64, whichever hart won the boot).
        here = re.search(r"(?m)^Mosaic shell on core (\d+) ", text)
        self.assertIsNotNone(here, f"{name}: no shell")
        here = int(here.group(1))
        # Every node shut down when the shell asked, with a verdict.
        for r in results[1:]:
            self.assertTrue(r.passed, f"{name}: node {r.node['name']}: {r.error}")
            self.assertTrue(any(l.startswith("VERDICT PASS (the board shut down from core ") for l in r.lines), name)
        # cores: one line per core of the board, each with its ISA and node.
        for c in range(total):
            node = max(i for i, f in enumerate(firsts) if f <= c)
            self.assertRegex(text, rf"(?m)^core {c}  {board['nodes'][node]['isa']}  node {node} ", f"{name}: core {c}")
        # A program on every core: its start here, its greeting from that core's ISA, its end.
        everywhere = "\n".join(l for r in results for l in r.lines)
        for c in range(total):
            self.assertRegex(text, rf"(?m)^pid {c}\.\d+: hello on core {c}$", f"{name}: spawn on core {c}")
            self.assertRegex(text, rf"(?m)^pid {c}\.\d+ \(hello\) exited with code 0$", f"{name}: hello on core {c}")
        for node in board["nodes"]:
            self.assertIn(f"user: hello from user mode on {node['isa']}", everywhere, name)
        # Words reach a program on the last core (another ISA on qemu-hetero) as its argument text.
        last_isa = board["nodes"][-1]["isa"]
        self.assertRegex(everywhere, rf"(?m)^echo on {last_isa} core 0x[0-9a-f]+: hello mosaic 42$", name)
        # A bad command, and a program that faults: said, counted, and the shell goes on.
        self.assertIn("error: unknown command 'frobnicate' (help lists the commands)", lines, name)
        self.assertRegex(text, rf"(?m)^error: pid {total - 1}\.\d+ \(fault\) faulted: IllegalInstruction", name)
        self.assertEqual(text.count(f"core {total - 1}  "), 2, f"{name}: cores answered again after the fault")
        # kill: the program is gone from ps.
        killed = re.search(rf"(?m)^pid (\d+\.\d+): kvstore on core {here}$", text)
        self.assertIsNotNone(killed, name)
        self.assertIn(f"pid {killed.group(1)} stopped", lines, name)
        self.assertNotRegex(text.split("mosaic> ps", 1)[1].split("mosaic> ", 1)[0], rf"(?m)^{re.escape(killed.group(1))} ",
                            f"{name}: the killed program is not in ps")
        # The key-value service, found by name and used from the first core of every node.
        for node in board["nodes"]:
            self.assertRegex(everywhere, rf"(?m)^kvclient on {node['isa']} core 0x[0-9a-f]+: 2 puts and gets with 'kv' on "
                                         rf"board core {here} answered right", f"{name}: kvclient on {node['isa']}")
        self.assertIn(f"kv: {clients * 4} requests served, from {clients} cores; done", everywhere, name)
        self.assertIn("no names registered", lines, f"{name}: kv's name went when it ended")
        # The verdict counts exactly the two failures the script has (frobnicate, the fault).
        # (shutdown, the runner's last line, is a command too)
        self.assertIn(f"VERDICT FAIL (shell: 2 of {len(script) + 1} commands failed)", lines, name)
        self.assertFalse(shell.passed, name)

    def test_qemu_hetero(self):
        self.check_board("qemu-hetero")

    def test_qemu_x86_64(self):
        self.check_board("qemu-x86_64")

    def test_qemu_aarch64(self):
        self.check_board("qemu-aarch64")

    def test_qemu_riscv64(self):
        self.check_board("qemu-riscv64")

    def test_sifive_u(self):  # a real board's model: SiFive UART console, harts from 1
        self.check_board("sifive-u")

    # A Raspberry Pi 3 B from its card through the Pi's U-Boot: the shell on the mini UART
    # (typed input through the armctrl's interrupt), cores released from the spin table.
    def test_rpi3b(self):
        self.check_board("rpi3b", firmware="dtb, EL2, no GIC")

    def boot_pi_as_kernel8(self, name, changes, core):
        """The rpi3b profile with `changes` (text replacements) and without U-Boot: the Pi's
        firmware (here QEMU in its place) loads the image itself as kernel8.img at 0x80000,
        by its ARM64 Image header, with the board's tree. A short shell script runs a
        program on `core`; returns the console text after checking what every run shares."""
        with open(os.path.join(ROOT, "boards", "rpi3b.board")) as f:
            text = f.read().replace("boot = u-boot\n", "").replace("image_addr = 0x200000", "image_addr = 0x80000")
        for old, new in [("name = rpi3b", f"name = {name}")] + changes:
            text = text.replace(old, new)
        path = os.path.join(ROOT, "build", f"{name}.board")
        with open(path, "w") as f:
            f.write(text)
        self.addCleanup(os.unlink, path)
        board = boards.load(path)
        (r,) = runner.Run(board, build.image(board), echo=False, script=["cores", f"spawn --core {core} hello", "wait"]).go()
        text = "\n".join(r.lines)
        self.assertTrue(r.passed, r.error)
        self.assertIn("(firmware: dtb, EL2, no GIC)", text)
        self.assertNotIn("U-Boot", text)
        for c in range(4):
            self.assertRegex(text, rf"(?m)^core {c}  aarch64  node 0 .*  up  hw 0x{c}$")
        self.assertRegex(text, rf"(?m)^pid {core}\.\d+ \(hello\) exited with code 0$")
        return text

    def test_rpi3b_started_as_kernel8_img(self):
        self.boot_pi_as_kernel8("rpi3b-kernel8", [], 3)

    def test_rpi3b_image_on_a_pi_3_a_plus(self):
        # On a board no profile names: a Pi 3 A+ (QEMU raspi3ap, 512 MiB) with Debian's tree
        # for it. What it runs on comes from that tree: 512 MiB less the firmware's
        # spin-table page and the 64 MiB QEMU gives the GPU.
        text = self.boot_pi_as_kernel8("rpi3ap", [("machine = raspi3b", "machine = raspi3ap"), ("memory = 1G", "memory = 512M"),
                                                  ("dtb = bcm2837-rpi-3-b", "dtb = bcm2837-rpi-3-a-plus")], 2)
        self.assertIn("memory 0x00000000001000-0x0000001c000000 (447 MiB)", text)

    # The U-Boot virt boards' boot suites run in ./mosaic test; the shell there is the virt
    # boards' own, so these two boots wait for --long.
    @unittest.skipUnless(os.environ.get("MOSAIC_LONG") == "1", "--long only: the boot suite takes this boot path")
    def test_qemu_aarch64_uboot(self):  # booted by U-Boot from its disk
        self.check_board("qemu-aarch64-uboot")

    @unittest.skipUnless(os.environ.get("MOSAIC_LONG") == "1", "--long only: the boot suite takes this boot path")
    def test_qemu_riscv64_uboot(self):
        self.check_board("qemu-riscv64-uboot")

    # The aarch64 board as most current ARM boards are: a GICv3 (redistributors, system-register
    # CPU interface, affinity routing), and entered at EL2 with PSCI through smc, both read
    # from the device tree.
    def test_qemu_aarch64_on_a_gicv3(self):
        self.check_board("qemu-aarch64", ["-machine", "gic-version=3"], "dtb, EL1, GICv3")

    def test_qemu_aarch64_entered_at_el2_with_psci_through_smc(self):
        self.check_board("qemu-aarch64", ["-machine", "virtualization=on,gic-version=3"], "dtb, EL2, GICv3")
        self.check_board("qemu-aarch64", ["-machine", "virtualization=on"], "dtb, EL2, GICv2")


class BootRun(unittest.TestCase):
    def test_run_spawns_on_riscv64_from_the_x86_shell(self):
        # The example: 6 cores of 3 ISAs, hello from riscv64 core 4, started from x86-64.
        r = subprocess.run([MOSAIC, "boot", "--run", "cores; spawn --core 4 hello; ps; names"], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
        self.assertEqual(r.returncode, 0, r.stdout[-3000:])
        out = r.stdout
        for isa, cores in (("x86_64", (0, 1)), ("aarch64", (2, 3)), ("riscv64", (4, 5))):
            for c in cores:
                self.assertRegex(out, rf"\[x86\] c0\| core {c}  {isa}  ", out[-3000:])
        # Core 4 is the riscv64 node's boot core: its hardware id is whichever hart OpenSBI let boot.
        self.assertRegex(out, r"\[rv\] c4\| user: hello from user mode on riscv64 core 0x[0-9a-f]+")
        self.assertRegex(out, r"\[x86\] c0\| mosaic> spawn --core 4 hello")
        self.assertIn("VERDICT PASS (shell: 5 commands, none failed)", out)  # and shutdown

    def test_run_fails_when_a_command_fails(self):
        r = subprocess.run([MOSAIC, "boot", "--board", "qemu-riscv64", "--run", "cores; spawn nosuchprogram"], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
        self.assertEqual(r.returncode, 1, r.stdout[-3000:])
        self.assertRegex(r.stdout, r"error: spawn: 'nosuchprogram' on core \d: not found")  # the shell's core
        self.assertIn("VERDICT FAIL (shell: 1 of 3 commands failed)", r.stdout)

    def test_a_bad_skb_query_says_where_it_went_wrong(self):
        # The position came from no query at all before (always line 0, column 0).
        r = subprocess.run([MOSAIC, "boot", "--board", "qemu-x86_64", "--run", "skb ?- core(C, I; skb ?- core(C, I, N)."],
                           cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
        self.assertEqual(r.returncode, 1, r.stdout[-3000:])
        self.assertIn("error: skb: syntax error (line 1, column 13)", r.stdout)
        self.assertIn("C=0 I=x86_64 N=node0", r.stdout)  # the next query is answered as ever
        self.assertIn("VERDICT FAIL (shell: 1 of 3 commands failed)", r.stdout)


class Terminal(unittest.TestCase):
    def test_a_person_edits_a_line_abandons_one_and_ends_with_ctrl_c(self):
        pid, fd = pty.fork()
        if pid == 0:
            os.chdir(ROOT)
            os.execv(MOSAIC, [MOSAIC, "boot", "--board", "qemu-riscv64"])
        out = b""

        def pump(until, secs, times=1):
            nonlocal out
            end = time.monotonic() + secs
            while time.monotonic() < end and out.count(until) < times:
                if select.select([fd], [], [], 0.2)[0]:
                    try:
                        got = os.read(fd, 65536)
                    except OSError:
                        return
                    if not got:
                        return
                    out += got
        try:
            pump(b"mosaic> ", 240)
            self.assertIn(b"mosaic> ", out, out[-2000:])
            os.write(fd, b"corx\x7f\x7fres\r")  # backspace twice: "cores"
            pump(b"mosaic> ", 30, times=2)  # the next prompt: cores has answered
            self.assertIn(b"core 3  riscv64  node 0 'rv'  up", out, out[-2000:])
            # A line of 240 bytes is taken whole; one byte more and the console drops it whole:
            # no part of it runs (before, its 241st byte came to the shell as a command of its own).
            os.write(fd, b"cores" + b" " * 235 + b"\r")
            pump(b"mosaic> ", 30, times=3)
            self.assertEqual(out.count(b"core 3  riscv64  node 0 'rv'  up"), 2, out[-3000:])
            os.write(fd, b"cores" + b" " * 235 + b"y" + b"z" * 60 + b"\r")
            pump(b"that one was not run", 30)
            pump(b"mosaic> ", 10, times=4)
            self.assertIn(b"error: a line is at most 240 bytes; that one was not run", out, out[-3000:])
            self.assertEqual(out.count(b"core 3  riscv64  node 0 'rv'  up"), 2, out[-3000:])
            self.assertNotIn(b"unknown command", out, out[-3000:])
            self.assertNotIn(b"yz", out)  # what passed the limit was not echoed
            mark = len(out)
            os.write(fd, b"spawn hel\x03")  # Ctrl-C abandons the line: nothing runs
            pump(b"mosaic> ", 10, times=5)  # ^C, and the prompt again
            os.write(fd, b"\x03")  # Ctrl-C on an empty line ends the board
            pump(b"ended from the terminal", 30)
            self.assertIn(b"ended from the terminal (Ctrl-C on an empty line)", out, out[-2000:])
            self.assertNotIn(b"pid 0.", out[mark:])
        finally:
            deadline = time.monotonic() + 30
            while True:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    break
                if time.monotonic() > deadline:
                    os.kill(pid, signal.SIGTERM)  # the runner ends its QEMU processes, then exits
                    for _ in range(100):
                        done, status = os.waitpid(pid, os.WNOHANG)
                        if done:
                            break
                        pump(b"never", 0.1)
                    else:
                        os.kill(pid, signal.SIGKILL)
                        _, status = os.waitpid(pid, 0)
                    break
                pump(b"never", 0.2)  # keep reading: a full terminal would hold the runner up
                time.sleep(0.05)
            os.close(fd)
        self.assertEqual(os.waitstatus_to_exitcode(status), 1, out[-1500:])
        image = os.path.join(ROOT, "build", "images", "qemu-riscv64", "mosaic.img")
        self.assertEqual(subprocess.run(["pgrep", "-f", f"qemu-system.*{image}"], stdout=subprocess.PIPE).stdout, b"")


if __name__ == "__main__":
    unittest.main()
