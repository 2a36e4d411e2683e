"""The CPU drivers' device-tree reader (lib/src/dtb.cpp, bootinfo_dtb.cpp) on the trees real
boards boot with: the Raspberry Pi 3 B and 4 B trees from Debian's arm64 kernel package, and
the HiFive Unleashed tree QEMU's sifive_u builds. `mosaic-tool dtb` reports what the reader
finds: the console the firmware names (through /aliases, at the CPU's address after the
SoC bus's ranges), the cores and how they start, the interrupt controllers, PSCI, memory."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))

from mosaic import build, firmware  # noqa: E402


def report(path):
    r = subprocess.run([build.tool(), "dtb", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise AssertionError(f"mosaic-tool dtb {path}: {r.stderr}")
    return json.loads(r.stdout)


def controllers(d):
    return {c["compatible"]: c["address"] for c in d["interrupt_controllers"]}


class RaspberryPi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.trees = firmware.board_dtbs()

    def check_spin_table_cores(self, d):
        self.assertEqual([c["id"] for c in d["cores"]], [0, 1, 2, 3])
        self.assertEqual({c["enable_method"] for c in d["cores"]}, {"spin-table"})
        self.assertEqual([c["release"] for c in d["cores"]], [0xd8, 0xe0, 0xe8, 0xf0])
        self.assertIsNone(d["psci"])

    def test_rpi3b(self):
        d = report(self.trees["broadcom/bcm2837-rpi-3-b.dtb"])
        # stdout-path "serial1:115200n8": the mini UART, bus 0x7e215040, CPU 0x3f215040.
        # Driven as a 16550 with 32-bit registers 4 bytes apart (uart.hpp).
        self.assertEqual(d["console"], {"node": "serial@7e215040", "compatible": "brcm,bcm2835-aux-uart",
                                        "address": 0x3f215040, "kind": "16550-32bit"})
        self.check_spin_table_cores(d)
        ic = controllers(d)
        self.assertEqual(ic.get("brcm,bcm2836-l1-intc"), 0x40000000)  # the per-core local controller
        self.assertEqual(ic.get("brcm,bcm2836-armctrl-ic"), 0x3f00b200)
        self.assertNotIn("arm,gic-400", ic)
        # 1 GiB at 0, less the page the tree's /memreserve/ keeps for the firmware's spin table.
        self.assertEqual(d["memory"], [[0x1000, (1 << 30) - 0x1000]])
        self.assertEqual(d["facts"], "usable")

    def test_rpi3a_plus(self):  # a board no profile names: 512 MiB, the same SoC
        d = report(self.trees["broadcom/bcm2837-rpi-3-a-plus.dtb"])
        self.assertEqual(d["console"]["kind"], "16550-32bit")
        self.assertEqual(d["console"]["address"], 0x3f215040)
        self.check_spin_table_cores(d)
        self.assertEqual(d["memory"], [[0x1000, (512 << 20) - 0x1000]])
        self.assertEqual(d["facts"], "usable")

    def test_rpi4b(self):
        d = report(self.trees["broadcom/bcm2711-rpi-4-b.dtb"])
        self.assertEqual(d["console"], {"node": "serial@7e215040", "compatible": "brcm,bcm2835-aux-uart",
                                        "address": 0xfe215040, "kind": "16550-32bit"})
        self.check_spin_table_cores(d)
        self.assertEqual(controllers(d).get("arm,gic-400"), 0xff841000)  # a GICv2 distributor
        # The memory node is left empty for the firmware to fill: the reader says so.
        self.assertEqual(d["memory"], [])
        self.assertTrue(d["facts"].startswith("its memory ranges: "), d["facts"])

    def test_a_corrupt_tree_is_refused_with_a_clear_error(self):
        with open(self.trees["broadcom/bcm2837-rpi-3-b.dtb"], "rb") as f:
            data = bytearray(f.read())
        for damage, says in ((lambda b: b.__setitem__(0, 0), "bad magic"), (lambda b: b[:100], "truncated"),
                             (lambda b: b.__setitem__(slice(8, 12), (0x7fffff00).to_bytes(4, "big")), "")):
            bad = bytearray(data)
            bad = damage(bad) or bad
            with tempfile.NamedTemporaryFile(suffix=".dtb", delete=False) as f:
                f.write(bytes(bad))
            self.addCleanup(os.unlink, f.name)
            r = subprocess.run([build.tool(), "dtb", f.name], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            self.assertEqual(r.returncode, 1)
            self.assertIn("not a usable device tree", r.stderr)
            self.assertIn(says, r.stderr.lower())


class HifiveUnleashed(unittest.TestCase):
    def test_sifive_u(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "sifive_u.dtb")
            subprocess.run(["qemu-system-riscv64", "-M", "sifive_u", "-smp", "5", "-m", "512M", "-display", "none",
                            "-machine", f"dumpdtb={path}"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           check=True, timeout=60)
            t = report(path)
        self.assertEqual(t["console"], {"node": "serial@10010000", "compatible": "sifive,uart0", "address": 0x10010000,
                                        "kind": "sifive"})
        self.assertEqual([c["id"] for c in t["cores"]], [0, 1, 2, 3, 4])  # hart 0 is the E51
        self.assertEqual(controllers(t).get("sifive,plic-1.0.0"), 0xc000000)
        self.assertEqual(t["memory"], [[0x80000000, 512 << 20]])
        self.assertEqual(t["facts"], "usable")


if __name__ == "__main__":
    unittest.main()
