"""Tests of ./mosaic bench's guest transport benchmark (tools/mosaic/bench.py): the boards it
cuts to the host's CPUs, how it reads the guests' BENCH lines, and its refusals."""
import json
import os
import subprocess
import sys
import tempfile
import unittest
from unittest import mock

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))

from mosaic import bench, boards, build  # noqa: E402


class FakeNode:
    def __init__(self, node, lines):
        self.node, self.lines = node, lines


class GuestTransportBench(unittest.TestCase):
    def test_a_board_is_cut_to_the_host_cpus_and_the_original_is_untouched(self):
        original = boards.load("qemu-x86_64")
        cut = bench.fitted_board("qemu-x86_64", 2)
        self.assertEqual(cut["name"], "qemu-x86_64-2cores")
        self.assertEqual([n["cores"] for n in cut["nodes"]], [2])
        self.assertNotEqual(cut["path"], original["path"])
        self.assertEqual([n["cores"] for n in boards.load("qemu-x86_64")["nodes"]], [n["cores"] for n in original["nodes"]])
        self.assertEqual([(n["isa"], n["memory"]) for n in cut["nodes"]], [(n["isa"], n["memory"]) for n in original["nodes"]])
        # A board whose nodes already fit is used as it is.
        self.assertEqual(bench.fitted_board("qemu-hetero", 2)["path"], boards.load("qemu-hetero")["path"])
        # At least two cores, whatever the host: the benchmark measures a pair.
        self.assertEqual([n["cores"] for n in bench.fitted_board("qemu-x86_64", 1)["nodes"]], [2])

    def test_bench_lines_become_rows_per_transport_and_pair(self):
        board = boards.load("qemu-hetero")  # nodes x86 (cores 0-1), arm (2-3), rv (4-5)
        x86, arm = board["nodes"][0], board["nodes"][1]
        results = [
            FakeNode(x86, ["BENCH urpc-rt/x86_64.0/x86_64.1 count 2000 ticks 4000000 hz 1000000000",
                           "BENCH line-rt/x86_64.0/x86_64.1 count 2000 ticks 1000000 hz 1000000000",
                           "BENCH urpc-stream/x86_64.0/x86_64.1 count 20000 ticks 10000000 hz 1000000000",
                           "BENCH urpc-stream@320/x86_64.0/x86_64.1 count 20000 ticks 32000000 hz 1000000000",
                           "BENCH urpc-rt/x86_64.0/aarch64.2 count 1000 ticks 3000000 hz 1000000000",
                           # 2048 buffers of 4 KiB (8 MiB) in 40 ms, memcpy of them in 20 ms
                           "BENCH urpc-bulk@4096/x86_64.0/aarch64.2 count 2048 ticks 40000000 hz 1000000000",
                           "BENCH memcpy@4096/x86_64.0/aarch64.2 count 2048 ticks 20000000 hz 1000000000",
                           "BENCH urpc-bulk@262144/x86_64.0/aarch64.2 count 32 ticks 10000000 hz 1000000000",
                           "BENCH memcpy@262144/x86_64.0/aarch64.2 count 32 ticks 8000000 hz 1000000000",
                           "BENCH urpc-bulk@65536/x86_64.0/aarch64.2 count 128 ticks 0 hz 1000000000",  # no time: no figure
                           "BENCH urpc-bulk/x86_64.0/aarch64.2 count 1 ticks 1 hz 1000000000",  # malformed: no size
                           "BENCH lmp-round-trip count 2000 ticks 2000000 hz 1000000000",
                           "BENCH urpc-rt/x86_64.0 count 1 ticks 1 hz 1",  # malformed: no pair
                           "tbench: not a figure"]),
            FakeNode(arm, ["BENCH lmp-stream count 20000 ticks 62500000 hz 62500000",
                           "BENCH lmp-round-trip count 10 ticks 5 hz 0"]),  # no rate: not a figure
        ]
        rows = bench._guest_transport_rows(board, results)
        self.assertEqual(rows[("urpc within a node", "x86_64.0", "x86_64.1")],
                         {"round_trip_ns": 2000.0, "raw_line_round_trip_ns": 500.0, "stream_msgs_per_s": 2e6,
                          "stream_bytes_per_s@40": 8e7, "stream_bytes_per_s@320": 2e8})
        between = rows[("urpc between nodes", "x86_64.0", "aarch64.2")]
        self.assertEqual(between, {"round_trip_ns": 3000.0, "bulk_bytes_per_s@4096": 2048 * 4096 / 0.04,
                                   "memcpy_bytes_per_s@4096": 2048 * 4096 / 0.02,
                                   "bulk_bytes_per_s@262144": 32 * 262144 / 0.01,
                                   "memcpy_bytes_per_s@262144": 32 * 262144 / 0.008})
        ratio = bench.bulk_over_memcpy(between)
        self.assertEqual(ratio["sizes"], [4096, 262144])
        self.assertAlmostEqual(ratio["ratios"][0], 0.5)
        self.assertAlmostEqual(ratio["ratios"][1], 0.8)
        self.assertAlmostEqual(ratio["lowest"], 0.5)
        self.assertAlmostEqual(ratio["highest"], 0.8)
        # A size with only one of the two has no ratio; a row without bulk figures has none.
        self.assertIsNone(bench.bulk_over_memcpy({"bulk_bytes_per_s@4096": 1.0, "memcpy_bytes_per_s@65536": 1.0}))
        self.assertIsNone(bench.bulk_over_memcpy(rows[("urpc within a node", "x86_64.0", "x86_64.1")]))
        self.assertEqual(rows[("lmp", "x86_64.0", "x86_64.0")], {"round_trip_ns": 1000.0})
        self.assertEqual(rows[("lmp", "aarch64.2", "aarch64.2")],
                         {"stream_msgs_per_s": 20000.0, "stream_bytes_per_s@32": 640000.0})
        self.assertEqual(len(rows), 4)

    def test_the_guest_plots_are_drawn_from_the_figures(self):
        python = "/usr/bin/python3"
        if subprocess.run([python, "-c", "import matplotlib"], stderr=subprocess.DEVNULL).returncode != 0:
            self.skipTest("Debian's python3-matplotlib is installed only by ./mosaic bench")
        fig = {"boots": 3, "rows": [
            {"board": "b", "transport": "urpc within a node", "from": "x86_64.0", "to": "x86_64.1", "round_trip_ns": 2000,
             "raw_line_round_trip_ns": 700, "stream_msgs_per_s": 1.5e6, "stream_bytes_per_s@40": 6e7,
             "stream_bytes_per_s@160": 3e7, "bulk_bytes_per_s@4096": 2e8, "memcpy_bytes_per_s@4096": 3e8,
             "bulk_bytes_per_s@262144": 2.5e8, "memcpy_bytes_per_s@262144": 2.6e8},
            {"board": "b", "transport": "lmp", "from": "x86_64.0", "to": "x86_64.0", "round_trip_ns": 40000,
             "stream_msgs_per_s": 3e4, "stream_bytes_per_s@32": 9.6e5}]}
        with tempfile.TemporaryDirectory() as d:
            figures = os.path.join(d, "f.json")
            with open(figures, "w", encoding="utf-8") as f:
                json.dump(fig, f)
            r = subprocess.run([python, os.path.join(ROOT, "tools", "mosaic", "plot_transports.py"), "--boards", figures, d],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
            self.assertEqual(r.returncode, 0, r.stdout)
            for name in ("transports-boards-round-trip.png", "transports-boards-throughput.png", "transports-boards-bulk.png"):
                with open(os.path.join(d, name), "rb") as f:
                    self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")

    def test_boards_goes_with_the_transports_benchmark_only(self):
        r = subprocess.run([os.path.join(ROOT, "mosaic"), "bench", "skb", "--boards"], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--boards goes with the transports benchmark only", r.stderr)


class JsonOutput(unittest.TestCase):
    def test_with_json_stdout_is_one_document_and_progress_goes_to_stderr(self):
        import contextlib
        import io
        from mosaic import cli, common

        def fake_run(what, as_json, on_boards=False):  # a benchmark that builds (a step) and reports
            common.step("building something")
            print(json.dumps({"what": what}))
            return 0

        def bench_cli(*args):  # (stdout, stderr) of ./mosaic bench with that benchmark
            out, err = io.StringIO(), io.StringIO()
            with mock.patch.object(bench, "run", side_effect=fake_run), \
                    mock.patch.object(common, "STEPS_TO_STDERR", False), \
                    contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                self.assertEqual(cli.main(["bench", *args]), 0)
            return out.getvalue(), err.getvalue()

        out, err = bench_cli("sizes", "--json")
        self.assertEqual(json.loads(out), {"what": "sizes"})
        self.assertIn("building something", err)
        out, err = bench_cli("sizes")
        self.assertIn("building something", out)  # without --json, progress stays on stdout


class HostBenches(unittest.TestCase):
    """The host benchmarks are built only in the unsanitised bench directory, which nothing else
    in the test command builds: without these, a change that broke one (or one of the transports
    or the SKB engine as they run there) would land unseen. Their times are never asserted; what
    each one counts is (messages that came back wrong or out of order, closure pairs against the
    BFS baseline's)."""
    ROUND_TRIPS = ("line_pair", "ring_raw", "cacheline", "urpc")
    STREAMS = ("urpc", "urpc_batch", "boost_spsc_batch")

    def test_the_transport_benchmark_builds_runs_and_every_row_delivers_in_order(self):
        if len(os.sched_getaffinity(0)) < 2:  # its rows spin on two threads at once
            self.skipTest("the transport benchmark needs two CPUs")
        d = build.native("bench", targets=["tests/bench/bench-transports"])
        with tempfile.TemporaryDirectory() as tmp:
            figures = os.path.join(tmp, "t.json")
            rows = sorted(set(self.ROUND_TRIPS + self.STREAMS))
            r = subprocess.run([os.path.join(d, "tests", "bench", "bench-transports"), "--only", ",".join(rows),
                                "--json-out", figures, "--reps", "1"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               timeout=300)
            self.assertEqual(r.returncode, 0, r.stdout[-2000:])
            with open(figures) as f:
                out = json.load(f)
        self.assertEqual(out["config"]["repetitions"], 1)
        self.assertIn("not judged, fewer than 5 repetitions", r.stdout)  # no verdict from one repetition
        self.assertTrue(out["config"]["cpu_model"])  # which host measured it
        self.assertIsInstance(out["config"]["hypervisor"], bool)
        self.assertIn("unpinned", out)  # pinned too when CPUs 0 and 1 are both usable
        for placement in [p for p in ("pinned", "unpinned") if p in out]:
            got = out[placement]
            self.assertEqual(sorted(k for k in got if k != "ratios"), rows, placement)
            for name in rows:
                self.assertEqual(got[name]["errors"], 0, f"{placement} {name}")
            for name in self.ROUND_TRIPS:
                self.assertGreater(got[name]["round_trip_ns"], 0, f"{placement} {name}")
            for name in self.STREAMS:
                self.assertGreater(got[name]["throughput_msgs_per_s"], 0, f"{placement} {name}")
            for ratio in ("urpc_over_cacheline_round_trip", "line_pair_over_cacheline_round_trip",
                          "ring_raw_over_line_pair_round_trip", "urpc_over_ring_raw_round_trip",
                          "urpc_batch_over_boost_spsc_batch_throughput"):
                self.assertGreater(got["ratios"][ratio], 0, f"{placement} {ratio}")

    def test_the_skb_benchmark_builds_runs_and_its_closures_match_the_baseline(self):
        d = build.native("bench", targets=["tests/bench/bench-skb"])
        r = subprocess.run([os.path.join(d, "tests", "bench", "bench-skb"), "--json"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=300)
        self.assertEqual(r.returncode, 0, r.stdout[-2000:])
        out = json.loads(r.stdout)
        for sizes in (out, out["small"]):
            # fact(I, I * 7919 mod 1000, _) for I < facts (skb/workload.hpp): 7919 is prime to
            # 1000, so fact(X, 5, S) holds for one I in every 1000
            self.assertEqual(sizes["facts_answers"], sizes["facts"] // 1000)
            for graph in ("closure_chain", "closure_random"):
                g = sizes[graph]
                self.assertGreater(g["pairs"], 0, graph)
                self.assertEqual(g["pairs"], g["baseline_pairs"], graph)
            chain = sizes["closure_chain"]
            n = chain["nodes"]
            self.assertEqual(chain["pairs"], n * (n - 1) // 2)  # a chain reaches every later node
            self.assertEqual(chain["answers"], n - 1)  # reach(0, Y): every other node


if __name__ == "__main__":
    unittest.main()
