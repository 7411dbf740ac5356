"""Bar charts of the results JSON (needs matplotlib; without it, says so and does nothing).

    python bench/plot.py                       # bench/results/*.json -> bench/results/*.png
    python bench/plot.py bench/results/random_access.json
    python bench/plot.py bench/results/workloads.json   # one PNG per workload: workloads_A.png, ...
"""

import json
import sys
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def _bars(ax, labels, values, xlabel, title):
    y = range(len(labels))
    ax.barh(list(y), values, color="#4878a8")
    ax.set_yticks(list(y), labels)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=10)
    for i, v in zip(y, values):
        ax.annotate(f"{v:.3g}", (v, i), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)


def plot_random_access(data, plt):
    res = data["results"]
    labels = [e["label"] for e in res]
    fig, axes = plt.subplots(1, 2, figsize=(11, 1.2 + 0.6 * len(labels)))
    _bars(axes[0], labels, [e["random_access"]["frames_per_s"]["median"] for e in res], "frames/s (median)",
          "6-camera random access, RGB")
    ax, y, h = axes[1], list(range(len(labels))), 0.38
    for offset, key, name in ((-h / 2, "percent_of_limit", "from sequential decode+RGB"),
                              (h / 2, "percent_of_limit_native", "from sequential decode-only")):
        values = [e.get(key, 0.0) for e in res]
        ax.barh([i + offset for i in y], values, height=h, label=name)
        for i, v in zip(y, values):
            ax.annotate(f"{v:.0f}%", (v, i + offset), xytext=(3, 0), textcoords="offset points", va="center",
                        fontsize=8)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.axvline(100, color="gray", lw=0.8, ls="--")
    ax.set_xlabel("% of the decode-bound limit")
    ax.set_title("random access vs decode-bound limit", fontsize=10)
    ax.set_xlim(0, 1.7 * max([100.0] + [e.get(k, 0.0) for e in res for k in ("percent_of_limit",
                                                                           "percent_of_limit_native")]))
    ax.legend(fontsize=7, loc="lower right")
    return fig


def plot_gop_extract(data, plt):
    fig, axes = plt.subplots(1, 2, figsize=(11, 1.2 + 0.5 * max(len(data["fresh"]["results"]),
                                                                 len(data["warm"]["results"]))))
    for ax, key, title in ((axes[0], "fresh", "(a) GetGOP, file not seen before"),
                           (axes[1], "warm", "(b) GetGOP, file already indexed")):
        res = data[key]["results"]
        _bars(ax, [e["label"] for e in res], [e["seconds_per_call"]["median"] * 1e3 for e in res],
              "ms per call (median)", title)
    return fig


def plot_reference_closure(data, plt):
    res = data["results"]
    labels = [e["clip"] for e in res]
    fig, axes = plt.subplots(1, 2, figsize=(11, 1.4 + 0.6 * len(labels)))
    y, h = list(range(len(labels))), 0.38
    for ax, key, xlabel, title in ((axes[0], "packets_fed_per_target", "packets fed per target (mean)",
                                    "decode work per random-access target"),
                                   (axes[1], "frames_per_s", "frames/s (median)", "random access, one frame per call")):
        for offset, mode, name in ((-h / 2, "closure", "reference closure"), (h / 2, "nonref_skip", "non-reference skip")):
            values = [e[mode][key] for e in res]
            ax.barh([i + offset for i in y], values, height=h, label=name)
            for i, v in zip(y, values):
                ax.annotate(f"{v:.3g}", (v, i + offset), xytext=(3, 0), textcoords="offset points", va="center",
                            fontsize=8)
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        ax.set_xlabel(xlabel)
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=7, loc="best")
    return fig


def plot_dataset_store(data, plt):
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.5))
    for ax, (name, d) in zip(axes[:2], data["prepare"].items()):
        rows = d["rows"]
        labels = [f"{r['cache']}: {r['what'].replace('prepare --bundles', 'bundles').replace('prepare', 'catalogue')}"
                  + (f" x{r['workers']}" if r["workers"] else "") for r in rows]
        _bars(ax, labels, [r["mb_per_s"] for r in rows], "MB/s of source", f"prepare, {name} ({d['videos']} videos)")
        ax.set_xscale("log")
    labels, values = [], []
    for name, d in data["random_access"].items():
        for m in ("store", "videos"):
            labels.append(f"{name}: {m}")
            values.append(d[m]["frames_per_s"])
    _bars(axes[2], labels, values, "frames/s (median)", "random access, RGB")
    return fig


def plot_chroma_upsampling(data, plt):
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.6))
    labels, values = [], []
    for e in data["accuracy"]:
        for rule in ("nearest", "bilinear"):
            labels.append(f"{e['clip']}: {rule}")
            values.append(100 * e[rule]["over_2"])
    _bars(axes[0], labels, values, "% of samples > 2 levels from ffmpeg's bilinear chroma", "accuracy at colour edges")
    labels, values = [], []
    for e in data["cost"]:
        for case, ms in e["ms"].items():
            labels.append(f"{e['bit_depth']}-bit {case}")
            values.append(ms)
    _bars(axes[1], labels, values, "ms per 1600x900 frame (median)", "CPU conversion")
    return fig


def plot_workloads(data, plt):
    """One figure per workload: each adapter's median (bars) per clip set, with the min-max range."""
    figs = {}
    by_key = {}
    for e in data["results"]:
        by_key.setdefault(e["workload"], []).append(e)
    titles = data.get("workload_titles", {})
    for key, rows in sorted(by_key.items()):
        rows = [e for e in rows if "summary" in e]
        if not rows:
            continue
        labels = [f"{e['label']} ({e['clip_set']})" for e in rows]
        med = [e["summary"]["median"] for e in rows]
        err = [[m - e["summary"]["min"] for m, e in zip(med, rows)], [e["summary"]["max"] - m for m, e in zip(med, rows)]]
        fig, ax = plt.subplots(figsize=(8, 1.2 + 0.4 * len(rows)))
        colors = ["#c05030" if e["spec"].split(":")[0] == "odvd" else "#4878a8" for e in rows]
        y = list(range(len(rows)))
        ax.barh(y, med, xerr=err, color=colors, capsize=2)
        ax.set_yticks(y, labels, fontsize=8)
        ax.invert_yaxis()
        unit = rows[0]["unit"]
        ax.set_xlabel(f"{unit}, median of passes (bars: min-max)" + (" - lower is better" if unit == "ms/file" else ""))
        ax.set_title(f"{key}: {titles.get(key, '')}" + ("  [--quick smoke run]" if data["config"].get("quick") else ""),
                     fontsize=9)
        for i, (v, e) in enumerate(zip(med, rows)):  # the label after the bar's max whisker
            note = f"{v:.3g}" + (f"  ours/peer {e['ours_over_peer']:.2f}" if "ours_over_peer" in e else "")
            ax.annotate(note, (e["summary"]["max"], i), xytext=(4, 0), textcoords="offset points", va="center",
                        fontsize=7)
        ax.set_xlim(0, 1.7 * max(e["summary"]["max"] for e in rows))
        figs[key] = fig
    return figs


def main(argv=None) -> int:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plots made (pip install matplotlib)", file=sys.stderr)
        return 0
    paths = [Path(p) for p in (argv if argv is not None else sys.argv[1:])] or sorted(RESULTS_DIR.glob("*.json"))
    for path in paths:
        data = json.loads(path.read_text())
        kind = data.get("benchmark")
        if kind == "random_access":
            fig = plot_random_access(data, plt)
        elif kind == "gop_extract":
            fig = plot_gop_extract(data, plt)
        elif kind == "reference_closure":
            fig = plot_reference_closure(data, plt)
        elif kind == "dataset_store":
            fig = plot_dataset_store(data, plt)
        elif kind == "chroma_upsampling":
            fig = plot_chroma_upsampling(data, plt)
        elif kind == "workloads":  # one PNG per workload: <name>_A.png, <name>_B.png, ...
            for key, fig in plot_workloads(data, plt).items():
                _save(fig, data, path.with_name(f"{path.stem}_{key}.png"), plt)
            continue
        else:
            print(f"{path}: unknown benchmark {kind!r}, skipped", file=sys.stderr)
            continue
        _save(fig, data, path.with_suffix(".png"), plt)
    return 0


def _save(fig, data, out, plt) -> None:
    m = data["machine"]
    load = f", load {m['loadavg_1_5_15_min_at_end']}" if m.get("loadavg_1_5_15_min_at_end") else ""
    fig.suptitle(f"{m['cpu_model']}, {m['usable_cpus']} CPUs{load}, {m['date_utc'][:10]}", fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    print(f"wrote {out}")


if __name__ == "__main__":
    sys.exit(main())
