"""Plots of bench-transports' JSON figures (Debian's python3-matplotlib):
  transports-throughput.png  bytes per second against message size, one series per transport
                             (the 64-byte message transports as points, bulk paths as lines)
  transports-round-trip.png  round-trip median per transport, pinned and unpinned
With --boards (./mosaic bench transports --boards), from the guests' figures:
  transports-boards-round-trip.png  round trip per transport and ISA pair, beside the raw line
  transports-boards-throughput.png  stream bytes per second against message size
  transports-boards-bulk.png        bulk pool and memcpy bytes per second against buffer size
Usage: python3 plot_transports.py [--boards] FIGURES.json OUTDIR (run by ./mosaic bench transports)."""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

MESSAGE_BYTES = 64  # one URPC slot; the baselines' messages are 64 bytes too


def placements(fig):
    return [p for p in ("pinned", "unpinned") if isinstance(fig.get(p), dict)]


def rows(fig, placement):
    return {k: v for k, v in fig[placement].items() if isinstance(v, dict) and "group" in v}


def save(path):
    plt.tight_layout()
    plt.savefig(path, dpi=110)
    plt.close()


def finish_size_plot(path, xlabel, ylabel, title, legend_size, outside=False):
    """Log axes (sizes in powers of two), labels, grid and legend (beside the axes when
    outside) of a throughput plot; saved."""
    plt.xscale("log", base=2)
    plt.yscale("log")
    plt.xlabel(xlabel)
    plt.ylabel(ylabel)
    plt.title(title)
    plt.grid(True, which="both", alpha=0.3)
    if outside:
        plt.legend(fontsize=legend_size, loc="center left", bbox_to_anchor=(1.01, 0.5))
    else:
        plt.legend(fontsize=legend_size, loc="lower right")
    save(path)


def throughput_plot(fig, path):
    plt.figure(figsize=(9, 6))
    pl = placements(fig)[0]
    for name, r in rows(fig, pl).items():
        if r["throughput_msgs_per_s"] > 0:
            marker = "o" if r["group"] == "spinning" else "s"
            plt.scatter([MESSAGE_BYTES], [r["throughput_msgs_per_s"] * MESSAGE_BYTES], marker=marker,
                        label=f"{name} ({r['group']})")
    bulk = fig.get("bulk") or {}
    sizes = bulk.get("sizes", [])
    for key, label in (("memcpy_bytes_per_s", "memcpy, one core (limit)"),
                       ("bulk_handover_bytes_per_s", "bulk pool: handover"),
                       ("bulk_read_bytes_per_s", "bulk pool: read in place"),
                       ("raw_read_bytes_per_s", "raw fill + read (no pool)"),
                       ("urpc_slot_copy_bytes_per_s", "copied through URPC slots")):
        if sizes and bulk.get(key):
            plt.plot(sizes, bulk[key], marker=".", label=label)
    finish_size_plot(path, "message size (bytes)", "bytes per second",
                     f"Throughput against message size ({pl}; medians of {fig['config']['repetitions']} runs)", 7)


def round_trip_plot(fig, path):
    pls = placements(fig)
    names = []
    for pl in pls:
        for name, r in rows(fig, pl).items():
            if r["round_trip_ns"] > 0 and name not in names:
                names.append(name)
    plt.figure(figsize=(9, 6))
    height = 0.8 / max(1, len(pls))
    for i, pl in enumerate(pls):
        rs = rows(fig, pl)
        vals = [rs.get(n, {}).get("round_trip_ns", 0) for n in names]
        plt.barh([k + i * height for k in range(len(names))], vals, height=height, label=pl)
    labels = [f"{n} ({rows(fig, pls[0]).get(n, {}).get('group', '?')})" for n in names]
    plt.yticks([k + height * (len(pls) - 1) / 2 for k in range(len(names))], labels, fontsize=8)
    plt.xscale("log")
    plt.xlabel("round trip, median (ns)")
    plt.title("Round trip per transport (host, 64-byte messages)")
    plt.grid(True, axis="x", which="both", alpha=0.3)
    plt.legend()
    save(path)


def guest_label(r):
    pair = r["from"] if r["from"] == r["to"] else f"{r['from']} -> {r['to']}"
    return f"{r['board']}: {r['transport']}, {pair}"


def guest_round_trip_plot(fig, path):
    rows = [r for r in fig["rows"] if r.get("round_trip_ns")]
    plt.figure(figsize=(10, max(4, 0.45 * len(rows) + 1.5)))
    ys = range(len(rows))
    plt.barh([y + 0.2 for y in ys], [r["round_trip_ns"] for r in rows], height=0.4, label="round trip")
    plt.barh([y - 0.2 for y in ys], [r.get("raw_line_round_trip_ns") or 0 for r in rows], height=0.4,
             label="raw cache line, same two cores (limit)")
    plt.yticks(list(ys), [guest_label(r) for r in rows], fontsize=7)
    plt.gca().invert_yaxis()  # the table's order, top down
    plt.xscale("log")
    plt.xlabel(f"round trip (ns, median of {fig['boots']} boots)")
    plt.title("Round trip per transport and ISA pair (guests, QEMU TCG)")
    plt.grid(True, axis="x", which="both", alpha=0.3)
    plt.legend(fontsize=8)
    save(path)


def guest_throughput_plot(fig, path):
    """Bytes per second of one-way streams against the message's payload size, one line per
    transport and pair (LMP: one point, its four-word messages)."""
    plt.figure(figsize=(10, 7))
    for r in fig["rows"]:
        sizes = sorted(int(k.partition("@")[2]) for k in r if k.startswith("stream_bytes_per_s@"))
        if not sizes:
            continue
        plt.plot(sizes, [r[f"stream_bytes_per_s@{n}"] for n in sizes], marker="o", label=guest_label(r))
    finish_size_plot(path, "payload bytes per message (40: one 64-byte URPC slot; longer: fragmented)",
                     f"bytes per second, one way (median of {fig['boots']} boots)",
                     "Stream throughput against message size per transport and ISA pair (guests, QEMU TCG)", 6)


def guest_bulk_plot(fig, path):
    """Bytes per second of the bulk pool against the buffer size, one solid line per URPC pair,
    and memcpy of the same buffers on the giving core (the limit) dashed in the same colour."""
    plt.figure(figsize=(15, 7))
    drawn = False
    for r in fig["rows"]:
        sizes = sorted(int(k.partition("@")[2]) for k in r if k.startswith("bulk_bytes_per_s@"))
        if not sizes:
            continue
        line, = plt.plot(sizes, [r[f"bulk_bytes_per_s@{n}"] for n in sizes], marker="o", label=f"{guest_label(r)}: bulk")
        copies = [n for n in sizes if r.get(f"memcpy_bytes_per_s@{n}")]
        if copies:
            plt.plot(copies, [r[f"memcpy_bytes_per_s@{n}"] for n in copies], linestyle="--", marker=".",
                     color=line.get_color(), label=f"{guest_label(r)}: memcpy")
        drawn = True
    if not drawn:
        plt.text(0.5, 0.5, "no bulk figures (no pair had a bulk pool)", ha="center", transform=plt.gca().transAxes)
        plt.xscale("log", base=2)
        save(path)
        return
    finish_size_plot(path, "buffer bytes (one descriptor per buffer)",
                     f"bytes per second, one way (median of {fig['boots']} boots)",
                     "Bulk pool against memcpy per URPC pair (guests, QEMU TCG)", 6, outside=True)


def draw(figures, outdir, plots):
    """Reads the figures and draws each (file name, plot function) into outdir; prints the paths."""
    with open(figures, encoding="utf-8") as f:
        fig = json.load(f)
    os.makedirs(outdir, exist_ok=True)
    out = []
    for name, plot in plots:
        out.append(os.path.join(outdir, name))
        plot(fig, out[-1])
    print("\n".join(out))


if __name__ == "__main__":
    if sys.argv[1] == "--boards":
        draw(sys.argv[2], sys.argv[3], [("transports-boards-round-trip.png", guest_round_trip_plot),
                                        ("transports-boards-throughput.png", guest_throughput_plot),
                                        ("transports-boards-bulk.png", guest_bulk_plot)])
    else:
        draw(sys.argv[1], sys.argv[2], [("transports-throughput.png", throughput_plot),
                                        ("transports-round-trip.png", round_trip_plot)])
