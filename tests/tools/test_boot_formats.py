"""The formats firmware reads: the boot protocol headers of single-ISA images (ARM64 and
RISC-V Image, as U-Boot booti, the Raspberry Pi firmware and OpenSBI payloads want them),
the disk a U-Boot board boots from, and the board fields that choose that path. The boots
themselves are the boot suites of qemu-aarch64-uboot and qemu-riscv64-uboot."""
import os
import re
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))

from mosaic import boards, build, disk, firmware  # noqa: E402
from mosaic.common import ToolError  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_runner import boot_entry  # noqa: E402

MOSAIC = os.path.join(ROOT, "mosaic")


def image(name):
    with open(build.image(boards.load(name)), "rb") as f:
        return f.read()


def le(data, at, n):
    return int.from_bytes(data[at:at + n], "little")


class ImageHeaders(unittest.TestCase):
    def test_aarch64_image_has_the_arm64_image_header(self):
        data = image("qemu-aarch64")
        self.assertEqual(data[56:60], b"ARM\x64")
        self.assertEqual(le(data, 0, 4), 0x14000000 | (0x80 // 4), "code0: b to the aarch64 stub at 0x80")
        self.assertEqual(le(data, 8, 8), 0, "text_offset")
        self.assertEqual(le(data, 16, 8), len(data), "image_size")
        self.assertEqual(le(data, 24, 8), 0xa, "flags: little-endian, 4 KiB pages, anywhere")
        self.assertEqual(data[0x200:0x208], b"MOSAICB1")

    def test_riscv64_image_has_the_riscv_image_header_and_its_stub_at_0x80(self):
        data = image("qemu-riscv64")
        self.assertEqual(data[48:56], b"RISCV\0\0\0")
        self.assertEqual(data[56:60], b"RSC\x05")
        self.assertEqual(le(data, 0, 4), 0x00000417, "code0: auipc s0, 0")
        code1 = le(data, 4, 4)
        self.assertEqual(code1 & 0x7f, 0x6f, "code1: jal")
        self.assertEqual((code1 >> 7) & 0x1f, 0, "code1: jal x0")
        self.assertEqual(((code1 >> 21) & 0x3ff) << 1, 0x80, "code1 jumps from byte 4 to 0x84")
        self.assertEqual(le(data, 0x80, 4), 0x00000417, "the stub at 0x80 begins with the same auipc")
        self.assertEqual(le(data, 8, 8), 0x200000, "text_offset")
        self.assertEqual(le(data, 16, 8), len(data), "image_size")
        self.assertEqual(le(data, 32, 4), 2, "version 0.2")

    def test_mixed_isa_image_has_neither_header(self):
        data = image("qemu-hetero")
        self.assertNotIn(data[56:60], (b"ARM\x64", b"RSC\x05"))
        self.assertNotEqual(data[48:53], b"RISCV")


class UbootDisk(unittest.TestCase):
    def test_disk_has_one_bootable_fat_partition_with_the_image_and_the_script(self):
        img = build.image(boards.load("qemu-aarch64-uboot"))
        with tempfile.TemporaryDirectory() as d:
            out = disk.uboot_disk(boards.load("qemu-aarch64-uboot")["nodes"][0], img, os.path.join(d, "disk.img"))
            with open(out, "rb") as f:
                raw = f.read()
            self.assertEqual(raw[510:512], b"\x55\xaa", "an MBR")
            entry = raw[446:462]
            self.assertEqual(entry[0], 0x80, "the partition is bootable")
            self.assertEqual(entry[4], 0x0c, "FAT32 (LBA) type")
            self.assertEqual(le(entry, 8, 4) * 512, disk.PART_START)
            self.assertEqual(le(raw, 462, 16), 0, "one partition only")
            self.assertEqual((disk.PART_START + le(entry, 12, 4) * 512), len(raw), "it fills the disk")
            part = f"{out}@@{disk.PART_START}"
            listing = subprocess.run(["mdir", "-b", "-i", part, "::"], stdout=subprocess.PIPE, text=True,
                                     check=True).stdout.split()
            self.assertEqual(sorted(listing), ["::/boot.scr", "::/mosaic.img"])
            copy = os.path.join(d, "copy.img")
            subprocess.run(["mcopy", "-i", part, "::/mosaic.img", copy], check=True)
            with open(copy, "rb") as f, open(img, "rb") as g:
                self.assertEqual(f.read(), g.read(), "the image on the disk is the image")
            scr = os.path.join(d, "boot.scr")
            subprocess.run(["mcopy", "-i", part, "::/boot.scr", scr], check=True)
            with open(scr, "rb") as f:
                script = f.read()
            self.assertEqual(script[:4], b"\x27\x05\x19\x56", "a U-Boot legacy image (mkimage)")
            self.assertEqual(script[30], 6, "of type script")
            self.assertIn(b"load ${devtype} ${devnum}:${distro_bootpart} 0x44000000 mosaic.img", script)
            # The tree of the firmware before U-Boot if it left one (fdt_addr: a Pi's), else U-Boot's.
            self.assertIn(b'if test -n "${fdt_addr}"; then booti 0x44000000 - ${fdt_addr}; '
                          b'else booti 0x44000000 - ${fdtcontroladdr}; fi', script)
            size = len(raw)
            self.assertEqual(size & (size - 1), 0, "a power-of-two size, as QEMU's SD cards need")

    def test_disk_for_an_isa_without_u_boot_is_refused(self):
        with self.assertRaises(ToolError):
            disk.uboot_disk(boards.load("qemu-x86_64")["nodes"][0], build.image(boards.load("qemu-x86_64")),
                            "/nonexistent/disk.img")


class BoardFields(unittest.TestCase):
    def check_refused(self, node, field):
        text = "[board]\nname = t\n[node a]\n" + node
        with tempfile.NamedTemporaryFile("w", suffix=".board", delete=False) as f:
            f.write(text)
        self.addCleanup(os.unlink, f.name)
        r = subprocess.run([MOSAIC, "boot", "--board", f.name, "--dry-run"], cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=60)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(f"field '{field}'", r.stderr)
        return r.stderr

    def test_u_boot_on_x86_is_refused(self):
        err = self.check_refused("isa = x86_64\nmachine = q35\ncores = 1\nmemory = 64M\nimage_addr = 0x200000\n"
                                 "exit = isa-debug-exit\nboot = u-boot\n", "boot")
        self.assertIn("u-boot boots aarch64 and riscv64 nodes", err)

    def test_u_boot_needs_a_2_mib_aligned_load_address(self):
        err = self.check_refused("isa = aarch64\nmachine = virt\ncores = 1\nmemory = 64M\nimage_addr = 0x44001000\n"
                                 "exit = semihosting\nboot = u-boot\n", "image_addr")
        self.assertIn("2 MiB aligned", err)

    def test_unknown_boot_method_is_named(self):
        self.check_refused("isa = aarch64\nmachine = virt\ncores = 1\nmemory = 64M\nimage_addr = 0x44000000\n"
                           "exit = semihosting\nboot = pxe\n", "boot")

    def test_dry_run_of_a_u_boot_board_starts_u_boot_with_the_disk(self):
        r = subprocess.run([MOSAIC, "boot", "--board", "qemu-riscv64-uboot", "--dry-run"], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        (cmd,) = [line for line in r.stdout.splitlines() if line.startswith("qemu-system")]
        self.assertIn(f"-kernel {disk.UBOOT['riscv64']}", cmd)
        self.assertIn("virtio-blk-device,drive=boot", cmd)
        self.assertIn("rv-disk.img", cmd)



class Flash(unittest.TestCase):
    def mosaic(self, *args):
        return subprocess.run([MOSAIC, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=300)

    def test_flash_out_writes_the_card_image_the_u_boot_board_boots_from(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "sd.img")
            r = self.mosaic("flash", "--board", "qemu-riscv64-uboot", "--out", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out, "rb") as f:
                raw = f.read()
            self.assertEqual(raw[510:512], b"\x55\xaa")
            listing = subprocess.run(["mdir", "-b", "-i", f"{out}@@{disk.PART_START}", "::"], stdout=subprocess.PIPE,
                                     text=True, check=True).stdout.split()
            self.assertEqual(sorted(listing), ["::/boot.scr", "::/mosaic.img"])

    def test_a_board_without_a_card_layout_is_refused(self):
        r = self.mosaic("flash", "--board", "qemu-hetero", "--out", "/tmp/never-written.img")
        self.assertEqual(r.returncode, 1)
        self.assertIn("has no SD-card layout", r.stderr)
        self.assertFalse(os.path.exists("/tmp/never-written.img"))

    def test_out_and_device_are_one_or_the_other(self):
        self.assertEqual(self.mosaic("flash", "--board", "qemu-aarch64-uboot").returncode, 2)
        r = self.mosaic("flash", "--board", "qemu-aarch64-uboot", "--out", "/tmp/x.img", "--device", "/dev/null")
        self.assertEqual(r.returncode, 2)

    def test_what_is_not_a_removable_unmounted_disk_is_never_written(self):
        r = self.mosaic("flash", "--board", "qemu-aarch64-uboot", "--device", os.devnull, "--yes")
        self.assertEqual(r.returncode, 1)
        self.assertIn("is not a block device", r.stderr)
        for name in sorted(os.listdir("/sys/class/block")):  # this machine's own disks, if it shows any
            path = f"/dev/{name}"
            if os.path.exists(path) and not os.path.exists(f"/sys/class/block/{name}/partition") and \
                    open(f"/sys/class/block/{name}/removable").read().strip() == "0" and not name.startswith("mmcblk"):
                self.assertIn("not a removable disk", disk._block_device_problem(path))

    def test_an_out_path_that_cannot_take_the_file_is_refused_before_anything_is_built(self):
        for out, why in (("/nonexistent-dir/sd.img", "the directory /nonexistent-dir does not exist"),
                         ("/dev/full", "exists and is not a regular file (for a card, use --device)"),
                         (tempfile.gettempdir(), "exists and is not a regular file")):
            r = self.mosaic("flash", "--board", "qemu-aarch64-uboot", "--out", out)
            self.assertEqual(r.returncode, 2, out)
            self.assertIn(why, r.stderr)
            self.assertNotIn("Traceback", r.stderr)
            self.assertNotIn("building", r.stdout + r.stderr, "refused before anything is built")

    def test_a_write_that_fails_leaves_no_half_written_card_image(self):
        board = boards.load("qemu-aarch64-uboot")
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "sd.img")

            def fills_the_disk(node, image, path):
                with open(path, "wb") as f:
                    f.write(b"\0" * 4096)
                raise OSError(28, "No space left on device")

            real = disk.uboot_disk
            disk.uboot_disk = fills_the_disk
            try:
                with self.assertRaises(ToolError) as e:
                    disk.flash(board, "/unused.img", out=out)
            finally:
                disk.uboot_disk = real
            self.assertIn(f"writing {out}: No space left on device", str(e.exception))
            self.assertFalse(os.path.exists(out))

    def test_writing_to_a_card_asks_first(self):
        board = boards.load("qemu-aarch64-uboot")
        img = build.image(board)
        with tempfile.NamedTemporaryFile(delete=False) as f:
            card = f.name
        self.addCleanup(os.unlink, card)
        checks = disk._block_device_problem
        disk._block_device_problem = lambda device: None  # the card stands in for a checked device
        try:
            with self.assertRaises(ToolError):
                disk.flash(board, img, device=card, ask=lambda prompt: "n")
            self.assertEqual(os.path.getsize(card), 0, "nothing written without a yes")
            asked = []
            disk.flash(board, img, device=card, ask=lambda prompt: asked.append(prompt) or "y")
            self.assertIn(f"to {card}? Everything on it is lost.", asked[0])
            with open(card, "rb") as f:
                self.assertEqual(f.read(512)[510:512], b"\x55\xaa")
        finally:
            disk._block_device_problem = checks


class DriverPlacement(unittest.TestCase):
    """A board may say where its CPU driver runs (driver_addr): the bundler moves the driver
    there by the relocations its link kept, and the head stub copies it there."""

    def board_with(self, name, driver_addr):
        with open(os.path.join(ROOT, "boards", f"{name}.board")) as f:
            text = f.read().replace(f"name = {name}\n", f"name = {name}-moved\n")
        text = text.replace("exit = ", f"driver_addr = {driver_addr:#x}\nexit = ")
        path = os.path.join(tempfile.mkdtemp(), f"{name}-moved.board")
        with open(path, "w") as f:
            f.write(text)
        self.addCleanup(os.unlink, path)
        return boards.load(path)

    def test_a_moved_driver_boots_where_the_board_says(self):
        from mosaic import runner
        for name, addr in (("qemu-aarch64", 0x4a000000), ("qemu-riscv64", 0x88000000)):
            with self.subTest(board=name):
                board = self.board_with(name, addr)
                img = build.image(board)
                with open(img, "rb") as f:
                    data = f.read()
                entry = boot_entry({"aarch64": 1, "riscv64": 2}[board["nodes"][0]["isa"]])
                self.assertEqual(le(data, entry + 16, 8), addr, "the boot table's load address")
                (r,) = runner.Run(board, img, echo=False, idle=1).go()
                self.assertTrue(r.passed, f"{name}: {r.error}")
                # Each core's memory is carved right after the driver: 16 MiB per core by index,
                # from just above the driver's image, so every started core's stack lies a
                # whole number of slots plus less than 1 MiB above the driver's address (the
                # boot core keeps its own: OpenSBI may pick any hart to boot, so which cores
                # print varies).
                text = "\n".join(r.lines)
                stacks = [int(x, 16) for x in re.findall(r"own stack at (?:0x)?([0-9a-f]+)", text)]
                cores = board["nodes"][0]["cores"]
                self.assertEqual(len(stacks), cores - 1, f"{name}: one line per started core")
                for v in stacks:
                    self.assertGreater(v, addr, f"{name}: stack {v:#x} above the driver")
                    self.assertLess((v - addr) % (16 << 20), 1 << 20, f"{name}: stack {v:#x} in a slot after the driver")
                    self.assertLess(v - addr, cores * (16 << 20), f"{name}: stack {v:#x} within the cores' slots")

    def test_driver_addr_must_be_page_aligned(self):
        with tempfile.NamedTemporaryFile("w", suffix=".board", delete=False) as f:
            f.write("[board]\nname = t\n[node a]\nisa = aarch64\nmachine = virt\ncores = 1\nmemory = 64M\n"
                    "image_addr = 0x44000000\nexit = semihosting\ndriver_addr = 0x4a000800\n")
        self.addCleanup(os.unlink, f.name)
        r = subprocess.run([MOSAIC, "boot", "--board", f.name, "--dry-run"], cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=60)
        self.assertEqual(r.returncode, 1)
        self.assertIn("field 'driver_addr'", r.stderr)


class RaspberryPiCards(unittest.TestCase):
    """The Raspberry Pi boards: a card the Pi's own firmware boots (its GPU firmware from
    Debian's raspi-firmware, config.txt, Debian's Pi U-Boot, the board's tree), and the
    QEMU raspi3b command line that plays the firmware's part with the same card."""

    def card(self, board, d):
        out = os.path.join(d, "sd.img")
        r = subprocess.run([MOSAIC, "flash", "--board", board, "--out", out], cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=600)
        self.assertEqual(r.returncode, 0, r.stderr)
        part = f"{out}@@{disk.PART_START}"
        listing = subprocess.run(["mdir", "-b", "-i", part, "::"], stdout=subprocess.PIPE, text=True,
                                 check=True).stdout.split()
        config = subprocess.run(["mtype", "-i", part, "::/config.txt"], stdout=subprocess.PIPE, text=True,
                                check=True).stdout
        return out, part, sorted(x[3:] for x in listing), config, r.stdout

    def test_pi3_card_holds_what_the_pi_firmware_needs(self):
        with tempfile.TemporaryDirectory() as d:
            out, part, files, config, said = self.card("rpi3b", d)
            self.assertEqual(files, sorted(["bootcode.bin", "start.elf", "fixup.dat", "config.txt", "u-boot.bin",
                                            "bcm2837-rpi-3-b.dtb", "boot.scr", "mosaic.img"]))
            self.assertIn("config.txt", said)
            for line in ("arm_64bit=1", "enable_uart=1", "kernel=u-boot.bin", "kernel_address=0x80000",
                         "device_tree=bcm2837-rpi-3-b.dtb"):
                self.assertIn(line, config.splitlines())
            copy = os.path.join(d, "u-boot.bin")
            subprocess.run(["mcopy", "-i", part, "::/u-boot.bin", copy], check=True)
            with open(copy, "rb") as f, open(firmware.uboot_rpi("rpi_3"), "rb") as g:
                self.assertEqual(f.read(), g.read(), "Debian's rpi_3 U-Boot")
            size = os.path.getsize(out)
            self.assertEqual(size & (size - 1), 0)

    def test_pi4_card_has_the_pi4_firmware_and_tree(self):
        with tempfile.TemporaryDirectory() as d:
            _, _, files, config, _ = self.card("rpi4b", d)
            self.assertEqual(files, sorted(["start4.elf", "fixup4.dat", "config.txt", "u-boot.bin",
                                            "bcm2711-rpi-4-b.dtb", "boot.scr", "mosaic.img"]))
            self.assertIn("device_tree=bcm2711-rpi-4-b.dtb", config.splitlines())

    def test_raspi3b_command_line_plays_the_firmware(self):
        r = subprocess.run([MOSAIC, "boot", "--board", "rpi3b", "--dry-run"], cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=600)
        self.assertEqual(r.returncode, 0, r.stderr)
        (cmd,) = [line for line in r.stdout.splitlines() if line.startswith("qemu-system")]
        self.assertIn("-M raspi3b", cmd)
        self.assertIn("-serial null -serial stdio", cmd, "the mini UART is QEMU's second serial port")
        self.assertIn(f"-dtb {firmware.board_dtb('bcm2837-rpi-3-b')}", cmd)
        self.assertIn(f"-kernel {firmware.uboot_rpi('rpi_3')}", cmd)
        self.assertIn("-drive if=sd,file=", cmd)
        self.assertIn("-append mosaic.node=0", cmd, "no fw_cfg on a Pi: parameters on the command line")
        self.assertNotIn("-fw_cfg", cmd)

    def test_boards_qemu_cannot_run_are_refused_by_boot_and_listed_as_such(self):
        for board in ("rpi4b", "visionfive2"):
            r = subprocess.run([MOSAIC, "boot", "--board", board], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, timeout=60)
            self.assertEqual(r.returncode, 1)
            self.assertIn("QEMU has no model of", r.stderr)
            self.assertNotIn("building", r.stdout + r.stderr, "refused before anything is built")
        listing = subprocess.run([MOSAIC, "boards"], cwd=ROOT, stdout=subprocess.PIPE, text=True).stdout
        for line in listing.splitlines():
            if line.startswith(("rpi4b ", "visionfive2 ")):
                self.assertIn("real board only (QEMU has no model)", line)


if __name__ == "__main__":
    unittest.main()
