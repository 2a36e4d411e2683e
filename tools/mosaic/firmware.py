"""Files real boards boot with that Debian ships for other architectures: the Raspberry Pi
device trees from Debian's arm64 kernel package and the Pi's U-Boot (u-boot-rpi), fetched
with apt-get for arm64 (its own package lists under build/firmware/apt, nothing installed)
and unpacked once."""
import glob
import os
import subprocess

from .common import BUILD, ToolError, step

FIRMWARE = os.path.join(BUILD, "firmware")
# The board trees this repository checks its device-tree reader against (tests/tools).
DTBS = ("broadcom/bcm2837-rpi-3-b.dtb", "broadcom/bcm2711-rpi-4-b.dtb", "broadcom/bcm2837-rpi-3-a-plus.dtb")


def _apt(args, what):
    lists = os.path.join(FIRMWARE, "apt", "lists")
    os.makedirs(os.path.join(lists, "partial"), exist_ok=True)
    opts = ["-q", "-o", "APT::Architecture=arm64", "-o", "APT::Architectures=arm64", "-o", f"Dir::State::Lists={lists}",
            "-o", f"Dir::Cache::archives={os.path.join(FIRMWARE, 'apt')}"]
    r = subprocess.run(["apt-get", *opts, *args], cwd=os.path.join(FIRMWARE, "apt"), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise ToolError(f"{what} failed: {r.stdout.strip()[-1500:]}")
    return r.stdout


def board_dtbs():
    """{name: path} of DTBS, fetched and unpacked on first use."""
    out = os.path.join(FIRMWARE, "debian-arm64")
    paths = {d: os.path.join(out, os.path.basename(d)) for d in DTBS}
    if all(os.path.exists(p) for p in paths.values()):
        return paths
    step("fetching the Raspberry Pi device trees from Debian's arm64 kernel package")
    os.makedirs(out, exist_ok=True)
    _apt(["update"], "apt-get update (arm64 package lists)")
    debs = glob.glob(os.path.join(FIRMWARE, "apt", "linux-image-*-arm64_*.deb"))
    if not debs:
        # The metapackage names the current kernel; its package holds the trees.
        show = subprocess.run(["apt-cache", "-o", "APT::Architecture=arm64", "-o", "APT::Architectures=arm64", "-o",
                               f"Dir::State::Lists={os.path.join(FIRMWARE, 'apt', 'lists')}", "depends",
                               "linux-image-arm64"], stdout=subprocess.PIPE, text=True).stdout
        kernel = next((l.split()[-1] for l in show.splitlines() if "Depends: linux-image-" in l), None)
        if not kernel:
            raise ToolError("Debian's arm64 package lists name no linux-image-arm64 kernel")
        _apt(["download", kernel], f"apt-get download {kernel}")
        debs = glob.glob(os.path.join(FIRMWARE, "apt", "linux-image-*-arm64_*.deb"))
    tar = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", debs[0]], stdout=subprocess.PIPE)
    r = subprocess.run(["tar", "-x", "-C", out, "--wildcards", "--transform", "s|.*/||",
                        *[f"./usr/lib/*/{d}" for d in DTBS]], stdin=tar.stdout, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    tar.wait()
    if r.returncode != 0 or not all(os.path.exists(p) for p in paths.values()):
        raise ToolError(f"unpacking the device trees from {debs[0]} failed: {r.stdout.strip()[-500:]}")
    os.unlink(debs[0])  # 60 MB of kernel and modules: only the trees are kept
    return paths


def _updated():
    if not os.path.isdir(os.path.join(FIRMWARE, "apt", "lists")) or not glob.glob(
            os.path.join(FIRMWARE, "apt", "lists", "*Packages*")):
        _apt(["update"], "apt-get update (arm64 package lists)")


def board_dtb(name):
    """The path of a board's device tree by name (a board file's `dtb`, e.g.
    bcm2837-rpi-3-b), from Debian's arm64 kernel package."""
    for d, path in board_dtbs().items():
        if os.path.basename(d) == name + ".dtb":
            return path
    raise ToolError(f"no device tree '{name}': this tree knows {', '.join(os.path.basename(d)[:-4] for d in DTBS)}")


def uboot_rpi(config):
    """Debian's U-Boot for a Raspberry Pi (u-boot-rpi, arm64): config rpi_3, rpi_4 or
    rpi_arm64; the path of its u-boot.bin."""
    out = os.path.join(FIRMWARE, "u-boot-rpi")
    path = os.path.join(out, "usr", "lib", "u-boot", config, "u-boot.bin")
    if os.path.exists(path):
        return path
    step("fetching the Raspberry Pi's U-Boot from Debian (u-boot-rpi, arm64)")
    os.makedirs(os.path.join(FIRMWARE, "apt"), exist_ok=True)
    _updated()
    debs = glob.glob(os.path.join(FIRMWARE, "apt", "u-boot-rpi_*_arm64.deb"))
    if not debs:
        _apt(["download", "u-boot-rpi"], "apt-get download u-boot-rpi")
        debs = glob.glob(os.path.join(FIRMWARE, "apt", "u-boot-rpi_*_arm64.deb"))
    r = subprocess.run(["dpkg-deb", "-x", debs[0], out], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0 or not os.path.exists(path):
        raise ToolError(f"unpacking {config}/u-boot.bin from {debs[0]} failed: {r.stdout.strip()[-500:]}")
    return path


def raspi_firmware():
    """The directory holding the Raspberry Pi's GPU firmware (bootcode.bin, start*.elf,
    fixup*.dat) from Debian's raspi-firmware. It is in Debian's non-free-firmware section:
    its package list is fetched with a sources list of its own, nothing is installed."""
    out = os.path.join(FIRMWARE, "raspi-firmware")
    path = os.path.join(out, "usr", "lib", "raspi-firmware")
    if os.path.exists(os.path.join(path, "start.elf")):
        return path
    step("fetching the Raspberry Pi's GPU firmware from Debian (raspi-firmware, non-free-firmware)")
    nf = os.path.join(FIRMWARE, "apt-nonfree")
    lists = os.path.join(nf, "lists")
    os.makedirs(os.path.join(lists, "partial"), exist_ok=True)
    os.makedirs(os.path.join(nf, "parts"), exist_ok=True)
    with open(os.path.join(nf, "sources.list"), "w") as f:
        f.write("deb http://deb.debian.org/debian bookworm non-free-firmware\n")
    opts = ["-q", "-o", "APT::Architecture=arm64", "-o", "APT::Architectures=arm64", "-o", f"Dir::State::Lists={lists}",
            "-o", f"Dir::Etc::SourceList={os.path.join(nf, 'sources.list')}", "-o", f"Dir::Etc::SourceParts={os.path.join(nf, 'parts')}",
            "-o", f"Dir::Cache::archives={nf}"]
    for args, what in ((["update"], "apt-get update (non-free-firmware)"), (["download", "raspi-firmware"], "apt-get download raspi-firmware")):
        r = subprocess.run(["apt-get", *opts, *args], cwd=nf, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            raise ToolError(f"{what} failed: {r.stdout.strip()[-1500:]}")
    debs = glob.glob(os.path.join(nf, "raspi-firmware_*.deb"))
    r = subprocess.run(["dpkg-deb", "-x", debs[0], out], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) if debs else None
    if not debs or r.returncode != 0 or not os.path.exists(os.path.join(path, "start.elf")):
        raise ToolError(f"unpacking raspi-firmware failed: {r.stdout.strip()[-500:] if r else 'no package downloaded'}")
    os.unlink(debs[0])
    return path
