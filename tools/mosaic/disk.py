"""Disks as a dev board's firmware reads them: an MBR with one bootable FAT partition that
holds the image and a U-Boot boot script, built with Debian's tools (sfdisk, mtools,
mkimage from u-boot-tools) and without root."""
import os
import subprocess
import tempfile

from .common import ToolError

# Debian's U-Boot builds for QEMU (package u-boot-qemu): the firmware a u-boot node starts.
UBOOT = {"aarch64": "/usr/lib/u-boot/qemu_arm64/u-boot.bin",
         "riscv64": "/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin"}
MKIMAGE_ARCH = {"aarch64": "arm64", "riscv64": "riscv"}
PART_START = 1 << 20  # the partition starts at 1 MiB, as SD cards are partitioned


def _run(cmd, what, stdin=None):
    try:
        r = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    except OSError as e:
        raise ToolError(f"{what}: cannot run {cmd[0]}: {e}")
    if r.returncode != 0:
        raise ToolError(f"{what} failed: {r.stdout.strip()[-1500:]}")


def boot_script(isa, load_addr):
    """The U-Boot script (source text) that loads mosaic.img from the partition the
    distro boot found it on and starts it with booti and U-Boot's device tree."""
    return (f"echo Mosaic: loading mosaic.img to {load_addr:#x}\n"
            f"load ${{devtype}} ${{devnum}}:${{distro_bootpart}} {load_addr:#x} mosaic.img\n"
            f"booti {load_addr:#x} - ${{fdtcontroladdr}}\n"
            f"echo Mosaic: booti returned: the image was refused\n")


def uboot_disk(isa, load_addr, image, out):
    """Writes out: an MBR disk with one bootable FAT partition holding mosaic.img and
    boot.scr (boot_script, compiled by mkimage)."""
    if isa not in UBOOT:
        raise ToolError(f"no U-Boot for {isa} nodes")
    size = os.path.getsize(image)
    part = max(32 << 20, (size + (8 << 20)) & ~((1 << 20) - 1))
    with tempfile.TemporaryDirectory() as d:
        cmd, scr = os.path.join(d, "boot.cmd"), os.path.join(d, "boot.scr")
        with open(cmd, "w") as f:
            f.write(boot_script(isa, load_addr))
        _run(["mkimage", "-A", MKIMAGE_ARCH[isa], "-O", "linux", "-T", "script", "-C", "none", "-n", "Mosaic boot",
              "-d", cmd, scr], "mkimage (boot script)")
        with open(out, "wb") as f:
            f.truncate(PART_START + part)
        _run(["sfdisk", "--quiet", out], "sfdisk", stdin=f"label: dos\nstart={PART_START // 512}, type=c, bootable\n")
        target = f"{out}@@{PART_START}"
        _run(["mformat", "-i", target, "-v", "MOSAIC", "::"], "mformat")
        _run(["mcopy", "-i", target, image, "::/mosaic.img"], "mcopy (image)")
        _run(["mcopy", "-i", target, scr, "::/boot.scr"], "mcopy (boot script)")
    return out
