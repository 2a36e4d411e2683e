"""Disks as a dev board's firmware reads them: an MBR with one bootable FAT partition that
holds the image and a U-Boot boot script, built with Debian's tools (sfdisk, mtools,
mkimage from u-boot-tools) and without root."""
import os
import stat
import subprocess
import tempfile

from . import firmware
from .common import ToolError

# Debian's U-Boot builds for QEMU (package u-boot-qemu): the firmware a u-boot node starts.
UBOOT = {"aarch64": "/usr/lib/u-boot/qemu_arm64/u-boot.bin",
         "riscv64": "/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin"}
MKIMAGE_ARCH = {"aarch64": "arm64", "riscv64": "riscv"}


def uboot_binary(node):
    """The U-Boot a u-boot node starts: Debian's build for QEMU's virt machines, or for a
    Raspberry Pi 3 Debian's u-boot-rpi (arm64; fetched, never installed: firmware.py)."""
    if node["machine"].startswith("raspi3"):
        return firmware.uboot_rpi("rpi_3")
    if node["isa"] not in UBOOT:
        raise ToolError(f"no U-Boot for {node['isa']} nodes")
    return UBOOT[node["isa"]]
PART_START = 1 << 20  # the partition starts at 1 MiB, as SD cards are partitioned


def _run(cmd, what, stdin=None):
    try:
        r = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    except OSError as e:
        raise ToolError(f"{what}: cannot run {cmd[0]}: {e}")
    if r.returncode != 0:
        raise ToolError(f"{what} failed: {r.stdout.strip()[-1500:]}")


def boot_script(load_addr):
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
            f.write(boot_script(load_addr))
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


def _block_device_problem(device):
    """Why device must not be written (None if it may): a removable block device (or an
    SD/MMC slot) that is not mounted."""
    try:
        st = os.stat(device)
    except OSError as e:
        return f"{device}: {e.strerror}"
    if not stat.S_ISBLK(st.st_mode):
        return f"{device} is not a block device"
    name = os.path.basename(os.path.realpath(device))
    sys_dir = f"/sys/class/block/{name}"
    if os.path.exists(os.path.join(sys_dir, "partition")):
        return f"{device} is a partition: give the whole card (e.g. /dev/sdX, not /dev/sdX1)"
    try:
        with open(os.path.join(sys_dir, "removable")) as f:
            removable = f.read().strip() == "1"
    except OSError:
        removable = False
    if not removable and not name.startswith("mmcblk"):
        return f"{device} is not a removable disk (refusing to overwrite what may be a system disk)"
    with open("/proc/mounts") as f:
        mounted = [line.split()[0] for line in f if line.split()[0].startswith(f"/dev/{name}")]
    if mounted:
        return f"{device} is mounted ({', '.join(mounted)}): unmount it first"
    return None


def card_node(board):
    """The node a board's card boots, or ToolError for a board without a card layout."""
    nodes = board["nodes"]
    if len(nodes) != 1 or nodes[0].get("boot") != "u-boot":
        raise ToolError(f"board '{board['name']}' has no SD-card layout: only boards of one node that boots "
                        f"through U-Boot (boot = u-boot) can be flashed")
    return nodes[0]


def flash(board, image, out=None, device=None, yes=False, ask=input):
    """Writes the board's SD-card image to out, or to a removable, unmounted device after
    confirmation (yes: without asking). Returns a line saying what was written."""
    node = card_node(board)
    if out:
        uboot_disk(node["isa"], node["image_addr"], image, out)
        return f"{out}: {os.path.getsize(out) >> 20} MiB: MBR, FAT partition at 1 MiB with mosaic.img and boot.scr"
    problem = _block_device_problem(device)
    if problem:
        raise ToolError(problem)
    with tempfile.TemporaryDirectory() as d:
        disk_path = uboot_disk(node["isa"], node["image_addr"], image, os.path.join(d, "disk.img"))
        size = os.path.getsize(disk_path)
        if not yes:
            answer = ask(f"Write {size >> 20} MiB to {device}? Everything on it is lost. [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                raise ToolError("not written (no confirmation)")
        with open(disk_path, "rb") as src, open(device, "r+b") as dst:
            while chunk := src.read(4 << 20):
                dst.write(chunk)
            dst.flush()
            os.fsync(dst.fileno())
    return f"{device}: {size >> 20} MiB written and synced; the card can be removed"
