"""What a user waits for: hpxplore's runs side by side with Ax's own loop, quiet and busy.

    .venv/bin/python -m benchmarks.cost [--cases ...] [--trials 30 60] [--busy [30 ...]]
        [--seeds N] [--arms ...] [--merge]

Every case is a real task whose best value lies near a bound, on a wide space:
``xgboost`` (xgboost_tables' ``skin_nonskin``, 8 parameters, best error 6e-6), ``lcbench``
(yahpo_lcbench's task 3945, 7 parameters, best accuracy 99.6 %) and ``lcbench2`` (the same
with two objectives: accuracy up, log10 of the training time down) and ``rpart2``
(yahpo_rpart_mo's held-out task 37: decision trees, a float, three integers and a
choice; accuracy up, log10 prediction time down; priors from 90 studies). For each case and
number of trials, one after another in this process, same seed and initial design:

* ``ax``: Ax's bare ``Client`` loop (``get_next_trials`` + ``complete_trial``);
* ``hpx_cold_inline`` / ``hpx_cold_pool``: ``Study(transfer=None)``, inline and with the
  default executor (a local process pool);
* ``hpx_warm``: ``recommend`` + ``warm_start`` with the transfer prior (the default), inline.

With ``--busy`` every run is repeated with one busy-loop process beside it (a user's other
work); ``--busy 30`` repeats only the 30-trial runs. Per run: one generation's median, 90th and 99th percentile and largest time, and
the run's wall time, each as a ratio to ``ax``'s in the same case (quiet or busy); busy
runs also as a ratio to their quiet twin. Results: ``benchmarks/results/cost.{csv,md,png}``
and every generation's time in ``cost_generations.csv``.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import multiprocessing
import os
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import hpxplore as hpx
from benchmarks.transfer.registries import dense_registry
from benchmarks.transfer.tasks import Task
from hpxplore.study._build_lock import build_kernel

RESULTS = Path(__file__).parent / "results"
INIT = 6
ARMS = ("ax", "hpx_cold_inline", "hpx_cold_pool", "hpx_warm")


def case(name: str) -> Task:
    """The benchmark task of case ``name`` (objectives and evaluate as the case runs them)."""
    if name == "xgboost":
        from benchmarks.transfer.xgboost_tables import xgboost_task

        return xgboost_task("skin_nonskin")
    from benchmarks.transfer.yahpo_tasks import lcbench_task, rpart_mo_task

    if name == "rpart2":
        task = rpart_mo_task("37")
        every = task.evaluate

        def objectives_only(config: dict[str, Any]) -> dict[str, float]:
            scores = every(config)  # the surrogate's metrics, once
            return {m: scores[m] for m in task.objectives}

        return dataclasses.replace(task, evaluate=objectives_only)

    task = lcbench_task("3945")
    if name == "lcbench":
        return task
    if name != "lcbench2":
        raise SystemExit(f"No case {name!r}; choose from xgboost, lcbench, lcbench2, rpart2.")

    plain = task.evaluate

    def evaluate(config: dict[str, Any]) -> dict[str, float]:
        out = plain(config)
        return {"val_accuracy": out["val_accuracy"], "log10_time": float(np.log10(out["time"]))}

    objectives = {"val_accuracy": "maximize", "log10_time": "minimize"}
    return dataclasses.replace(task, objectives=objectives, evaluate=evaluate)


def ax_loop(task: Task, trials: int, seed: int) -> tuple[list[float], float]:
    """Ax's own loop, nothing of hpxplore's around it: per-generation seconds, wall."""
    from ax.api.client import Client

    from hpxplore.space import parse_space
    from hpxplore.study._ax import _parameters

    client = Client(random_seed=seed)
    client.configure_experiment(name="bare", parameters=_parameters(parse_space(task.space)))
    client.configure_optimization(
        objective=", ".join(
            ("-" if d == "minimize" else "") + m for m, d in task.objectives.items()
        )
    )
    client.configure_generation_strategy(
        initialization_budget=INIT, initialization_random_seed=seed
    )
    generations = []
    start = time.perf_counter()
    for _ in range(trials):
        began = time.perf_counter()
        ((index, config),) = client.get_next_trials(max_trials=1).items()
        generations.append(time.perf_counter() - began)
        client.complete_trial(index, raw_data=task.evaluate(dict(config)))
    return generations, time.perf_counter() - start


def hpx_study(task: Task, trials: int, seed: int, arm: str, folder: Path):
    """One hpxplore run of ``arm``: per-generation seconds (Ax's calls, as the study logs
    them), wall (the recommendation included for the warm arm)."""
    start = time.perf_counter()
    study = hpx.Study(
        f"cost-{arm}",
        task.space,
        task.objectives,
        seed=seed,
        init_trials=INIT,
        transfer="prior" if arm == "hpx_warm" else None,
    )
    if arm == "hpx_warm":
        registry = dense_registry(task, folder)
        study.warm_start(
            hpx.recommend(
                task.profile,
                registry,
                task.space,
                task.objectives,
                n=5,
                seed=seed,
                tags={"model": task.profile.tags["model"]},
                progress=False,
            )
        )
    executor = None if arm == "hpx_cold_pool" else "inline"
    done = study.run(task.evaluate, n_trials=trials, executor=executor, progress=False)
    done = done.sort_values("trial_index")
    return done["gen_s"].astype(float).fillna(0.0).tolist(), time.perf_counter() - start


def _spin(stop: Any) -> None:
    while not stop.is_set():
        pass


@contextmanager
def busy(on: bool) -> Iterator[None]:
    """One busy-loop process beside the run while the block lasts (when ``on``)."""
    if not on:
        yield
        return
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    process = context.Process(target=_spin, args=(stop,), daemon=True)
    process.start()
    try:
        yield
    finally:
        stop.set()
        process.join(5)


def measure(
    name: str, trials: int, seed: int, loaded: bool, folder: Path, arms: tuple[str, ...] = ARMS
) -> list[dict]:
    """The ``arms`` of one case, one after another; a row per run, a row per generation."""
    task = case(name)
    runs: list[dict] = []
    for arm in arms:
        runner: Callable[[], tuple[list[float], float]] = (
            (lambda: ax_loop(task, trials, seed))
            if arm == "ax"
            else (lambda arm=arm: hpx_study(task, trials, seed, arm, folder))
        )
        with warnings.catch_warnings(), busy(loaded):
            warnings.simplefilter("ignore")
            generations, wall = runner()
        gen = np.asarray(generations)
        runs.append(
            {
                "case": name, "objectives": len(task.objectives), "trials": trials, "seed": seed,
                "machine": "busy" if loaded else "quiet", "arm": arm, "wall_s": round(wall, 2),
                "gen_median_s": round(float(np.median(gen)), 3),
                "gen_p90_s": round(float(np.percentile(gen, 90)), 3),
                "gen_p99_s": round(float(np.percentile(gen, 99)), 3),
                "gen_max_s": round(float(gen.max()), 3),
                "generations": [round(float(g), 4) for g in gen],
            }
        )  # fmt: skip
        print({k: v for k, v in runs[-1].items() if k != "generations"}, flush=True)
    return runs


def ratios(table: pd.DataFrame) -> pd.DataFrame:
    """Each figure over the bare Ax loop's in the same case, trials and machine state; busy
    runs' wall time over their quiet twin's."""
    keys = ["case", "trials", "seed", "machine"]
    ax = table[table["arm"] == "ax"].set_index(keys)
    out = table.copy()
    for column in ("wall_s", "gen_median_s", "gen_p99_s", "gen_max_s"):
        base = ax[column].reindex(pd.MultiIndex.from_frame(out[keys])).to_numpy()
        out[f"{column}_vs_ax"] = (out[column] / base).round(2)
    twins = ["case", "trials", "seed", "arm"]
    quiet = table[table["machine"] == "quiet"].set_index(twins)["wall_s"]
    twin = quiet.reindex(pd.MultiIndex.from_frame(out[twins])).to_numpy()
    out["wall_vs_quiet"] = (out["wall_s"] / twin).round(2)
    return out


def plot(runs: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cases = sorted({r["case"] for r in runs})
    settings = sorted({(r["trials"], r["machine"]) for r in runs})
    fig, axes = plt.subplots(
        len(cases), len(settings), figsize=(4.2 * len(settings), 3.2 * len(cases)), squeeze=False
    )
    for row, name in enumerate(cases):
        for column, (trials, machine) in enumerate(settings):
            ax = axes[row][column]
            for run in runs:
                if (run["case"], run["trials"], run["machine"]) == (name, trials, machine):
                    gens = [g if g > 0 else np.nan for g in run["generations"]]  # attached
                    ax.plot(range(1, len(gens) + 1), gens, label=run["arm"], lw=1.2)
            ax.set_yscale("log")
            ax.set_title(f"{name}, {trials} trials, {machine}", fontsize=9)
            ax.set_xlabel("trial")
    axes[0][0].set_ylabel("one generation (s)")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _over_seeds(table: pd.DataFrame) -> str:
    """With more than one seed: each arm's wall-time ratio to Ax, median and largest."""
    if table["seed"].nunique() < 2:
        return ""
    keys = ["case", "trials", "machine", "arm"]
    summary = (
        table.groupby(keys, sort=False)["wall_s_vs_ax"]
        .agg(runs="count", median="median", largest="max")
        .reset_index()
    )
    return "\n## Over the seeds: wall time / Ax's\n\n" + summary.to_markdown(index=False) + "\n"


def _key(run: dict) -> tuple:
    return (run["case"], run["trials"], run["seed"], run["machine"], run["arm"])


def stored_runs(folder: Path) -> tuple[list[dict], list[str]]:
    """The runs already in ``folder`` (``cost.csv`` and ``cost_generations.csv``) and the
    commands that made them (from ``cost.md``)."""
    import re

    if not (folder / "cost.csv").exists():
        return [], []
    table = pd.read_csv(folder / "cost.csv")
    generations = pd.read_csv(folder / "cost_generations.csv")
    for frame in (table, generations):  # runs of one seed, from before there were more
        if "seed" not in frame:
            frame.insert(3, "seed", 0)
    runs = []
    for row in table.to_dict("records"):
        mine = generations[
            (generations["case"] == row["case"])
            & (generations["trials"] == row["trials"])
            & (generations["seed"] == row["seed"])
            & (generations["machine"] == row["machine"])
            & (generations["arm"] == row["arm"])
        ].sort_values("trial")
        run = {k: v for k, v in row.items() if not k.endswith(("_vs_ax", "_vs_quiet"))}
        runs.append({**run, "generations": mine["gen_s"].tolist()})
    text = (folder / "cost.md").read_text() if (folder / "cost.md").exists() else ""
    return runs, re.findall(r"`(\.venv/bin/python -m benchmarks\.cost[^`]*)`", text)


def _busy_flag(busy: list[int] | None) -> str:
    if busy is None:
        return ""
    return " --busy" + "".join(f" {n}" for n in busy)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", nargs="+", default=["xgboost", "lcbench", "lcbench2"])
    parser.add_argument("--trials", nargs="+", type=int, default=[30])
    parser.add_argument(
        "--busy",
        nargs="*",
        type=int,
        default=None,
        help="repeat the runs of these trial counts (all when none given) beside a busy loop",
    )
    parser.add_argument("--seeds", type=int, default=1, help="runs per arm, seeds 0, 1, ...")
    parser.add_argument(
        "--arms", nargs="+", choices=ARMS, default=list(ARMS), help="with --merge: rerun these"
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep the runs already in --out; these runs replace those of the same case, "
        "trials, machine state and arm",
    )
    args = parser.parse_args()
    if "ax" not in args.arms and not args.merge:
        parser.error("without the ax arm there is nothing to compare with: add it, or --merge")
    from ax.utils.common.logger import set_stderr_log_level

    set_stderr_log_level(logging.WARNING)
    logging.getLogger("ax").setLevel(logging.WARNING)
    runs: list[dict] = []
    with tempfile.TemporaryDirectory() as folder:
        ax_loop(case("lcbench"), INIT + 2, 99)  # warm-up: imports and first fits off the clock
        build_kernel()  # BoTorch's two-objective kernel (make install builds it for a user)
        for name in args.cases:
            for trials in args.trials:
                loaded_too = args.busy is not None and (not args.busy or trials in args.busy)
                for seed in range(args.seeds):
                    for loaded in (False, True) if loaded_too else (False,):
                        runs += measure(name, trials, seed, loaded, Path(folder), tuple(args.arms))
    command = (
        f".venv/bin/python -m benchmarks.cost --cases {' '.join(args.cases)} "
        f"--trials {' '.join(map(str, args.trials))}{_busy_flag(args.busy)}"
        + (f" --seeds {args.seeds}" if args.seeds > 1 else "")
        + (f" --arms {' '.join(args.arms)}" if tuple(args.arms) != ARMS else "")
        + (" --merge" if args.merge else "")
    )
    commands = [command]
    if args.merge:
        kept, commands = stored_runs(args.out)
        fresh = {_key(r) for r in runs}
        runs = [r for r in kept if _key(r) not in fresh] + runs
        commands.append(command)
    table = write(runs, commands, args.out)
    plot([r for r in runs if r["seed"] == 0], args.out / "cost.png")
    print(table.to_string(index=False))


def write(runs: list[dict], commands: list[str], out: Path) -> pd.DataFrame:
    """``cost.csv`` (each run, with its ratios), ``cost_generations.csv`` and ``cost.md``."""
    out.mkdir(parents=True, exist_ok=True)
    order = {name: i for i, name in enumerate(ARMS)}
    runs = sorted(
        runs,
        key=lambda r: (r["case"], r["trials"], r["seed"], r["machine"] != "quiet", order[r["arm"]]),
    )
    table = ratios(pd.DataFrame([{k: v for k, v in r.items() if k != "generations"} for r in runs]))
    table.to_csv(out / "cost.csv", index=False)
    pd.DataFrame(
        [
            {
                **{k: r[k] for k in ("case", "trials", "seed", "machine", "arm")},
                "trial": i + 1,
                "gen_s": g,
            }
            for r in runs
            for i, g in enumerate(r["generations"])
        ]
    ).to_csv(out / "cost_generations.csv", index=False)
    header = (
        "# What a user waits for\n\nOne process, one run at a time, 2 cores; "
        f"`{os.cpu_count()}` CPUs seen. Commands, one after another: "
        + "; ".join(f"`{c}`" for c in commands)
        + ". `*_vs_ax`: over the bare Ax loop's figure in the "
        "same case, trials, seed and machine state; `wall_vs_quiet`: a busy run over its quiet "
        "twin.\n\n"
    )
    (out / "cost.md").write_text(
        header + table.to_markdown(index=False) + "\n" + _over_seeds(table)
    )
    return table


if __name__ == "__main__":
    main()
