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


def _apt(args, what, root="apt", sources=None, tool="apt-get"):
    """Runs apt-get (or apt-cache) for arm64 packages with package lists and downloads of
    their own under build/firmware/<root>, and, given `sources` (a sources.list line), a
    sources list of their own; returns its output."""
    d = os.path.join(FIRMWARE, root)
    lists = os.path.join(d, "lists")
    os.makedirs(os.path.join(lists, "partial"), exist_ok=True)
    opts = ["-q", "-o", "APT::Architecture=arm64", "-o", "APT::Architectures=arm64", "-o", f"Dir::State::Lists={lists}",
            "-o", f"Dir::Cache::archives={d}"]
    if sources:
        os.makedirs(os.path.join(d, "parts"), exist_ok=True)
        with open(os.path.join(d, "sources.list"), "w") as f:
            f.write(sources + "\n")
        opts += ["-o", f"Dir::Etc::SourceList={os.path.join(d, 'sources.list')}",
                 "-o", f"Dir::Etc::SourceParts={os.path.join(d, 'parts')}"]
    r = subprocess.run([tool, *opts, *args], cwd=d, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise ToolError(f"{what} failed: {r.stdout.strip()[-1500:]}")
    return r.stdout


def _downloaded(package, root="apt", sources=None):
    """The .deb of an arm64 package under build/firmware/<root>: the package lists fetched
    if there are none yet, the package downloaded if it is not there."""
    def debs():
        return glob.glob(os.path.join(FIRMWARE, root, f"{package}_*.deb"))
    if not debs():
        if not glob.glob(os.path.join(FIRMWARE, root, "lists", "*Packages*")):
            _apt(["update"], f"apt-get update ({root})", root, sources)
        _apt(["download", package], f"apt-get download {package}", root, sources)
    if not debs():
        raise ToolError(f"apt-get download {package} left no package in {os.path.join(FIRMWARE, root)}")
    return debs()[0]


def _unpack(deb, out, wanted):
    """Unpacks deb into out; ToolError unless `wanted` exists afterwards."""
    r = subprocess.run(["dpkg-deb", "-x", deb, out], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0 or not os.path.exists(wanted):
        raise ToolError(f"unpacking {os.path.basename(wanted)} from {deb} failed: {r.stdout.strip()[-500:]}")


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
        show = _apt(["depends", "linux-image-arm64"], "apt-cache depends linux-image-arm64", tool="apt-cache")
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
    _unpack(_downloaded("u-boot-rpi"), out, path)
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
    deb = _downloaded("raspi-firmware", "apt-nonfree", "deb http://deb.debian.org/debian bookworm non-free-firmware")
    _unpack(deb, out, os.path.join(path, "start.elf"))
    os.unlink(deb)
    return path
