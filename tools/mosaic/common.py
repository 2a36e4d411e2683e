"""Paths, console output and errors shared by the tool's modules."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "build")
BOARDS = os.path.join(ROOT, "boards")
ISAS = ("x86_64", "aarch64", "riscv64")


class ToolError(Exception):
    """A failure to report as one clear line; `status` is the exit status."""

    def __init__(self, message, status=1):
        super().__init__(message)
        self.status = status


def color(text, code):
    """Wraps text in an ANSI colour when stdout is a terminal."""
    if sys.stdout.isatty() and os.environ.get("NO_COLOR") is None:
        return f"\033[{code}m{text}\033[0m"
    return text


# Where progress lines go: stdout, or stderr when stdout carries JSON (--json).
STEPS_TO_STDERR = False


def step(message):
    """Prints one progress line."""
    print(color("==>", "1;34"), message, flush=True, file=sys.stderr if STEPS_TO_STDERR else sys.stdout)
