"""The board runner: starts one QEMU process per node, streams each node's serial output
with a prefix, answers a node's request for console input, keeps logs, enforces the
timeout, and decides the verdict. Every QEMU process it starts is ended by its own pid;
the interconnect file is removed, also on timeout and Ctrl-C."""
import os
import re
import select
import signal
import subprocess
import time

from .common import BUILD, ToolError, color
from . import firmware
from .disk import uboot_binary, uboot_disk

QEMU = {"x86_64": "qemu-system-x86_64", "aarch64": "qemu-system-aarch64", "riscv64": "qemu-system-riscv64"}
HEAD_AARCH64 = 0x80      # bundle.hpp kHeadAarch64
RISCV_KERNEL_ADDR = 0x80200000  # where QEMU/OpenSBI load a raw riscv64 kernel
# QEMU's Raspberry Pi models load an ARM64 Image (kernel8.img, or U-Boot) at 0x80000 as the
# Pi's firmware does, give it the -dtb tree in x0 and park the other cores on the Pi's spin
# table; the console of Debian's Pi trees (the mini UART) is QEMU's second serial port.
RASPI_KERNEL_ADDR = 0x80000
NODE_COLOURS = ("36", "35", "33", "32", "34", "31")
TEST_LINE = re.compile(r"^TEST (\S+) (PASS|FAIL)(?: (.*))?$")
VERDICT_LINE = re.compile(r"^VERDICT (PASS|FAIL)")
# The console service writes every line with the board number of its core in front ("c3| ").
CORE_TAG = re.compile(r"^c\d+\| ")
# A node that prints INPUT_READY gets INPUT_TEXT on its serial input (the uart-rx-irq boot
# test); nothing else is ever written to a node.
INPUT_READY = "INPUT ready"
INPUT_TEXT = b"mosaic\n"
# The shell's prompt (userland/programs/shell.cpp), an unfinished line on the first node's
# console: a script (./mosaic boot --run) sends its next command when it shows, then
# "shutdown" after the last.
SHELL_PROMPT = "mosaic> "
PROMPT_SETTLE = 0.15  # seconds the prompt must stay the last thing shown before a command is sent
# The longest line the console gives the shell whole (console::kLineMax, userland/include/
# mosaic/user/console.hpp): a longer one is dropped by the console and never echoed whole, so a
# script would wait for its echo until its timeout.
SHELL_LINE_MAX = 240
JOB_SHELL = 4  # init's job number for the shell (userland/programs/init.cpp)
SHUTDOWN_GRACE = 10  # seconds the other nodes have to power off after the shell's node did


def check_script(script):
    """Refuses (ToolError, exit 2) a --run command the shell cannot take as one line: longer
    than SHELL_LINE_MAX bytes, or with bytes the console does not echo (anything but printable
    ASCII and tab: control bytes are dropped, and multi-byte UTF-8 too)."""
    for n, cmd in enumerate(script, 1):
        raw = cmd.encode("utf-8", "replace")
        shown = cmd if len(cmd) <= 24 else cmd[:21] + "..."
        if len(raw) > SHELL_LINE_MAX:
            raise ToolError(f"--run: command {n} ('{shown}') is {len(raw)} bytes; the shell reads lines of at "
                            f"most {SHELL_LINE_MAX}", 2)
        bad = [b for b in raw if b != 0x09 and not 0x20 <= b < 0x7f]
        if bad:
            raise ToolError(f"--run: command {n} ('{shown!r}') has a byte the console does not take as text "
                            f"(0x{bad[0]:02x}); only printable ASCII and tab", 2)


def qemu_command(board, node, index, image, shm_path=None, gdb_port=None, idle=0, params=None, extra=None, disk=None):
    """The QEMU command line of one node. fw_cfg tells the guest which node it is and, for
    benchmarks, how many seconds to stay idle before powering off and any other boot
    parameters (`params`, e.g. {"skbbench": 1}: run the SKB benchmark)."""
    isa = node["isa"]
    # QEMU's sifive_u counts its E51 monitor hart (no S-mode: OpenSBI keeps it) in -smp; a
    # board's cores are the ones Mosaic runs on.
    smp = node["cores"] + (1 if node["machine"] == "sifive_u" else 0)
    raspi = node["machine"].startswith("raspi")
    if node["machine"] == "none":
        raise ToolError(f"{board['path']}: node '{node['name']}' is a board QEMU has no model of (machine = none): "
                        f"build its image and card with ./mosaic flash, and boot it on the board")
    cmd = [QEMU[isa], "-M", node["machine"], "-smp", f"{smp},maxcpus={max(smp, 2)}",
           "-m", f"{node['memory'] >> 20}M", "-nodefaults", "-display", "none", "-monitor", "none",
           *(["-serial", "null"] if raspi else []), "-serial", "stdio", "-no-reboot"]
    if node["cpu"]:
        cmd += ["-cpu", node["cpu"]]
    if node.get("dtb"):
        cmd += ["-dtb", firmware.board_dtb(node["dtb"])]
    if raspi and node.get("boot") != "u-boot" and node["image_addr"] != RASPI_KERNEL_ADDR:
        raise ToolError(f"{board['path']}: node '{node['name']}' field 'image_addr': QEMU's {node['machine']} "
                        f"loads the image at {RASPI_KERNEL_ADDR:#x}, as the Pi's firmware loads kernel8.img")
    if node.get("boot") == "u-boot":  # U-Boot loads the image from a disk (disk.uboot_disk)
        if not disk:
            raise ToolError(f"{board['path']}: node '{node['name']}' boots through U-Boot: it needs its disk")
        if raspi:  # the Pi's U-Boot in place of kernel8.img, the disk as its SD card
            cmd += ["-kernel", uboot_binary(node), "-drive", f"if=sd,file={disk},format=raw"]
        else:
            cmd += ["-bios" if isa == "aarch64" else "-kernel", uboot_binary(node),
                    "-drive", f"if=none,file={disk},format=raw,id=boot", "-device", "virtio-blk-device,drive=boot"]
    elif isa == "x86_64":
        cmd += ["-kernel", image, "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    elif raspi:
        cmd += ["-kernel", image]
    elif isa == "aarch64":
        addr = node["image_addr"]
        cmd += ["-device", f"loader,file={image},addr={addr:#x},force-raw=on",
                "-device", f"loader,addr={addr + HEAD_AARCH64:#x},cpu-num=0"]
    else:
        if node["image_addr"] != RISCV_KERNEL_ADDR:
            raise ToolError(f"{board['path']}: node '{node['name']}' field 'image_addr': riscv64 images are loaded "
                            f"by QEMU at {RISCV_KERNEL_ADDR:#x}")
        cmd += ["-kernel", image]
    params = {"node": index, **({"idle": idle} if idle else {}), **(params or {})}
    # fw_cfg exists on QEMU's virt and PC machines; the others (riscv virt in QEMU 7.2, the
    # Pi) read their parameters from the kernel command line (/chosen bootargs).
    if isa == "x86_64" or (isa == "aarch64" and node["machine"] == "virt"):
        for k, v in params.items():
            cmd += ["-fw_cfg", f"name=opt/mosaic/{k},string={v}"]
    else:
        cmd += ["-append", " ".join(f"mosaic.{k}={v}" for k, v in params.items())]
    if node["exit"] == "semihosting":
        cmd += ["-semihosting-config", "enable=on,target=native"]
    if shm_path:
        cmd += ["-object", f"memory-backend-file,id=ic,share=on,mem-path={shm_path},size={board['interconnect']}",
                "-device", "ivshmem-plain,memdev=ic"]
    if gdb_port:
        cmd += ["-S", "-gdb", f"tcp:127.0.0.1:{gdb_port}"]
    return cmd + list(extra or [])


def cpu_seconds(pid):
    """User plus system CPU time a process has used so far (Linux /proc), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def exit_verdict(method, status):
    """What a QEMU exit status says, per the node's exit method: 'pass', 'fail' or None."""
    if method == "isa-debug-exit":
        return {1: "pass", 3: "fail"}.get(status)
    return {0: "pass", 1: "fail"}.get(status)


class NodeResult:
    def __init__(self, node):
        self.node = node
        self.status = None       # QEMU exit status
        self.lines = []
        self.tests = []          # (name, passed, reason)
        self.verdict_line = None
        self.panic = None
        self.banner_time = None  # seconds from launch to the CPU driver's banner
        self.error = None        # why the node failed, if it did
        self.idle_samples = []   # (wall seconds, QEMU CPU seconds) at "IDLE" and "IDLE done"

    def feed(self, line, elapsed):
        self.lines.append(line)
        if self.banner_time is None and line.startswith("Mosaic CPU driver"):
            self.banner_time = elapsed
        if m := TEST_LINE.match(line):
            self.tests.append((m.group(1), m.group(2) == "PASS", m.group(3) or ""))
        elif m := VERDICT_LINE.match(line):
            self.verdict_line = m.group(1)
        elif line.startswith("PANIC"):
            self.panic = line

    def decide(self, ended=None):
        """Sets self.error unless the node passed, by its console and exit status together.
        `ended` says why the run was cut short, if it was (see Run._pump)."""
        by_status = exit_verdict(self.node["exit"], self.status)
        if ended == "timeout" and self.status is None:
            self.error = "timed out (guest hung or too slow; see its log)"
        elif ended == "ended from the terminal":
            self.error = "ended from the terminal (Ctrl-C on an empty line)"
        elif ended and self.status is None:
            self.error = f"stopped because node '{ended}' failed"
        elif self.panic:
            self.error = self.panic
        elif self.verdict_line is None:
            tail = " | ".join(self.lines[-3:]) or "no output"
            self.error = f"QEMU exited with status {self.status} before the guest gave a verdict: {tail}"
        elif self.verdict_line == "FAIL" or by_status == "fail":
            failed = [t[0] for t in self.tests if not t[1]]
            self.error = f"guest verdict FAIL ({', '.join(failed) or 'exit status'})"
        elif by_status != "pass":
            self.error = f"guest said PASS but QEMU exited with status {self.status}"

    @property
    def passed(self):
        return self.error is None


class Run:
    """One boot of a board; use as `Run(...).go()`."""

    def __init__(self, board, image, timeout=None, gdb=False, echo=True, idle=0, params=None, input_text=INPUT_TEXT,
                 script=None, interactive=False, qemu_extra=None):
        self.board = board
        self.qemu_extra = qemu_extra  # more QEMU arguments for every node (tests: a device tree of their own)
        self.image = image
        self.timeout = timeout or board["timeout"]
        self.gdb = gdb
        self.echo = echo
        self.idle = idle
        self.input_text = input_text  # the answer to INPUT_READY; None: no answer (tests of the guest's checks)
        self.params = params
        # Shell commands for the first node, one per prompt, then "shutdown" (None: no shell).
        if script is not None:
            check_script(script)
        self.script = None if script is None else list(script) + ["shutdown"]
        if self.script is not None:
            self.params = {**(params or {}), "job": JOB_SHELL}
        # A person at the terminal types to the first node's shell (job shell); no timeout.
        self.interactive = interactive
        if interactive:
            self.params = {**(params or {}), "job": JOB_SHELL}
        self.logdir = os.path.join(BUILD, "logs", board["name"])
        self.shm = (f"/dev/shm/mosaic-{board['name']}-{os.getpid()}" if board["interconnect"] else None)
        self.procs = []

    def disk(self, i, node):
        """The disk a U-Boot node boots from, made afresh from this run's image (None for
        other nodes)."""
        if node.get("boot") != "u-boot":
            return None
        os.makedirs(self.logdir, exist_ok=True)
        return uboot_disk(node, self.image,
                          os.path.join(self.logdir, f"{node['name']}-disk.img"))

    def commands(self):
        return [qemu_command(self.board, n, i, self.image, self.shm, 1234 + i if self.gdb else None, self.idle,
                             self.params, self.qemu_extra, self.disk(i, n))
                for i, n in enumerate(self.board["nodes"])]

    def _prefix(self, i, name):
        return color(f"[{name}]", NODE_COLOURS[i % len(NODE_COLOURS)])

    def go(self):
        os.makedirs(self.logdir, exist_ok=True)
        results = [NodeResult(n) for n in self.board["nodes"]]
        logs = []
        try:
            if self.shm:
                with open(self.shm, "wb") as f:  # a new, zeroed region for every boot
                    f.truncate(self.board["interconnect"])
            cmds = self.commands()
            t0 = time.monotonic()
            for i, (cmd, node) in enumerate(zip(cmds, self.board["nodes"])):
                logs.append(open(os.path.join(self.logdir, f"{node['name']}.log"), "w"))
                logs[-1].write("# " + " ".join(cmd) + "\n")
                try:
                    # stdin is a pipe, never the terminal: QEMU's stdio serial then leaves the
                    # terminal's modes (echo, line editing) alone, and input reaches the guest
                    # only when the runner writes it.
                    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, start_new_session=True)
                except OSError as e:
                    raise ToolError(f"node '{node['name']}': cannot start {cmd[0]}: {e}")
                self.procs.append(p)
                if self.gdb:
                    print(f"{self._prefix(i, node['name'])} waiting for gdb: gdb-multiarch "
                          f"-ex 'target remote 127.0.0.1:{1234 + i}' {BUILD}/{node['isa']}/cpudriver/"
                          f"cpudriver-{node['isa']}.elf", flush=True)
            if self.interactive:
                with terminal_keys():
                    ended = self._pump(results, logs, t0)
            else:
                ended = self._pump(results, logs, t0)
            for r, p in zip(results, self.procs):
                r.status = p.returncode
                r.decide(ended)
        finally:
            self.stop()
            for f in logs:
                f.close()
        return results

    def _pump(self, results, logs, t0):
        """Streams output until every node exits. Returns None, or why the run was cut short:
        "timeout", or the name of a node that exited without a verdict (the others are then
        stopped: on a board, one dead node fails the boot)."""
        fds = {p.stdout.fileno(): i for i, p in enumerate(self.procs)}
        partial = {fd: b"" for fd in fds}
        shown_partial = 0  # interactive: bytes of the first node's unfinished line already shown
        shell_ended = None  # with the shell: when the other nodes must have ended
        sent = None         # a script: the command sent, until the shell's console echoed it
        typed = False      # interactive: the person typed something since the last line ended
        deadline = None if self.gdb or self.interactive else t0 + self.timeout
        dead = None
        keys = [0] if self.interactive else []
        prompt_at = None    # a script: when the shell's prompt became the last thing shown
        while fds:
            wait = 0.5 if deadline is None else max(0.0, min(0.5, deadline - time.monotonic()))
            if prompt_at is not None:
                wait = min(wait, max(0.0, prompt_at + PROMPT_SETTLE - time.monotonic()))
            ready, _, _ = select.select(list(fds) + keys, [], [], wait)
            if prompt_at is not None and 0 not in [fds.get(fd) for fd in ready] and \
                    time.monotonic() >= prompt_at + PROMPT_SETTLE:
                # The prompt stayed the last thing shown: the shell waits for its next command.
                prompt_at = None
                sent = self.script.pop(0)
                said = self._send(0, sent.encode() + b"\n")
                logs[0].write(f"# runner: {said}\n")
            for fd in ready:
                if fd == 0:  # keys: to the first node's console; Ctrl-C on an empty line ends the board
                    got = os.read(0, 1024)
                    for k, b in enumerate(got):
                        if b == 0x03 and not typed:
                            self._send(0, got[:k])
                            got = b""
                            break
                        typed = b not in (0x03, 0x0a, 0x0d) and (typed or b not in (0x08, 0x7f))
                    if not got:  # Ctrl-C on an empty line, or the terminal closed
                        logs[0].write("# runner: ended from the terminal\n")
                        return "ended from the terminal"
                    self._send(0, got)
                    continue
                i = fds[fd]
                chunk = os.read(fd, 65536)
                eof = not chunk
                data = partial[fd] + chunk + (b"\n" if eof and partial[fd] else b"")
                *lines, partial[fd] = data.split(b"\n")
                if i == 0 and self.script is not None:
                    # A command counts as taken once the console echoed it after a prompt (a
                    # prompt shown again because other output came meanwhile is not a new one).
                    for raw in lines:
                        said_line = CORE_TAG.sub("", raw.decode("utf-8", "replace").rstrip("\r"), count=1)
                        if sent is not None and said_line.endswith(SHELL_PROMPT + sent):
                            sent = None
                    # The shell waits for its next command when its prompt is the last thing
                    # shown and stays so for PROMPT_SETTLE (the console redraws a prompt and
                    # what was typed after it when other output comes: a read can end between
                    # the two, and a command sent then would be typed ahead of the shell).
                    tail = CORE_TAG.sub("", partial[fd].decode("utf-8", "replace").rstrip("\r"), count=1)
                    prompt_at = time.monotonic() if sent is None and self.script and tail.endswith(SHELL_PROMPT) else None
                for raw in lines:
                    if i == 0 and self.interactive and shown_partial:
                        # The rest of a line whose start (a prompt, what was typed) is on the screen.
                        os.write(1, raw[shown_partial:].replace(b"\r", b"") + b"\n")
                        shown_partial = -1
                    line = raw.decode("utf-8", "replace").rstrip("\r")
                    line = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1bc", "", line)
                    logs[i].write(line + "\n")
                    shown = line
                    line = CORE_TAG.sub("", line, count=1)  # what the line says, without its core
                    results[i].feed(line, time.monotonic() - t0)
                    if line.startswith("IDLE "):
                        results[i].idle_samples.append((time.monotonic(), cpu_seconds(self.procs[i].pid)))
                    if line == INPUT_READY and self.input_text is not None:
                        logs[i].write(f"# runner: {self._send(i, self.input_text)}\n")
                    if shown_partial == -1:
                        shown_partial = 0
                    elif self.echo:
                        print(self._prefix(i, self.board["nodes"][i]["name"]), shown, flush=True)
                if i == 0 and self.interactive and len(partial[fd]) > shown_partial:
                    # The shell's prompt and the echo of what is typed, as they come.
                    head = b"" if shown_partial else self._prefix(0, self.board["nodes"][0]["name"]).encode() + b" "
                    os.write(1, head + partial[fd][shown_partial:])
                    shown_partial = len(partial[fd])
                if eof:
                    del fds[fd]
                    try:
                        self.procs[i].wait(timeout=10)  # its output is closed: it is exiting
                    except subprocess.TimeoutExpired:
                        pass
                    if i == 0 and (self.script is not None or self.interactive) and fds:
                        # With the shell, its node ending (shutdown, or the shell gone) ends the
                        # board: the others have a few seconds to finish their own shutdown.
                        shell_ended = time.monotonic() + SHUTDOWN_GRACE
                    if results[i].verdict_line is None and fds and dead is None:
                        dead = self.board["nodes"][i]["name"]
            if dead is not None:  # the whole batch is read first, so no other node's exit is lost
                return dead
            if shell_ended is not None and not ready and time.monotonic() >= shell_ended and fds:
                return self.board["nodes"][0]["name"]
            if deadline is not None and time.monotonic() >= deadline and fds:
                return "timeout"
        return None

    def _send(self, i, data):
        """Writes data to node i's serial input; says what happened, for the node's log. A
        node that has exited cannot take it; its verdict then says why."""
        try:
            self.procs[i].stdin.write(data)
            self.procs[i].stdin.flush()
            return f"wrote {data!r} to the serial input"
        except OSError as e:  # BrokenPipeError among them
            return f"could not write {data!r} to the serial input: {e}"

    def stop(self):
        """Ends every QEMU process this run started (by pid) and removes the region file.
        A second Ctrl-C or SIGTERM meanwhile waits: QEMU runs in its own session and would
        otherwise be left behind."""
        old = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            self._stop()
        finally:
            for s, h in old.items():
                signal.signal(s, h)

    def _stop(self):
        for p in self.procs:
            if p.stdin:
                try:
                    p.stdin.close()
                except OSError:  # unflushed bytes to a node that has gone
                    pass
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=3)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for p in self.procs:
            if p.stdout:
                p.stdout.close()
        if self.shm and os.path.exists(self.shm):
            os.unlink(self.shm)


def report(board, results, echo=True):
    """Prints a line per node and returns the exit status of the boot (0 = all passed)."""
    for r in results:
        name = r.node["name"]
        if r.passed:
            what = f"{len(r.tests)} in-guest tests passed" if r.tests else "passed"
            print(f"{color('PASS', '32')} node {name} ({r.node['isa']}): {what}")
        else:
            print(f"{color('FAIL', '31')} node {name} ({r.node['isa']}): {r.error} "
                  f"(log: build/logs/{board['name']}/{name}.log)")
    return 0 if all(r.passed for r in results) else 1


class terminal_keys:
    """The terminal hands every key to the runner as it is typed (no line editing, no echo,
    Ctrl-C as a byte: the guest's console does all that), and gets its modes back after."""

    def __enter__(self):
        import termios
        self.saved = termios.tcgetattr(0)
        mode = termios.tcgetattr(0)
        mode[3] &= ~(termios.ICANON | termios.ECHO | termios.ISIG | termios.IEXTEN)
        mode[6][termios.VMIN], mode[6][termios.VTIME] = 1, 0
        termios.tcsetattr(0, termios.TCSANOW, mode)
        return self

    def __exit__(self, *exc):
        import termios
        termios.tcsetattr(0, termios.TCSANOW, self.saved)
        return False


def install_sigterm_cleanup():
    """Turns SIGTERM into KeyboardInterrupt (as SIGINT already is) so that Run.go's cleanup runs."""
    def handler(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, handler)
