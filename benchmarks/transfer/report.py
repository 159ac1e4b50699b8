"""Turn the benchmark's raw runs into summary.csv, a Markdown table and plots."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.transfer.metrics import ratio, regret_curve, trials_to_reach, trials_to_target

SUMMARY_COLUMNS = [
    "family",
    "task",
    "method",
    "seed",
    "budget",
    "trials_to_target",
    "final_regret",
    "wall_s",
    "best",
    "ttt_ratio_vs_cold",
    "speedup_vs_cold",
]


def _bounds(group: pd.DataFrame) -> tuple[float, float]:
    """Best and worst known values of a task: exact for tables; for live tasks, the
    best and worst seen by any method, seed or prior study of that task."""
    first = group.iloc[0]
    if first["best_known"] == first["best_known"] and first["best_known"] is not None:
        return float(first["best_known"]), float(first["worst_known"])
    values = np.concatenate([json.loads(v) for v in group["values"]])
    seen = [*values, *group["prior_best"].dropna()]
    return (
        (max(seen), min(values)) if first["direction"] == "maximize" else (min(seen), max(values))
    )


def summarize(runs: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (_family, _task), group in runs.groupby(["family", "task"], sort=False):
        best, worst = _bounds(group)
        for _seed, by_seed in group.groupby("seed"):
            cold = by_seed[by_seed["method"] == "ax_cold"].iloc[0]
            direction = cold["direction"]
            cold_values = json.loads(cold["values"])
            cold_ttt = trials_to_target(regret_curve(cold_values, direction, best, worst))
            cold_final = max(cold_values) if direction == "maximize" else min(cold_values)
            cold_reach = trials_to_reach(cold_values, direction, cold_final)
            for run in by_seed.to_dict("records"):
                values = json.loads(run["values"])
                curve = regret_curve(values, direction, best, worst)
                ttt = trials_to_target(curve)
                rows.append(
                    {
                        **{
                            k: run[k]
                            for k in ("family", "task", "method", "seed", "budget", "wall_s")
                        },
                        "trials_to_target": ttt,
                        "final_regret": round(float(curve[-1]), 5),
                        "best": max(values) if direction == "maximize" else min(values),
                        "ttt_ratio_vs_cold": round(ratio(cold_ttt, ttt, run["budget"]), 3),
                        "speedup_vs_cold": round(
                            ratio(
                                cold_reach,
                                trials_to_reach(values, direction, cold_final),
                                run["budget"],
                            ),
                            3,
                        ),
                        "curve": curve,
                    }
                )
    return pd.DataFrame(rows)


def table(summary: pd.DataFrame) -> pd.DataFrame:
    """Per family and method: medians over tasks and seeds."""
    grouped = summary.groupby(["family", "method"], sort=False)
    out = grouped.agg(
        runs=("task", "size"),
        reached_target=("trials_to_target", lambda s: f"{s.notna().mean():.0%}"),
        median_trials_to_target=("trials_to_target", "median"),
        median_ttt_ratio_vs_cold=("ttt_ratio_vs_cold", "median"),
        median_speedup_vs_cold=("speedup_vs_cold", "median"),
        median_final_regret=("final_regret", "median"),
        mean_wall_s=("wall_s", "mean"),
    )
    return out.round(3).reset_index()


def write(runs: pd.DataFrame, out: Path, *, elapsed: float, smoke: bool) -> None:
    out.mkdir(parents=True, exist_ok=True)
    summary = summarize(runs)
    summary[SUMMARY_COLUMNS].to_csv(out / "summary.csv", index=False)
    runs.to_csv(out / "transfer_runs.csv", index=False)
    medians = table(summary)
    budget = int(runs["budget"].iloc[0])
    (out / "transfer.md").write_text(
        f"# Transfer benchmark{' (smoke run)' if smoke else ''}\n\n"
        f"Leave one task out; budget {budget} trials; {runs['seed'].nunique()} seed(s); "
        f"{len(runs)} runs in {elapsed:.0f} s on this machine (2 cores, 2 workers).\n"
        "Target: within 1 % normalized regret of the task's best known value. Ratios are "
        "Ax cold's count over the method's (> 1: the method needed fewer trials); a run that "
        "never got there counts as budget + 1.\n\n" + medians.to_markdown(index=False) + "\n"
    )
    _plot(summary, out)


def _plot(summary: pd.DataFrame, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    families = list(dict.fromkeys(summary["family"]))
    fig, axes = plt.subplots(1, len(families), figsize=(5 * len(families), 3.8), squeeze=False)
    for ax, family in zip(axes[0], families, strict=True):
        part = summary[summary["family"] == family]
        for method, group in part.groupby("method", sort=False):
            length = int(group["budget"].max())
            curves = np.stack(
                [np.pad(c, (0, length - len(c)), mode="edge") for c in group["curve"]]
            )
            ax.plot(np.arange(1, curves.shape[1] + 1), np.median(curves, axis=0), label=method)
        ax.axhline(0.01, color="grey", ls=":", lw=1)
        ax.set_yscale("symlog", linthresh=0.01)
        ax.set_title(family)
        ax.set_xlabel("trials")
        ax.set_ylabel("median normalized regret")
    axes[0][-1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "transfer_regret.png", dpi=110)
    plt.close(fig)
