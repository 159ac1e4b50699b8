"""How recommend, similar and importing scale with the registry: 100 to 10,000 studies.

    .venv/bin/python benchmarks/scale.py [--sizes 100 1000 10000] [--trials 50]

A synthetic family (4 parameters, 5 meta-features; the optimum moves with two of them)
stored with ``Registry.add_studies`` (one transaction), then, per registry size and in a
fresh process each: ``similar(profile, k=5)`` (the first call, which reads the registry,
and the median of 5 more); ``recommend`` three times (a first call, imports included;
again on the same registry, fitted models kept; with every model fitted anew); the
process's peak memory (VmHWM). Besides: 50 studies stored one ``add_study`` at a time, and
a cProfile of ``recommend`` on the largest registry with every model fitted anew. Results:
``benchmarks/results/scale.{csv,md,png}`` and ``scale_profile.txt``. Targets: recommend
< 2 s at 100 studies and < 5 s at 10,000 (500,000 trials); similar < 100 ms at 10,000; a
bulk import >= 5,000 trials/s.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import resource
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import hpxplore as hpx

RESULTS = Path(__file__).parent / "results"
SPACE = {
    "lr": hpx.Float(1e-3, 1.0, log=True),
    "depth": hpx.Int(2, 12),
    "frac": hpx.Float(0.1, 1.0),
    "loss": hpx.Choice(["a", "b", "c"]),
}
OBJECTIVES = {"acc": "maximize"}


def meta(rng: np.random.Generator) -> dict[str, float]:
    return {
        "n_rows": float(10 ** rng.uniform(2.5, 5.5)),
        "n_features": float(rng.integers(3, 200)),
        "n_classes": float(rng.integers(2, 10)),
        "class_entropy": float(rng.uniform(0.3, 1.0)),
        "landmark_linear": float(rng.uniform(0.5, 0.99)),
    }


def accuracy(config: dict, features: dict[str, float]) -> float:
    """Best learning rate and depth move with the task's size and linearity."""
    lr_best = -2.5 + 0.4 * (np.log10(features["n_rows"]) - 2.5)
    depth_best = 3 + 8 * (1 - features["landmark_linear"])
    value = 0.9 - 0.05 * (np.log10(config["lr"]) - lr_best) ** 2
    value -= 0.004 * (config["depth"] - depth_best) ** 2 + 0.02 * abs(config["frac"] - 0.7)
    return float(value + {"a": 0.0, "b": 0.01, "c": -0.01}[config["loss"]])


def studies(count: int, trials: int, seed: int = 0) -> list[dict]:
    from hpxplore.space import parse_space, sample_configs

    rng = np.random.default_rng(seed)
    space = parse_space(SPACE)
    out = []
    for i in range(count):
        features = meta(rng)
        configs = sample_configs(space, trials, seed=seed * 100_000 + i)
        rows = [{**c, "acc": accuracy(c, features)} for c in configs]
        out.append(
            {
                "name": f"s{i:05d}",
                "profile": hpx.TaskProfile.from_meta_features(
                    f"t{i:05d}", features, tags={"model": "gbm"}
                ),
                "space": SPACE,
                "objectives": OBJECTIVES,
                "trials": pd.DataFrame(rows),
            }
        )
    return out


def query() -> hpx.TaskProfile:
    features = meta(np.random.default_rng(12345))
    return hpx.TaskProfile.from_meta_features("new", features, tags={"model": "gbm"})


def build(path: Path, count: int, trials: int) -> dict[str, float]:
    items = studies(count, trials)
    reg = hpx.Registry(path)
    start = time.perf_counter()
    reg.add_studies(items)
    seconds = time.perf_counter() - start
    reg.close()
    return {"import_s": seconds, "import_trials_per_s": count * trials / seconds}


def measure(path: Path) -> dict[str, float]:
    """In this (fresh) process: similar and recommend on the registry at ``path``."""
    warnings.simplefilter("ignore")
    reg = hpx.Registry(path, create=False)
    task = query()
    start = time.perf_counter()
    reg.similar(task, k=5)
    first_similar = time.perf_counter() - start
    again = []
    for _ in range(5):
        start = time.perf_counter()
        reg.similar(task, k=5)
        again.append(time.perf_counter() - start)
    from hpxplore.transfer import _cache

    times = []
    for call in range(3):
        if call == 2:
            _cache._FITTED.clear()  # imports done, every model fitted anew
        start = time.perf_counter()
        recs = hpx.recommend(task, reg, SPACE, OBJECTIVES, n=5, progress=False)
        times.append(time.perf_counter() - start)
    peak_mb = _peak_mb()
    return {
        "similar_first_s": first_similar,
        "similar_s": statistics.median(again),
        "recommend_first_s": times[0],  # imports included
        "recommend_s": times[1],  # the same registry again: fitted models kept
        "recommend_fit_s": times[2],  # imports done, every model fitted
        "peak_mb": peak_mb,
        "neighbours": len(recs.transfer.neighbours),
    }


def _peak_mb() -> float:
    """This process's peak resident memory since it started (VmHWM: ru_maxrss would count
    the parent's memory at the fork)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def profile_recommend(path: Path) -> str:
    warnings.simplefilter("ignore")
    reg = hpx.Registry(path, create=False)
    hpx.recommend(query(), reg, SPACE, OBJECTIVES, n=5, progress=False)  # imports done
    from hpxplore.transfer import _cache

    _cache._FITTED.clear()  # the call a new registry state gets: every model fitted
    profiler = cProfile.Profile()
    profiler.enable()
    hpx.recommend(query(), reg, SPACE, OBJECTIVES, n=5, progress=False)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
    return out.getvalue()


def one_at_a_time(path: Path, count: int, trials: int) -> float:
    reg = hpx.Registry(path)
    items = studies(count, trials, seed=7)
    start = time.perf_counter()
    for item in items:
        reg.add_study(**item)
    reg.close()
    return count * trials / (time.perf_counter() - start)


def plot(table: pd.DataFrame) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for column, label in (
        ("recommend_first_s", "recommend (first call, imports included)"),
        ("recommend_fit_s", "recommend (every model fitted)"),
        ("recommend_s", "recommend (again, models kept)"),
        ("similar_s", "similar, k=5"),
    ):
        ax.plot(table["studies"], table[column], "o-", label=label)
    ax.axhline(2.0, color="grey", lw=0.8, ls=":")
    ax.axhline(5.0, color="grey", lw=0.8, ls="--")
    ax.axhline(0.1, color="grey", lw=0.8, ls="-.")
    ax.set(xscale="log", yscale="log", xlabel="studies in the registry", ylabel="seconds")
    ax.set_title("Time against registry size (targets: 2 s, 5 s, 0.1 s)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(RESULTS / "scale.png", dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/hpx-scale"))
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the child process
    parser.add_argument("--profile", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    if args.profile:
        print(profile_recommend(args.profile))
        return
    args.folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for size in args.sizes:
        path = args.folder / f"registry-{size}-{args.trials}.db"
        path.unlink(missing_ok=True)
        built = build(path, size, args.trials)
        child = subprocess.run(
            [sys.executable, __file__, "--measure", str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
        row = {"studies": size, "trials": size * args.trials, **built}
        row.update(json.loads(child.stdout.strip().splitlines()[-1]))
        rows.append(row)
        print(row, flush=True)
    single = args.folder / "one-at-a-time.db"
    single.unlink(missing_ok=True)
    single_rate = one_at_a_time(single, 50, args.trials)
    largest = args.folder / f"registry-{max(args.sizes)}-{args.trials}.db"
    profile_text = subprocess.run(
        [sys.executable, __file__, "--profile", str(largest)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    table = pd.DataFrame(rows)
    RESULTS.mkdir(exist_ok=True)
    table.to_csv(RESULTS / "scale.csv", index=False)
    (RESULTS / "scale_profile.txt").write_text(
        f"cProfile of recommend() on {max(args.sizes)} studies, imports done, every model "
        f"fitted (what a first call on a new registry state costs)\n\n{profile_text}"
    )
    shown = table.assign(
        import_trials_per_s=table["import_trials_per_s"].round(0).astype(int),
        peak_mb=table["peak_mb"].round(0).astype(int),
    ).round(3)
    (RESULTS / "scale.md").write_text(
        "# Registry scale\n\n"
        f"`python benchmarks/scale.py --sizes {' '.join(map(str, args.sizes))} --trials "
        f"{args.trials}`: a synthetic family (4 parameters, 5 meta-features), imported with "
        "`add_studies`; similar and recommend timed in a fresh process per size.\n\n"
        + shown.to_markdown(index=False)
        + f"\n\nOne `add_study` at a time (50 studies): {single_rate:,.0f} trials/s; "
        f"bulk `add_studies`: {table['import_trials_per_s'].median():,.0f} trials/s "
        f"({table['import_trials_per_s'].median() / single_rate:.1f}x).\n"
        "Targets: recommend < 2 s at 100 studies and < 5 s at 10,000; similar < 0.1 s at "
        "10,000; bulk import >= 5,000 trials/s. Where the time goes on the largest registry: "
        "`scale_profile.txt`.\n"
    )
    plot(table)
    print((RESULTS / "scale.md").read_text())


if __name__ == "__main__":
    main()
