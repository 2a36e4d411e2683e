"""Tests of tools/mosaic/build.py on a machine that lacks what it needs: every command that
builds (bench and boot as well as test) installs the missing packages before it runs meson,
and a program that is still missing is a clear error, not a traceback."""
import os
import sys
import tempfile
import unittest
from unittest import mock

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))

from mosaic import build, deps  # noqa: E402
from mosaic.common import ToolError  # noqa: E402


class MissingPackages(unittest.TestCase):
    def setUp(self):
        self.build_dir = tempfile.TemporaryDirectory()
        patcher = mock.patch.object(build, "BUILD", self.build_dir.name)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.addCleanup(self.build_dir.cleanup)

    def calls_of(self, action):
        """What `action` ran, in order: "ensure" for deps.ensure, else each command's program."""
        calls = []
        with mock.patch.object(deps, "ensure", side_effect=lambda *a: calls.append("ensure")), \
                mock.patch.object(build, "_run", side_effect=lambda cmd, *a, **k: calls.append(cmd[0])):
            action()
        return calls

    def test_a_native_build_installs_what_is_missing_before_meson_runs(self):
        calls = self.calls_of(lambda: build.native("bench"))
        self.assertEqual(calls[0], "ensure")
        self.assertIn("meson", calls)
        self.assertLess(calls.index("ensure"), calls.index("meson"))

    def test_a_cross_build_installs_what_is_missing_before_meson_runs(self):
        calls = self.calls_of(lambda: build.isa("riscv64"))
        self.assertEqual(calls[0], "ensure")
        self.assertIn("meson", calls)
        self.assertLess(calls.index("ensure"), calls.index("meson"))

    def test_without_root_the_missing_packages_are_named_not_a_traceback(self):
        with mock.patch.object(deps, "missing", return_value=["meson", "ninja-build"]), \
                mock.patch.object(os, "geteuid", return_value=1000):
            with self.assertRaises(ToolError) as e:
                build.native("bench")
        self.assertIn("apt-get install -y meson ninja-build", str(e.exception))

    def test_a_program_that_is_not_installed_is_a_tool_error(self):
        with self.assertRaises(ToolError) as e:
            build._run(["mosaic-no-such-program-here", "setup"], "meson setup bench")
        self.assertIn("'mosaic-no-such-program-here' is not installed", str(e.exception))


if __name__ == "__main__":
    unittest.main()
