"""Builds: one meson directory per ISA (cross files in arch/<isa>/), one native directory
for host tests and tools, and the image bundle of a board under build/images/<board>/."""
import glob
import json
import os
import subprocess
import time

from . import deps
from .common import BUILD, ROOT, ToolError, step

HOST = os.path.join(BUILD, "host")
HOST_ENV = {"CXX": "clang++", "CC": "clang"}

# Native build flavours: the test build (ASan+UBSan), ThreadSanitizer, and release for benchmarks.
FLAVOURS = {
    "host": ["-Db_sanitize=address,undefined", "-Dbuildtype=debugoptimized", "-Db_lundef=false"],
    "host-tsan": ["-Db_sanitize=thread", "-Dbuildtype=debugoptimized", "-Db_lundef=false"],
    "bench": ["-Db_sanitize=none", "-Dbuildtype=release"],
}


def _run(cmd, what, env=None):
    try:
        r = subprocess.run(cmd, cwd=ROOT, env=dict(os.environ, **(env or {})), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    except FileNotFoundError:
        raise ToolError(f"{what} failed: '{cmd[0]}' is not installed (deps.PACKAGES lists what Mosaic needs)")
    if r.returncode != 0:
        raise ToolError(f"{what} failed:\n{r.stdout[-6000:]}")
    return r.stdout


def configure(flavour):
    """Configures a native directory (once); returns its path. Installs the missing packages
    first: every command that builds comes here or to isa()/tool(), on a bare machine too."""
    deps.ensure()
    d = os.path.join(BUILD, flavour)
    if not os.path.exists(os.path.join(d, "build.ninja")):
        _run(["meson", "setup", d] + FLAVOURS[flavour], f"meson setup {flavour}", HOST_ENV)
    return d


def native(flavour="host", targets=None):
    """Configures and builds a native directory (only `targets`, paths relative to it, if
    given); returns its path."""
    d = configure(flavour)
    step(f"building {flavour} (native)" + (f": {', '.join(targets)}" if targets else ""))
    _run(["ninja", "-C", d] + (targets or []), f"build of {flavour}", HOST_ENV)
    return d


def user_programs(name):
    """{program: ELF path} of one ISA's user programs (built by isa(): every program
    userland/meson.build lists, the monitor, init and the test runner among them)."""
    d = os.path.join(BUILD, name, "userland")
    suffix = f"-{name}.elf"
    return {os.path.basename(p)[:-len(suffix)]: p for p in sorted(glob.glob(os.path.join(d, "*" + suffix)))}


def isa(name):
    """Cross-builds one ISA's CPU driver and head stub; returns (driver ELF, head ELF)."""
    d = os.path.join(BUILD, name)
    deps.ensure()
    step(f"building {name} CPU driver")
    cross = os.path.join(ROOT, "arch", name, "cross.ini")
    if not os.path.exists(os.path.join(d, "build.ninja")):
        _run(["meson", "setup", d, "--cross-file", cross], f"meson setup {name}")
    _run(["ninja", "-C", d], f"build of {name}")
    return (os.path.join(d, "cpudriver", f"cpudriver-{name}.elf"), os.path.join(d, "cpudriver", f"head-{name}.elf"))


def tool():
    """The host mosaic-tool (board profiles, bundles); built first, without sanitizers."""
    deps.ensure()
    d = os.path.join(BUILD, "tools")
    path = os.path.join(d, "tools", "mosaic-tool")
    if not os.path.exists(os.path.join(d, "build.ninja")):
        _run(["meson", "setup", d, "-Dbuildtype=release"], "meson setup tools", HOST_ENV)
    _run(["ninja", "-C", d, "tools/mosaic-tool"], "build of mosaic-tool", HOST_ENV)
    return path


def check_image(path):
    """Verifies an image bundle with mosaic-tool (magic, sizes, CRC); raises ToolError if bad."""
    if not os.path.exists(path):
        raise ToolError(f"no image file {path}")
    _run([tool(), "inspect", path], f"check of image {path}")


def driver_size(elf):
    """(text, data, bss) bytes of an ELF, from llvm-size."""
    out = subprocess.run(["llvm-size", elf], stdout=subprocess.PIPE, text=True, check=True).stdout.splitlines()
    text, data, bss = (int(x) for x in out[1].split()[:3])
    return text, data, bss


def lines_of_code(paths):
    """Non-blank lines that are not only a comment or a preprocessor/assembler directive."""
    n = 0
    for p in paths:
        with open(p) as f:
            n += sum(1 for line in f if line.strip() and not line.strip().startswith(("//", "/*", "*", "#")))
    return n


def driver_loc(name):
    """Lines of code of one ISA's CPU driver: the generic part, the ISA's C++ and assembly
    (the head stub and the user-side helpers in arch/<isa>/user/ are not the CPU driver);
    generic_all: the generic part's lines with comments and blank lines (wc -l), the figure
    the monitor issue's 2,000-line target is stated in."""
    arch = os.path.join(ROOT, "arch", name)
    generic = [p for p in glob.glob(os.path.join(ROOT, "cpudriver", "**", "*"), recursive=True)
               if p.endswith((".cpp", ".hpp", ".h"))]
    cpp = glob.glob(os.path.join(arch, "*.[ch]pp")) + glob.glob(os.path.join(arch, "include", "**", "*.hpp"), recursive=True)
    asm = [p for p in glob.glob(os.path.join(arch, "*.S")) if os.path.basename(p) != "head.S"]
    all_lines = 0
    for path in generic:
        with open(path, encoding="utf-8") as f:
            all_lines += f.read().count("\n")
    return {"generic": lines_of_code(generic), "generic_all": all_lines, "arch_cpp": lines_of_code(cpp),
            "arch_asm": lines_of_code(asm)}


def image(board):
    """Builds every ISA the board needs and bundles them into build/images/<board>/mosaic.img."""
    mtool = tool()
    isas = sorted({n["isa"] for n in board["nodes"]})
    args = []
    for name in isas:
        driver, head = isa(name)
        text, data, bss = driver_size(driver)
        loc = driver_loc(name)
        step(f"  {name} CPU driver: text {text} B, data {data} B, bss {bss} B; {loc['generic']} + {loc['arch_cpp']} "
             f"lines of C++ (generic + {name}; generic with comments {loc['generic_all']}), {loc['arch_asm']} of assembly")
        args += ["--cpudriver", f"{name}={driver}", "--head", f"{name}={head}"]
        for prog, elf in user_programs(name).items():
            args += ["--module", f"{name}={prog}={elf}"]
    out_dir = os.path.join(BUILD, "images", board["name"])
    os.makedirs(out_dir, exist_ok=True)
    img = os.path.join(out_dir, "mosaic.img")
    step(f"bundling {os.path.relpath(img, ROOT)}")
    _run([mtool, "bundle", "--board", board["path"], "--out", img] + args, "image bundling")
    return img


def all_for_tests():
    """Builds the host test directory and every ISA; returns the host directory."""
    t0 = time.monotonic()
    tool()
    for name in ("x86_64", "aarch64", "riscv64"):
        isa(name)
    d = native("host")
    step(f"build done in {time.monotonic() - t0:.0f} s")
    return d


def introspect_tests(builddir):
    out = _run(["meson", "introspect", "--tests", builddir], "meson introspect")
    return json.loads(out)
