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
PART_START = 1 << 20  # the partition starts at 1 MiB, as SD cards are partitioned


def uboot_binary(node):
    """The U-Boot a u-boot node starts: Debian's build for QEMU's virt machines, or for a
    Raspberry Pi 3 Debian's u-boot-rpi (arm64; fetched, never installed: firmware.py)."""
    if node["machine"].startswith("raspi3"):
        return firmware.uboot_rpi("rpi_3")
    if node["isa"] not in UBOOT:
        raise ToolError(f"no U-Boot for {node['isa']} nodes")
    return UBOOT[node["isa"]]


def _run(cmd, what, stdin=None):
    try:
        r = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    except OSError as e:
        raise ToolError(f"{what}: cannot run {cmd[0]}: {e}")
    if r.returncode != 0:
        raise ToolError(f"{what} failed: {r.stdout.strip()[-1500:]}")


# Raspberry Pi cards, by the board's device tree: the GPU firmware that starts the Pi from
# the card (Debian's raspi-firmware), the U-Boot it starts in place of a kernel (Debian's
# u-boot-rpi) and the tree it hands over. The Pi's firmware reads config.txt first.
PI_CARDS = {
    "bcm2837-rpi-3-b": {"uboot": "rpi_3", "firmware": ("bootcode.bin", "start.elf", "fixup.dat")},
    "bcm2711-rpi-4-b": {"uboot": "rpi_4", "firmware": ("start4.elf", "fixup4.dat")},
}


def pi_card(node):
    """The Pi card layout of a node (PI_CARDS entry), or None for other boards."""
    return PI_CARDS.get(node.get("dtb", ""))


def config_txt(node):
    """The Raspberry Pi firmware's config.txt for a Pi card: 64-bit, the mini UART on, U-Boot
    as the kernel at the address it is linked for, and the board's tree."""
    return ("# Mosaic, written by ./mosaic flash: the firmware starts U-Boot (u-boot.bin) in\n"
            "# 64-bit mode with this board's device tree; boot.scr then starts mosaic.img.\n"
            "arm_64bit=1\n"
            "enable_uart=1\n"
            "kernel=u-boot.bin\n"
            "# Debian's Pi U-Boot is linked to run at 0x80000; the firmware would load a 64-bit\n"
            "# kernel at 0x200000 unless told.\n"
            "kernel_address=0x80000\n"
            f"device_tree={node['dtb']}.dtb\n")


def boot_script(load_addr):
    """The U-Boot script (source text) that loads mosaic.img from the partition the
    distro boot found it on and starts it with booti and the device tree of the firmware
    before U-Boot (fdt_addr: a Pi's, with its memory filled in and the command line), else
    U-Boot's own."""
    return (f"echo Mosaic: loading mosaic.img to {load_addr:#x}\n"
            f"load ${{devtype}} ${{devnum}}:${{distro_bootpart}} {load_addr:#x} mosaic.img\n"
            f"if test -n \"${{fdt_addr}}\"; then booti {load_addr:#x} - ${{fdt_addr}}; "
            f"else booti {load_addr:#x} - ${{fdtcontroladdr}}; fi\n"
            f"echo Mosaic: booti returned: the image was refused\n")


def card_files(node):
    """The files of a node's boot partition besides mosaic.img and boot.scr: (name on the
    card, path here) pairs."""
    pi = pi_card(node)
    if not pi:
        return []
    fw = firmware.raspi_firmware()
    return ([(name, os.path.join(fw, name)) for name in pi["firmware"]] +
            [("u-boot.bin", firmware.uboot_rpi(pi["uboot"])), (node["dtb"] + ".dtb", firmware.board_dtb(node["dtb"]))])


def card_names(node):
    """The names of every file on a node's card, as uboot_disk writes them."""
    return ["mosaic.img", "boot.scr"] + (["config.txt"] if pi_card(node) else []) + [n for n, _ in card_files(node)]


def uboot_disk(node, image, out):
    """Writes out: an MBR disk (its size a power of two, as SD cards and QEMU's SD model
    have) with one bootable FAT partition holding mosaic.img and boot.scr (boot_script,
    compiled by mkimage), and on a Raspberry Pi card config.txt and the files card_files names."""
    isa, load_addr = node["isa"], node["image_addr"]
    if isa not in MKIMAGE_ARCH:
        raise ToolError(f"no U-Boot for {isa} nodes")
    extra = card_files(node)
    size = os.path.getsize(image) + sum(os.path.getsize(p) for _, p in extra)
    total = 32 << 20
    while total < PART_START + size + (8 << 20):
        total *= 2
    with tempfile.TemporaryDirectory() as d:
        cmd, scr = os.path.join(d, "boot.cmd"), os.path.join(d, "boot.scr")
        with open(cmd, "w") as f:
            f.write(boot_script(load_addr))
        _run(["mkimage", "-A", MKIMAGE_ARCH[isa], "-O", "linux", "-T", "script", "-C", "none", "-n", "Mosaic boot",
              "-d", cmd, scr], "mkimage (boot script)")
        if pi_card(node):
            cfg = os.path.join(d, "config.txt")
            with open(cfg, "w") as f:
                f.write(config_txt(node))
            extra = [("config.txt", cfg)] + extra
        with open(out, "wb") as f:
            f.truncate(total)
        _run(["sfdisk", "--quiet", out], "sfdisk", stdin=f"label: dos\nstart={PART_START // 512}, type=c, bootable\n")
        target = f"{out}@@{PART_START}"
        _run(["mformat", "-i", target, "-v", "MOSAIC", "::"], "mformat")
        _run(["mcopy", "-i", target, image, "::/mosaic.img"], "mcopy (image)")
        _run(["mcopy", "-i", target, scr, "::/boot.scr"], "mcopy (boot script)")
        for name, path in extra:
            _run(["mcopy", "-i", target, path, f"::/{name}"], f"mcopy ({name})")
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


def out_problem(path):
    """Why an SD-card image cannot be written to the file `path` (None if it can): checked
    before anything is built."""
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        return f"--out {path}: the directory {parent} does not exist"
    if os.path.exists(path) and not os.path.isfile(path):
        return f"--out {path}: it exists and is not a regular file (for a card, use --device)"
    if not os.access(parent, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        return f"--out {path}: not writable"
    return None


def flash(board, image, out=None, device=None, yes=False, ask=input):
    """Writes the board's SD-card image to out, or to a removable, unmounted device after
    confirmation (yes: without asking). Returns a line saying what was written."""
    node = card_node(board)
    if out:
        problem = out_problem(out)
        if problem:
            raise ToolError(problem)
        try:
            uboot_disk(node, image, out)
        except OSError as e:  # a full disk, a quota: no half-written card image is left
            if os.path.isfile(out):
                os.unlink(out)
            raise ToolError(f"writing {out}: {e.strerror or e}")
        return f"{out}: {os.path.getsize(out) >> 20} MiB: MBR, FAT partition at 1 MiB with {', '.join(card_names(node))}"
    problem = _block_device_problem(device)
    if problem:
        raise ToolError(problem)
    with tempfile.TemporaryDirectory() as d:
        disk_path = uboot_disk(node, image, os.path.join(d, "disk.img"))
        size = os.path.getsize(disk_path)
        if not yes:
            answer = ask(f"Write {size >> 20} MiB to {device}? Everything on it is lost. [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                raise ToolError("not written (no confirmation)")
        try:
            with open(disk_path, "rb") as src, open(device, "r+b") as dst:
                while chunk := src.read(4 << 20):
                    dst.write(chunk)
                dst.flush()
                os.fsync(dst.fileno())
        except OSError as e:  # a card pulled out, a read-only switch, an I/O error
            raise ToolError(f"writing {device}: {e.strerror or e}; the card is not usable as written")
    return f"{device}: {size >> 20} MiB written and synced; the card can be removed"
