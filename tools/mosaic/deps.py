"""The Debian packages Mosaic needs, and installing the missing ones."""
import os
import shutil
import subprocess

from .common import ToolError, step

# Package -> a file that proves it is installed (cheap to check, no dpkg query per call).
PACKAGES = {
    "meson": "/usr/bin/meson",
    "ninja-build": "/usr/bin/ninja",
    "clang": "/usr/bin/clang++",
    # clang 14 links x86_64-elf targets through g++: meson's linker check at setup needs it
    # (the CPU driver itself is linked with ld.lld).
    "g++": "/usr/bin/g++",
    "lld": "/usr/bin/ld.lld",
    "llvm": "/usr/bin/llvm-ar",
    "libclang-rt-14-dev": "/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a",
    "doctest-dev": "/usr/include/doctest/doctest.h",
    "libboost-dev": "/usr/include/boost/lockfree/spsc_queue.hpp",
    "qemu-system-x86": "/usr/bin/qemu-system-x86_64",
    "qemu-system-arm": "/usr/bin/qemu-system-aarch64",
    "qemu-system-misc": "/usr/bin/qemu-system-riscv64",
    "opensbi": "/usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin",
    "procps": "/usr/bin/pgrep",
    "device-tree-compiler": "/usr/bin/dtc",  # the boot tests of lying device trees
    # Boards that boot through U-Boot from a disk (tools/mosaic/disk.py).
    "u-boot-qemu": "/usr/lib/u-boot/qemu_arm64/u-boot.bin",
    "u-boot-tools": "/usr/bin/mkimage",
    "mtools": "/usr/bin/mcopy",
    "fdisk": "/usr/sbin/sfdisk",
}


# Only ./mosaic bench needs these (its plots): installed when a benchmark runs, so that the
# test command does not fetch them.
BENCH_PACKAGES = {
    "python3-matplotlib": "/usr/lib/python3/dist-packages/matplotlib/__init__.py",
}


def missing(packages=None):
    return [pkg for pkg, path in (packages or PACKAGES).items() if not os.path.exists(path)]


def ensure(packages=None):
    """Installs missing packages as root; otherwise names the exact command and fails."""
    need = missing(packages)
    if not need:
        return
    line = "apt-get install -y " + " ".join(need)
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise ToolError(f"missing packages; run as root: apt-get update && {line}")
    step(f"installing {len(need)} Debian packages: {' '.join(need)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "--no-install-recommends"] + need):
        r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            raise ToolError(f"'{' '.join(cmd)}' failed:\n{r.stdout[-2000:]}")
    still = missing(packages)
    if still:
        raise ToolError(f"packages still missing after install: {' '.join(still)}")
