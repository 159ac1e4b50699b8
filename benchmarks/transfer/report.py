"""Turn the benchmark's raw runs into summary.csv, a Markdown table and plots."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.transfer.methods import METHODS, REGISTRY_METHODS
from benchmarks.transfer.metrics import (
    HV_TARGET,
    TARGET,
    front_2d,
    hypervolume_curve,
    ratio,
    regret_curve,
    trials_to_level,
)

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
    "mean_regret",
    "regret_at_5",
    "regret_at_10",
]
_VARIANT = re.compile(r"_(unrelated|reg\d+)$")


def base_family(label: str) -> str:
    """The family a reported label is a variant of (``yahpo_rpart_reg5`` -> ``yahpo_rpart``)."""
    return _VARIANT.sub("", label)


def registry_size(label: str) -> int | None:
    """The registry size of a ``_regN`` label (None: the whole registry)."""
    found = re.search(r"_reg(\d+)$", label)
    return int(found.group(1)) if found else None


def with_borrowed(runs: pd.DataFrame) -> pd.DataFrame:
    """``runs`` plus, for each variant family that ran only the methods that read the
    registry (a smaller or unrelated registry), the other methods' runs of its base family
    on the same tasks and seeds: they never read the registry, so they are the same runs."""
    parts = [runs]
    for label in runs["family"].unique():
        base = base_family(label)
        mine = runs[runs["family"] == label]
        if base == label or "ax_cold" in set(mine["method"]):
            continue
        theirs = runs[(runs["family"] == base) & ~runs["method"].isin(REGISTRY_METHODS)]
        keys = set(zip(mine["task"], mine["seed"], strict=True))
        same = [k in keys for k in zip(theirs["task"], theirs["seed"], strict=True)]
        parts.append(theirs[same].assign(family=label))
    return pd.concat(parts, ignore_index=True)


def _bounds(group: pd.DataFrame) -> tuple[float, float]:
    """Best and worst known values of a task: exact for tables; for surrogates, a large
    sample's, widened by any value a run saw; for live tasks, the best and worst seen by
    any method, seed or prior study of that task."""
    first = group.iloc[0]
    values = np.concatenate([json.loads(v) for v in group["values"]])
    if first["best_known"] == first["best_known"] and first["best_known"] is not None:
        known = [float(first["best_known"]), float(first["worst_known"])]
        if first["direction"] == "maximize":  # a no-op for exact tables
            return max(known[0], values.max()), min(known[1], values.min())
        return min(known[0], values.min()), max(known[1], values.max())
    seen = [*values, *group["prior_best"].dropna()]
    return (
        (max(seen), min(values)) if first["direction"] == "maximize" else (min(seen), max(values))
    )


def _is_multi(run: dict) -> bool:
    return isinstance(run.get("front"), str) and bool(run["front"])


def _curve_maker(group: pd.DataFrame):
    """Values -> regret-like curve for this task (normalized regret, or 1 - HV ratio)."""
    first = group.iloc[0].to_dict()
    if _is_multi(first):
        directions = json.loads(first["directions"])
        points = np.concatenate([np.asarray(json.loads(v)) for v in group["values"]])
        # an exact front (tables) dominates every point; a sample's (surrogates) is widened
        front = front_2d(np.vstack([json.loads(first["front"]), points]), directions)
        # reference: the worst value of each objective seen in any run or on the front
        every = np.vstack([front, points])
        reference = [
            float(every[:, j].min() if d == "maximize" else every[:, j].max())
            for j, d in enumerate(directions)
        ]
        return lambda values: hypervolume_curve(values, directions, front, reference), HV_TARGET
    best, worst = _bounds(group)
    direction = first["direction"]
    return lambda values: regret_curve(values, direction, best, worst), TARGET


def summarize(runs: pd.DataFrame) -> pd.DataFrame:
    rows = []
    runs = with_borrowed(runs)
    for (_family, _task), group in runs.groupby(["family", "task"], sort=False):
        make_curve, target = _curve_maker(group)
        for _seed, by_seed in group.groupby("seed"):
            cold = by_seed[by_seed["method"] == "ax_cold"].iloc[0]
            cold_curve = make_curve(json.loads(cold["values"]))
            cold_ttt = trials_to_level(cold_curve, target)
            cold_reach = trials_to_level(cold_curve, float(cold_curve[-1]))
            for run in by_seed.to_dict("records"):
                values = json.loads(run["values"])
                curve = make_curve(values)
                ttt = trials_to_level(curve, target)
                rows.append(
                    {
                        **{
                            k: run[k]
                            for k in ("family", "task", "method", "seed", "budget", "wall_s")
                        },
                        "registry_studies": run.get("registry_studies"),
                        "trials_to_target": ttt,
                        "final_regret": round(float(curve[-1]), 5),
                        "mean_regret": round(_mean_regret(curve, run["budget"]), 5),
                        "regret_at_5": round(_at(curve, 5), 5),
                        "regret_at_10": round(_at(curve, 10), 5),
                        "best": _best(values, run["direction"]),
                        "ttt_ratio_vs_cold": round(ratio(cold_ttt, ttt, run["budget"]), 3),
                        "speedup_vs_cold": round(
                            ratio(
                                cold_reach,
                                trials_to_level(curve, float(cold_curve[-1])),
                                run["budget"],
                            ),
                            3,
                        ),
                        "curve": curve,
                    }
                )
    return pd.DataFrame(rows)


def _mean_regret(curve: np.ndarray, budget: int) -> float:
    """The area under the best-so-far curve over the budget, per trial (a run cut short
    keeps its last value): lower is better, and unlike trials-to-target never censored."""
    return float(np.pad(curve, (0, max(0, budget - len(curve))), mode="edge").mean())


def _at(curve: np.ndarray, trials: int) -> float:
    """The best-so-far regret after ``trials`` trials (a shorter run: its last value)."""
    return float(curve[min(trials, len(curve)) - 1])


def _best(values: list, direction: str) -> float:
    """The best value of the first objective."""
    first = [v[0] if isinstance(v, list) else v for v in values]
    return max(first) if direction == "maximize" else min(first)


def merged(
    runs: pd.DataFrame, timing: list[dict], out: Path, *, replace: bool = True
) -> tuple[pd.DataFrame, list[dict]]:
    """These runs plus the runs (and timings) already in ``out`` that they do not replace:
    other families', and, where only some methods were rerun, the other methods'. With
    ``replace=False`` (a resumed run: only runs that were missing) every one is kept."""
    done = {f for entry in timing for f in entry["families"]} if replace else set()
    methods = {m for entry in timing for m in entry.get("methods", [])}
    old_runs, old_timing = out / "transfer_runs.csv", out / "transfer_timing.json"
    if old_runs.exists():
        old = pd.read_csv(old_runs, dtype={"task": str})  # OpenML ids are names
        rerun = old["family"].map(base_family).isin(done)
        replaced = rerun & (old["method"].isin(methods) if methods else True)
        runs = pd.concat([old[~replaced], runs], ignore_index=True)
    if old_timing.exists():
        kept = [
            e
            for e in json.loads(old_timing.read_text())
            if not set(e["families"]) <= done  # an entry without methods covered them all
            or (methods and not set(e.get("methods", METHODS)) <= methods)
        ]
        timing = kept + timing
    return runs, timing


def _gmean(ratios: pd.Series) -> float:
    return float(np.exp(np.log(ratios).mean()))


def _gmean_interval(ratios: pd.Series) -> str:
    """A 90 % bootstrap interval of the geometric mean (runs resampled; seeded, 2000 draws)."""
    logs = np.log(ratios.dropna().to_numpy(float))
    if len(logs) < 2:
        return ""
    draws = np.random.default_rng(0).choice(logs, (2000, len(logs))).mean(axis=1)
    low, high = np.exp(np.quantile(draws, [0.05, 0.95]))
    return f"{low:.2f}-{high:.2f}"


def table(summary: pd.DataFrame, by: tuple[str, ...] = ("family", "method")) -> pd.DataFrame:
    """Per family and method: medians (and geometric means of the ratios) over tasks and seeds.

    The median ratio is 1 whenever most runs of both methods miss the target; the geometric
    mean still shows which way the other runs lean."""
    grouped = summary.groupby(list(by), sort=False)
    out = grouped.agg(
        runs=("task", "size"),
        reached_target=("trials_to_target", lambda s: f"{s.notna().mean():.0%}"),
        median_trials_to_target=("trials_to_target", "median"),
        median_ttt_ratio_vs_cold=("ttt_ratio_vs_cold", "median"),
        gmean_ttt_ratio_vs_cold=("ttt_ratio_vs_cold", _gmean),
        gmean_ttt_ratio_90ci=("ttt_ratio_vs_cold", _gmean_interval),
        median_speedup_vs_cold=("speedup_vs_cold", "median"),
        gmean_speedup_vs_cold=("speedup_vs_cold", _gmean),
        median_regret_at_5=("regret_at_5", "median"),
        median_regret_at_10=("regret_at_10", "median"),
        median_final_regret=("final_regret", "median"),
        mean_wall_s=("wall_s", "mean"),
    )
    return out.round(3).reset_index()


REGRET_FLOOR = 1e-4  # mean regrets below this count as this in ratios (0 would divide)


def versus(
    summary: pd.DataFrame, against: str = "ax_naive_warm", by: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Each method paired with ``against`` on the same task and seed, by mean regret:
    how often it did better, equal or worse, and the geometric mean of its mean regret
    over ``against``'s (< 1: lower regret than ``against``) with a 90 % bootstrap interval."""
    keys = ["family", "task", "seed"]
    theirs = summary[summary["method"] == against].set_index(keys)["mean_regret"]
    mine = summary[summary["method"] != against].join(theirs.rename("against"), on=keys)
    mine = mine.dropna(subset=["against"])
    ratio_ = np.maximum(mine["mean_regret"], REGRET_FLOOR) / np.maximum(
        mine["against"], REGRET_FLOOR
    )
    mine = mine.assign(ratio=ratio_, diff=mine["mean_regret"] - mine["against"])
    tie = 1e-6
    out = mine.groupby([*by, "method"], sort=False).agg(
        runs=("task", "size"),
        median_mean_regret=("mean_regret", "median"),
        better=("diff", lambda d: int((d < -tie).sum())),
        equal=("diff", lambda d: int((d.abs() <= tie).sum())),
        worse=("diff", lambda d: int((d > tie).sum())),
        gmean_regret_ratio=("ratio", _gmean),
        gmean_regret_ratio_90ci=("ratio", _gmean_interval),
    )
    return out.round(4).reset_index()


def by_task(summary: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Task by task: each method's trials-to-target ratio over Ax cold (geometric mean over
    the task's seeds) and ``hpx_vs_naive``, hpx_warm's mean regret over the naive warm
    start's on the same seeds; then each family's median over its tasks."""
    others = summary[summary["method"] != "ax_cold"]
    ratios = others.pivot_table(
        index=["family", "task"],
        columns="method",
        values="ttt_ratio_vs_cold",
        aggfunc=_gmean,
        sort=False,
    )
    ratios = ratios[[m for m in METHODS if m in ratios.columns]]
    paired = versus(summary, by=("family", "task"))
    hpx = paired[paired["method"] == "hpx_warm"].set_index(["family", "task"])
    ratios["hpx_vs_naive"] = hpx["gmean_regret_ratio"]
    ratios.columns.name = None
    medians = ratios.groupby(level="family", sort=False).median()
    medians.insert(0, "tasks", ratios.groupby(level="family", sort=False).size())
    return ratios.round(3).reset_index(), medians.round(3).reset_index()


def write(runs: pd.DataFrame, out: Path, *, timing: list[dict], smoke: bool) -> None:
    out.mkdir(parents=True, exist_ok=True)
    summary = summarize(runs)
    summary[SUMMARY_COLUMNS].to_csv(out / "summary.csv", index=False)
    runs.to_csv(out / "transfer_runs.csv", index=False)
    (out / "transfer_timing.json").write_text(json.dumps(timing, indent=1) + "\n")
    sizes = registry_curve(summary)
    full = summary[summary["family"].map(registry_size).isna()]  # the whole registry
    medians = table(full)
    tasks, task_medians = by_task(full)
    single = full[~full["family"].str.endswith(("_mo", "_unrelated"))]
    related = list(dict.fromkeys(single["family"]))
    pooled = table(single, by=("method",))
    budgets = runs.groupby("family", sort=False)["budget"].max()
    budget = ", ".join(
        f"{b} ({', '.join(budgets.index[budgets == b])})" for b in dict.fromkeys(budgets)
    )
    took = "; ".join(
        f"{', '.join(e['families'])}: {e['runs']} runs in {e['elapsed_s']} s "
        f"({e['workers']} workers{', missing runs only' if e.get('resumed') else ''})"
        for e in timing
    )
    per_family = runs.groupby("family")["seed"].nunique()
    seeds = ", ".join(f"{n} ({f})" for f, n in per_family.items())
    (out / "transfer.md").write_text(
        f"# Transfer benchmark{' (smoke run)' if smoke else ''}\n\n"
        f"Held-out tasks (leave one out, or a fixed meta-train / meta-test split for the dense "
        f"families); trials per run: {budget}; seeds per task: {seeds}. "
        f"Wall-clock on this machine (2 cores): {took}.\n"
        f"Target: within {TARGET:.0%} normalized regret of the task's best known value; with "
        f"two objectives (hpobench_mo), a hypervolume within {HV_TARGET:.0%} of the exact "
        "front's. Ratios are Ax cold's count over the method's (> 1: the method needed fewer "
        "trials); a run that never got there counts as budget + 1. Speed-up: trials Ax cold "
        "needed to reach its final best over the trials the method needed to reach that value. "
        "gmean: geometric mean over runs; 90ci: its 90 % bootstrap interval.\n\n"
        + medians.to_markdown(index=False)
        + "\n\nPooled over the related single-objective families "
        f"({', '.join(related)}):\n\n" + pooled.to_markdown(index=False) + "\n\n"
        "## Paired with the naive warm start\n\n"
        "Trials-to-target is censored (most runs of every method miss a 1 % target within "
        "the budget, see `transfer_ceiling.md`), so each method is also paired with "
        "`ax_naive_warm` on the same task and seed by its *mean regret*: the area under its "
        "best-so-far curve over the budget, per trial (lower is better; summary.csv's "
        "`mean_regret`). better / equal / worse count the pairs; the ratio is the geometric "
        f"mean of method over naive (< 1: lower regret; means under {REGRET_FLOOR:g} count "
        "as that).\n\nPooled over the related single-objective families:\n\n"
        + versus(single).to_markdown(index=False)
        + "\n\nBy family:\n\n"
        + versus(summary, by=("family",)).to_markdown(index=False)
        + "\n\n## Paired with Ax cold: does transfer ever hurt?\n\n"
        "The same pairing against `ax_cold`, by family (< 1: lower mean regret than the cold "
        "start). On `keel_unrelated` (each task tuned against only its 10 farthest prior "
        "tasks) the question is whether a method loses beyond noise: an interval that lies "
        "above 1.\n\n"
        + versus(summary, against="ax_cold", by=("family",)).to_markdown(index=False)
        + "\n\n## Task by task\n\n"
        "Each method's trials-to-target ratio over Ax cold on each task (geometric mean over "
        "its seeds; > 1: fewer trials than the cold start), and `hpx_vs_naive`: hpx_warm's "
        "mean regret (with two objectives: mean hypervolume gap) over the naive warm start's on "
        "the same seeds (< 1: hpxplore's lower). "
        "Then the median over each family's tasks.\n\n"
        + tasks.to_markdown(index=False)
        + "\n\nMedian over tasks:\n\n"
        + task_medians.to_markdown(index=False)
        + "\n"
        + _registry_section(sizes)
    )
    _plot(full, out)
    if not sizes.empty:
        sizes.to_csv(out / "registry_size.csv", index=False)
        _plot_sizes(sizes, out)


def registry_curve(summary: pd.DataFrame) -> pd.DataFrame:
    """Per dense family run with smaller registries, method that reads the registry and
    registry size: each method's speed-up over Ax cold and its mean regret over Ax cold's
    on the same task and seed (geometric means with 90 % intervals), regret after 10 trials.
    Every size is read on the same tasks and seeds (those the smaller registries ran)."""
    rows = []
    sized = summary[summary["family"].map(registry_size).notna()]
    with_sizes = set(sized["family"].map(base_family))
    for label in summary["family"].unique():
        base = base_family(label)
        if base not in with_sizes or label.endswith("_unrelated"):
            continue
        part = summary[summary["family"] == label]
        # the whole registry on the tasks and seeds the smaller ones ran: a paired curve
        smaller = sized[sized["family"].map(base_family) == base]
        keys = set(zip(smaller["task"], smaller["seed"], strict=True))
        part = part[[k in keys for k in zip(part["task"], part["seed"], strict=True)]]
        paired = versus(part, against="ax_cold")
        for method in [m for m in REGISTRY_METHODS if m in set(part["method"])]:
            mine = part[part["method"] == method]
            size = registry_size(label) or _whole_registry(base, mine)
            regret = paired[paired["method"] == method].iloc[0]
            rows.append(
                {
                    "family": base,
                    "studies": size,
                    "method": method,
                    "runs": len(mine),
                    "gmean_speedup_vs_cold": round(_gmean(mine["speedup_vs_cold"]), 3),
                    "speedup_90ci": _gmean_interval(mine["speedup_vs_cold"]),
                    "gmean_regret_ratio_vs_cold": regret["gmean_regret_ratio"],
                    "regret_ratio_90ci": regret["gmean_regret_ratio_90ci"],
                    "median_regret_at_10": round(float(mine["regret_at_10"].median()), 4),
                }
            )
    if not rows:
        return pd.DataFrame()
    return pd.DataFrame(rows).sort_values(["family", "method", "studies"], ignore_index=True)


def _whole_registry(family: str, runs: pd.DataFrame) -> int:
    """How many studies a family's whole registry holds: as its runs recorded it, or (runs
    from before they did) as its split says."""
    recorded = runs["registry_studies"].dropna() if "registry_studies" in runs else []
    if len(recorded):
        return int(recorded.max())
    from benchmarks.transfer.dense import family as dense_family

    dense = dense_family(family)
    return len(dense.split()[0]) - int(dense.leave_one_out)


def _registry_section(sizes: pd.DataFrame) -> str:
    if sizes.empty:
        return ""
    return (
        "\n## Registry size\n\n"
        "The same held-out tasks and seeds, tuned against registries of the first 5 or 20 "
        "studies of a fixed shuffle of the meta-train studies (nested: the 5 are in the "
        "20), or all of them. Only the methods that read the registry were rerun; Ax cold's "
        "runs are shared. Speed-up: trials Ax cold needed to reach its final best over the "
        "method's (> 1: faster); regret ratio: the method's mean regret over Ax cold's "
        "(< 1: lower). `registry_size.png` plots the speed-up.\n\n"
        + sizes.to_markdown(index=False)
        + "\n"
    )


def _panels(families: list[str], height: float):
    """A figure with one panel per family, four to a row: (pyplot, figure, panels)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = min(4, len(families))
    rows = -(-len(families) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(5 * columns, height * rows), squeeze=False)
    for ax in axes.flat[len(families) :]:
        ax.set_visible(False)
    return plt, fig, list(axes.flat[: len(families)])


def _plot_sizes(sizes: pd.DataFrame, out: Path) -> None:
    families = list(dict.fromkeys(sizes["family"]))
    plt, fig, axes = _panels(families, 3.6)
    for ax, family in zip(axes, families, strict=True):
        part = sizes[sizes["family"] == family]
        for method, group in part.groupby("method", sort=False):
            bounds = np.array(
                [[float(x) for x in ci.split("-")] if ci else [np.nan, np.nan]
                 for ci in group["speedup_90ci"]]
            )  # fmt: skip
            y = group["gmean_speedup_vs_cold"].to_numpy(float)
            color = f"C{METHODS.index(method)}"
            ax.errorbar(
                group["studies"], y, yerr=[y - bounds[:, 0], bounds[:, 1] - y], label=method,
                color=color, marker="o", capsize=3,
            )  # fmt: skip
        ax.axhline(1.0, color="grey", ls=":", lw=1)
        ax.set_xscale("log")
        ax.minorticks_off()
        ticks = sorted(part["studies"].unique())
        ax.set_xticks(ticks, [str(n) for n in ticks])
        ax.set_title(family)
        ax.set_xlabel("prior studies in the registry")
        ax.set_ylabel("speed-up over Ax cold (gmean, 90 % CI)")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "registry_size.png", dpi=110)
    plt.close(fig)


def _plot(summary: pd.DataFrame, out: Path) -> None:
    families = list(dict.fromkeys(summary["family"]))
    plt, fig, axes = _panels(families, 3.8)
    for ax, family in zip(axes, families, strict=True):
        part = summary[summary["family"] == family]
        for method, group in part.groupby("method", sort=False):
            length = int(group["budget"].max())
            curves = np.stack(
                [np.pad(c, (0, length - len(c)), mode="edge") for c in group["curve"]]
            )
            color = f"C{METHODS.index(method)}"  # one colour per method in every panel
            x = np.arange(1, curves.shape[1] + 1)
            ax.plot(x, np.median(curves, axis=0), label=method, color=color)
        multi = family.endswith("_mo")
        ax.axhline(HV_TARGET if multi else TARGET, color="grey", ls=":", lw=1)
        ax.set_yscale("symlog", linthresh=0.01)
        ax.set_ylim(bottom=0)
        ax.set_title(family)
        ax.set_xlabel("trials")
        ax.set_ylabel("median 1 - hypervolume ratio" if multi else "median normalized regret")
    counts = [summary.loc[summary["family"] == f, "method"].nunique() for f in families]
    axes[int(np.argmax(counts))].legend(fontsize=7)  # the panel with every method
    fig.tight_layout()
    fig.savefig(out / "transfer_regret.png", dpi=110)
    plt.close(fig)
