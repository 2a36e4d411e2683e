"""Command-line interface of ./mosaic (see README.md)."""
import argparse
import os
import sys

from . import boards, build, disk, runner, testing
from .common import ToolError, step

COMMANDS = ("boards", "build", "boot", "test", "bench", "flash")


def cmd_boards(args):
    print(boards.table())
    return 0


def cmd_build(args):
    board = boards.load(args.board or boards.default())
    img = build.image(board)
    build.native("host")
    step(f"image ready: {os.path.relpath(img)}; host tests and tools in build/host")
    return 0


def demo_script(board):
    """What `./mosaic boot` shows a newcomer without --run: the board's cores, a program
    started from the shell on the first core of every node (every ISA of the board) and its
    end, what runs where, the names, memory, a round trip to the last core."""
    firsts, core = [], 0
    for node in board["nodes"]:
        firsts.append(core)
        core += node["cores"]
    script = ["cores"]
    for c in firsts:
        script += [f"spawn --core {c} hello"]
    script += ["ps", "names", "mem", f"ping {core - 1}"]
    return script


def cmd_boot(args):
    board = boards.load(args.board or boards.default())
    if all(n["machine"] == "none" for n in board["nodes"]):  # refused before anything is built
        raise ToolError(f"board '{board['name']}' is real hardware QEMU has no model of: write its card with "
                        f"./mosaic flash --board {board['name']} --out FILE (or --device /dev/sdX) and boot the board")
    commands = None if args.run is None else [c.strip() for c in args.run.split(";") if c.strip()]
    if commands is not None:  # refused before anything is built
        runner.check_script(commands)
    img = args.image
    if img is None:
        img = build.image(board)
    else:
        build.check_image(img)
    interactive = not args.tests and args.run is None and not args.dry_run and sys.stdin.isatty()
    if args.tests or interactive:
        script = None
    elif commands is not None:
        script = commands
    else:
        script = demo_script(board)
    run = runner.Run(board, os.path.abspath(img), timeout=args.timeout, gdb=args.gdb, script=script,
                     interactive=interactive)
    if args.dry_run:
        for node, cmd in zip(board["nodes"], run.commands()):
            print(f"# node {node['name']} ({node['isa']})")
            print(" ".join(cmd))
        return 0
    step(f"booting {board['name']}: {len(board['nodes'])} node(s), timeout {run.timeout} s")
    runner.install_sigterm_cleanup()
    results = run.go()
    return runner.report(board, results)


def cmd_test(args):
    if args.board:
        boards.load(args.board)  # unknown board: a clear error before any work
    return testing.run(board=args.board, unit=args.unit, boot=args.boot, long=args.long)


def cmd_bench(args):
    from . import bench, common
    common.STEPS_TO_STDERR = args.json  # stdout is then one JSON document
    return bench.run(args.what, args.json, args.boards)


def cmd_flash(args):
    if bool(args.out) == bool(args.device):
        raise ToolError("flash needs exactly one of --out FILE and --device /dev/sdX", 2)
    board = boards.load(args.board or boards.default())
    disk.card_node(board)  # refused before anything is built
    problem = args.out and disk.out_problem(args.out)
    if problem:
        raise ToolError(problem, 2)
    print(disk.flash(board, build.image(board), out=args.out, device=args.device, yes=args.yes))
    return 0


def seconds(text):
    """A --timeout: whole seconds, at least 1 (0 used to mean the board's own and a negative
    one ended the run at once as a timeout)."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of seconds")
    if n < 1:
        raise argparse.ArgumentTypeError(f"{n} s: a timeout is at least 1 second")
    return n


def parser():
    p = argparse.ArgumentParser(prog="mosaic", description="Build, boot and test Mosaic.")
    sub = p.add_subparsers(dest="command")
    sub.add_parser("boards", help="list board profiles")
    b = sub.add_parser("build", help="build a board's image")
    b.add_argument("--board")
    b = sub.add_parser("boot", help="build if needed and boot a board in QEMU")
    b.add_argument("--board")
    b.add_argument("--image", help="boot this image file instead of building one")
    b.add_argument("--dry-run", action="store_true", help="print the QEMU command lines only")
    b.add_argument("--gdb", action="store_true", help="start QEMU waiting for gdb")
    b.add_argument("--timeout", type=seconds, help="seconds before the run is ended (default: the board's)")
    b.add_argument("--run", metavar="'CMD; CMD; ...'",
                   help="shell commands to run one after the other on the first node, then shut down")
    b.add_argument("--tests", action="store_true", help="run the boot test suite instead of the shell")
    t = sub.add_parser("test", help="run host unit tests and boot tests")
    t.add_argument("--board")
    g = t.add_mutually_exclusive_group()
    g.add_argument("--unit", action="store_true")
    g.add_argument("--boot", action="store_true")
    t.add_argument("--long", action="store_true",
                   help="the long runs: fuzz targets for 10^6 inputs each, the system-call fuzzer for 10^6 calls "
                        "per board, 10,000 programs in a row per board")
    f = sub.add_parser("flash", help="write a board's bootable SD-card image to a file or a card")
    f.add_argument("--board")
    f.add_argument("--out", metavar="FILE", help="write the card image to this file")
    f.add_argument("--device", metavar="/dev/sdX", help="write it to this removable, unmounted card")
    f.add_argument("--yes", action="store_true", help="do not ask before writing to --device")
    b = sub.add_parser("bench", help="run benchmarks with baselines side by side")
    b.add_argument("what", nargs="?", default="all")
    b.add_argument("--json", action="store_true")
    b.add_argument("--boards", action="store_true",
                   help="with transports: measure in the guests (LMP, URPC within and between nodes) instead of the host")
    return p


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        parser().print_help()
        return 0 if argv else 2
    if argv[0] not in COMMANDS:
        print(f"mosaic: unknown command '{argv[0]}'; valid commands: {', '.join(COMMANDS)}", file=sys.stderr)
        return 2
    args = parser().parse_args(argv)
    try:
        return {"boards": cmd_boards, "build": cmd_build, "boot": cmd_boot, "test": cmd_test,
                "bench": cmd_bench, "flash": cmd_flash}[args.command](args)
    except ToolError as e:
        print(f"mosaic: {e}", file=sys.stderr)
        return e.status
    except KeyboardInterrupt:
        print("mosaic: interrupted; QEMU processes ended", file=sys.stderr)
        return 130
