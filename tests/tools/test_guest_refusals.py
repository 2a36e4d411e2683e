"""Bad images and lying firmware, booted for real in QEMU on every ISA: flipped bytes in the
image bundle's header, boot table and refusal message, truncated images, board manifests
with impossible values and device trees with lies in them. Each must end in a clear PANIC
line from the guest (its head stub, CPU driver or monitor) with QEMU ending by itself:
never a hang or a wild jump (the runner's timeout), never a boot that carries on.

The images get past the host's own checks on purpose (the runner is called directly, and
the bundle's checks are recomputed where a test wants the guest's deeper checks to speak).
`./mosaic test` flips a sample of the bytes; `./mosaic test --long` (MOSAIC_LONG=1) flips
every byte from the header to the entry table on every ISA."""
import functools
import os
import re
import subprocess
import sys
import tempfile
import unittest
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from mosaic import boards, build, runner  # noqa: E402
from test_runner import boot_entry, reseal, u64  # noqa: E402

LONG = os.environ.get("MOSAIC_LONG") == "1"
ISAS = {"x86_64": ("qemu-x86_64", 0), "aarch64": ("qemu-aarch64", 1), "riscv64": ("qemu-riscv64", 2)}
HEADER, REFUSAL, ENTRY_TABLE = 0x200, 0x2e8, 0x340  # lib/include/mosaic/bundle.hpp
REFUSE_TIMEOUT = 30  # seconds: a refusal takes about one (QEMU's start included)


@functools.lru_cache(maxsize=None)
def image_path(name):
    return build.image(boards.load(name))


def image_of(board):
    with open(image_path(board["name"]), "rb") as f:
        return bytearray(f.read())


def boot(board, data, timeout=REFUSE_TIMEOUT, extra=None, idle=0):
    """Boots the board's one node on an image given as bytes; its NodeResult. With idle,
    the node boots, stays idle that many seconds and powers off (no test suite)."""
    f = tempfile.NamedTemporaryFile(suffix=".img", delete=False)
    f.write(bytes(data))
    f.close()
    try:
        (r,) = runner.Run(board, f.name, echo=False, timeout=timeout, qemu_extra=extra, idle=idle).go()
    finally:
        os.unlink(f.name)
    return r


def flip_offsets(isa_index):
    """The bytes a run flips: all of them with --long, else one in every field of the header
    and of this ISA's boot entry, one of another ISA's entry and one of the refusal message."""
    if LONG:
        return list(range(HEADER, ENTRY_TABLE))
    own = boot_entry(isa_index)
    other = boot_entry((isa_index + 1) % 3)
    header = [HEADER + 0, HEADER + 7, HEADER + 8, HEADER + 12, HEADER + 17, HEADER + 24, HEADER + 27, HEADER + 28,
              HEADER + 63]
    return header + [own + 8 * w + (w % 8) for w in range(7)] + [other + 3, REFUSAL + 5]


class Refusals(unittest.TestCase):
    def assertRefused(self, r, what, panic_says=None):
        tail = " | ".join(r.lines[-6:]) or "no output"
        self.assertFalse(r.passed, f"{what}: the node passed")
        self.assertFalse((r.error or "").startswith("timed out"),
                         f"{what}: QEMU did not end by itself (a hang or a wild jump): {tail}")
        self.assertIsNotNone(r.panic, f"{what}: no PANIC line; the node ended with: {r.error}: {tail}")
        if panic_says:
            self.assertIn(panic_says, r.panic, what)


class BundleBytes(Refusals):
    def test_every_flipped_header_and_boot_table_byte_ends_in_a_panic(self):
        for isa, (name, index) in ISAS.items():
            board = boards.load(name)
            good = image_of(board)
            for at in flip_offsets(index):
                with self.subTest(isa=isa, offset=hex(at)):
                    bad = bytearray(good)
                    bad[at] ^= 0xFF if LONG else 0x5A
                    self.assertRefused(boot(board, bad), f"{isa}: byte {at:#x} flipped")

    def test_a_corrupt_boot_entry_is_refused_by_the_head_stub_itself(self):
        # The stub runs before anything has checked the bundle: a wrong load address or entry
        # would be a wild copy or jump. Its own check must catch it, with the CRC made right.
        for isa, (name, index) in ISAS.items():
            with self.subTest(isa=isa):
                board = boards.load(name)
                bad = image_of(board)
                at = boot_entry(index) + 24  # the entry address
                bad[at + 1] ^= 0x40
                bad[0x218:0x21c] = b"\0\0\0\0"
                bad[0x218:0x21c] = zlib.crc32(bytes(bad)).to_bytes(4, "little")
                self.assertRefused(boot(board, bad), f"{isa}: entry address changed", "PANIC: head stub: ")

    def test_a_changed_cpu_driver_is_refused_before_it_runs(self):
        for isa, (name, index) in ISAS.items():
            with self.subTest(isa=isa):
                board = boards.load(name)
                bad = image_of(board)
                blob, size = u64(bad, boot_entry(index)), u64(bad, boot_entry(index) + 8)
                bad[blob + size // 2] ^= 0x01
                self.assertRefused(boot(board, bad), f"{isa}: one driver bit", "PANIC: head stub: ")


class Truncated(Refusals):
    def test_truncated_images_end_in_a_panic(self):
        for isa, (name, index) in ISAS.items():
            board = boards.load(name)
            good = image_of(board)
            blob, size = u64(good, boot_entry(index)), u64(good, boot_entry(index) + 8)
            # QEMU's x86 Multiboot loader reads the header from the file: keep the first page.
            cuts = [0x1000, blob + size // 2, min(blob + size + 0x1000, len(good) - 8), len(good) - 0x1000]
            for cut in cuts:
                with self.subTest(isa=isa, length=hex(cut)):
                    self.assertRefused(boot(board, good[:cut]), f"{isa}: cut at {cut:#x}")


def with_manifest(data, edit):
    """The image with its board manifest (the first entry) rewritten by edit(text), the
    entry's size and the bundle's checks updated."""
    e = ENTRY_TABLE
    assert bytes(data[e:e + 8]) == b"manifest"
    offset, size = u64(data, e + 48), u64(data, e + 56)
    text = edit(data[offset:offset + size].decode())
    new = text.encode()
    assert len(new) <= 4096 - (offset % 4096), "the manifest must stay within its page"
    out = bytearray(data)
    out[offset:offset + max(size, len(new))] = new + b"\0" * max(0, size - len(new))
    out[e + 56:e + 64] = len(new).to_bytes(8, "little")
    reseal(out)
    return out


class Manifests(Refusals):
    LIES = [("cores = 0", lambda t: re.sub(r"cores = \d+", "cores = 0", t, count=1)),
            ("cores = 1000000", lambda t: re.sub(r"cores = \d+", "cores = 1000000", t, count=1)),
            ("memory = 1", lambda t: re.sub(r"memory = \w+", "memory = 1", t, count=1)),
            ("isa = sparc", lambda t: re.sub(r"isa = \w+", "isa = sparc", t, count=1)),
            ("a node without a section", lambda t: t.replace("[node ", "[nod ", 1))]

    def test_impossible_manifests_end_in_a_panic_that_names_the_line(self):
        for isa, (name, _) in ISAS.items():
            board = boards.load(name)
            good = image_of(board)
            for what, edit in self.LIES:
                with self.subTest(isa=isa, lie=what):
                    r = boot(board, with_manifest(good, edit))
                    self.assertRefused(r, f"{isa}: {what}", "the board manifest is unusable: line ")


def dump_dtb(board, image):
    """The device tree QEMU builds for the board's node, as device-tree source."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "board.dtb")
        cmd = runner.qemu_command(board, board["nodes"][0], 0, image) + ["-machine", f"dumpdtb={path}"]
        subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60, check=True)
        return subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", path], stdout=subprocess.PIPE, text=True,
                              check=True).stdout


def node_span(dts, header):
    """(start, end) of the first node whose line starts with header (e.g. 'cpu@0 {')."""
    m = re.search(r"^\s*" + re.escape(header), dts, re.M)
    if not m:
        raise AssertionError(f"no node {header!r} in the device tree")
    depth, i = 0, dts.index("{", m.start())
    while True:
        depth += {"{": 1, "}": -1}.get(dts[i], 0)
        i += 1
        if depth == 0:
            return m.start(), dts.index("\n", i) + 1


def drop_nodes(dts, pattern):
    while m := re.search(r"^\s*" + pattern, dts, re.M):
        a, b = node_span(dts, m.group(0).strip())
        dts = dts[:a] + dts[b:]
    return dts


def memory_node(dts):
    return re.search(r"^\s*(memory@[0-9a-f]+) \{", dts, re.M).group(1)


def lie_cell_size(dts):
    """/cpus says its children's addresses take 7 cells (QEMU rewrites the root's and the
    memory node's cells on aarch64, so the lie goes where it leaves it)."""
    a, b = node_span(dts, "cpus {")
    node = re.sub(r"#address-cells = <[^>]*>;", "#address-cells = <0x07>;", dts[a:b], count=1)
    assert node != dts[a:b]
    return dts[:a] + node + dts[b:]


def lie_no_cores(dts):
    return drop_nodes(drop_nodes(dts, r"cpu-map \{"), r"cpu@[0-9a-f]+ \{")


def lie_many_cores(dts):
    a, b = node_span(dts, "cpu@0 {")
    node = re.sub(r"\s*phandle = <[^>]*>;", "", dts[a:b])
    copies = "".join(re.sub(r"reg = <[^>]*>;", f"reg = <{0x100 + i:#x}>;", node.replace("cpu@0 {", f"cpu@{0x100 + i:x} {{"))
                     for i in range(65))
    return dts[:b] + copies + dts[b:]


def lie_boot_core_missing(dts):
    a, b = node_span(dts, "cpu@0 {")
    return dts[:a] + re.sub(r"reg = <[^>]*>;", "reg = <0x99>;", dts[a:b], count=1) + dts[b:]


def lie_wrapping_memory(dts):
    """A second memory node whose range runs past the top of the address space. QEMU
    replaces every node named memory@ on aarch64: the lie is a "ram@" node of
    device_type "memory", which is what a reader must go by."""
    a, b = node_span(dts, memory_node(dts) + " {")
    node = ("\tram@fffffffff0000000 {\n\t\tdevice_type = \"memory\";\n"
            "\t\treg = <0xffffffff 0xf0000000 0x00 0x20000000>;\n\t};\n")
    return dts[:b] + node + dts[b:]


def lie_overlapping_memory(dts):
    """A second memory node ("ram@", see lie_wrapping_memory) lying inside the first, and
    the first listed twice."""
    a, b = node_span(dts, memory_node(dts) + " {")
    reg = re.search(r"reg = <0x00 (0x[0-9a-f]+) 0x00 (0x[0-9a-f]+)>;", dts[a:b])
    base, size = int(reg.group(1), 16), int(reg.group(2), 16)
    inner = (f"\tram@{base + size // 4:x} {{\n\t\tdevice_type = \"memory\";\n"
             f"\t\treg = <0x00 {base + size // 4:#x} 0x00 {size // 2:#x} 0x00 {base:#x} 0x00 {size:#x}>;\n\t}};\n")
    return dts[:b] + inner + dts[b:]


class DeviceTrees(Refusals):
    """aarch64 reads the tree QEMU hands it directly; riscv64 gets it through OpenSBI, which
    reads it first and stops on its own on some lies (listed in FIRMWARE_STOPS: there the
    guest never runs, and QEMU is ended by the timeout)."""
    LIES = {"cell size 7": (lie_cell_size, ("unusable device tree at ",)),
            "no cores": (lie_no_cores, ("its cores (/cpus): ",)),
            # OpenSBI disables the cores it cannot start: on riscv64 fewer than 64 remain, which
            # do not fit the node's memory.
            "65 cores": (lie_many_cores, ("its cores (/cpus): ", "no room for ")),
            "boot core not listed": (lie_boot_core_missing, ("the core it booted on is not among its cores",)),
            "memory that wraps": (lie_wrapping_memory, ("its memory ranges: ",))}
    # Where OpenSBI stops first (the guest never runs; QEMU is ended by the timeout): with no
    # cores it hangs silently. A boot core that is not listed it disables and boots another.
    FIRMWARE_STOPS = {("riscv64", "no cores"), ("riscv64", "boot core not listed")}

    def boot_with(self, isa, edit, timeout=REFUSE_TIMEOUT, idle=0):
        board = boards.load(ISAS[isa][0])
        image = image_path(board["name"])
        dts = edit(dump_dtb(board, image))
        with tempfile.TemporaryDirectory() as d:
            src, out = os.path.join(d, "lie.dts"), os.path.join(d, "lie.dtb")
            with open(src, "w") as f:
                f.write(dts)
            subprocess.run(["dtc", "-q", "-f", "-I", "dts", "-O", "dtb", "-o", out, src], check=True)
            with open(image, "rb") as f:
                return boot(board, f.read(), timeout=timeout, extra=["-dtb", out], idle=idle)

    def test_lying_device_trees_end_in_a_panic_that_names_the_lie(self):
        for isa in ("aarch64", "riscv64"):
            for what, (edit, says) in self.LIES.items():
                if (isa, what) in self.FIRMWARE_STOPS:
                    continue
                with self.subTest(isa=isa, lie=what):
                    r = self.boot_with(isa, edit)
                    self.assertRefused(r, f"{isa}: {what}")
                    self.assertTrue(any(s in r.panic for s in says), f"{isa}: {what}: {r.panic}")

    # Merged means: the same usable memory, in one range, as the same board's truthful tree
    # gives (on riscv64 that is not the board's whole memory: OpenSBI reserves its own first
    # 512 KiB, so the expectation of the whole 256 MiB failed there, unseen while the tool
    # suite dropped failing subtests).
    def test_overlapping_memory_is_merged_and_the_board_boots(self):
        for isa in ("aarch64", "riscv64"):
            with self.subTest(isa=isa):
                board = boards.load(ISAS[isa][0])
                truthful = self.boot_with(isa, lambda dts: dts, timeout=board["timeout"], idle=1)
                self.assertTrue(truthful.passed, f"{isa}, truthful tree: {truthful.error}")
                usable = re.search(r"\n  (\d+) MiB usable in 1 ranges", "\n".join(truthful.lines))
                self.assertIsNotNone(usable, f"{isa}: the truthful tree's usable memory")
                r = self.boot_with(isa, lie_overlapping_memory, timeout=board["timeout"], idle=1)
                self.assertTrue(r.passed, f"{isa}: {r.error}")
                self.assertIn(f"\n  {usable.group(1)} MiB usable in 1 ranges", "\n".join(r.lines))


if __name__ == "__main__":
    unittest.main()
