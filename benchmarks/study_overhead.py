"""What hpxplore's Study adds per trial on top of Ax, and sequential vs parallel runs.

    .venv/bin/python benchmarks/study_overhead.py [--trials 15]

Part 1 runs the same 2-objective, constrained problem three ways in one process, same
seed: a bare ``ax.Client`` loop (``get_next_trials`` + ``complete_trial``), an hpxplore
``Study`` without a registry, and a ``Study`` saving every trial and Ax snapshot to an
SQLite registry. The objective is instant, so the time outside Ax's own generation is
the library's overhead; it is reported per trial and as a ratio to Ax's generation time
per trial (target: below 5 %).

Part 2 evaluates a 1-second objective (a real scikit-learn fit padded to 1 s) with 1
and 2 workers of the default process pool and reports wall time per trial.
Results go to ``benchmarks/results/study_overhead.{csv,md,png}``.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import hpxplore as hpx

RESULTS = Path(__file__).parent / "results"
SPACE = {"x1": hpx.Float(0, 1), "x2": hpx.Float(0, 1), "x3": hpx.Float(1e-3, 1, log=True)}
OBJECTIVES = {"f1": "maximize", "f2": "minimize"}
CONSTRAINTS = ["f2 <= 1.5"]


def instant(config):
    x1, x2, x3 = config["x1"], config["x2"], config["x3"]
    return {"f1": np.sin(3 * x1) + x2 * np.log10(x3) / 3, "f2": (x1 - 0.3) ** 2 + x2 + 0.1 * x3}


def one_second(config):
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression

    start = time.perf_counter()
    X, y = load_breast_cancer(return_X_y=True)
    score = (
        LogisticRegression(C=config["x3"], max_iter=50)
        .fit(X[:400], y[:400])
        .score(X[400:], y[400:])
    )
    time.sleep(max(0.0, 1.0 - (time.perf_counter() - start)))
    return {"f1": score, "f2": config["x2"]}


def bare_ax(n: int, init: int) -> dict:
    from ax.api.client import Client
    from ax.api.configs import RangeParameterConfig
    from ax.utils.common.logger import set_stderr_log_level

    set_stderr_log_level(logging.WARNING)
    client = Client(random_seed=0)
    client.configure_experiment(
        name="bare",
        parameters=[
            RangeParameterConfig(name="x1", parameter_type="float", bounds=(0, 1)),
            RangeParameterConfig(name="x2", parameter_type="float", bounds=(0, 1)),
            RangeParameterConfig(
                name="x3", parameter_type="float", bounds=(1e-3, 1), scaling="log"
            ),
        ],
    )
    client.configure_optimization(objective="f1, -f2", outcome_constraints=CONSTRAINTS)
    client.configure_generation_strategy(initialization_budget=init, initialization_random_seed=0)
    gen = 0.0
    start = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        ((index, params),) = client.get_next_trials(max_trials=1).items()
        gen += time.perf_counter() - t
        client.complete_trial(index, raw_data=instant(params))
    total = time.perf_counter() - start
    return {"run": "bare Ax loop", "trials": n, "total_s": total, "ax_gen_s": gen}


def hpx_run(n: int, init: int, registry: hpx.Registry | None) -> dict:
    profile = hpx.TaskProfile.from_meta_features("bench", {"n_rows": 1000})
    study = hpx.Study(
        "bench",
        SPACE,
        OBJECTIVES,
        CONSTRAINTS,
        seed=0,
        init_trials=init,
        registry=registry,
        profile=profile if registry is not None else None,
    )
    start = time.perf_counter()
    trials = study.run(instant, n_trials=n, executor="inline", progress=False)
    total = time.perf_counter() - start
    name = "hpx Study + SQLite registry" if registry is not None else "hpx Study, no registry"
    return {"run": name, "trials": n, "total_s": total, "ax_gen_s": float(trials["gen_s"].sum())}


def parallel_runs(n: int) -> list[dict]:
    rows = []
    for workers in (1, 2):
        study = hpx.Study(f"par{workers}", SPACE, OBJECTIVES, seed=0, init_trials=max(4, n // 2))
        start = time.perf_counter()
        trials = study.run(one_second, n_trials=n, max_parallel=workers, progress=False)
        wall = time.perf_counter() - start
        rows.append(
            {
                "workers": workers,
                "trials": n,
                "wall_s": round(wall, 2),
                "wall_s_per_trial": round(wall / n, 3),
                "completed": int((trials["status"] == "completed").sum()),
            }
        )
        print(rows[-1], flush=True)
    rows[1]["speedup_vs_1"] = round(rows[0]["wall_s"] / rows[1]["wall_s"], 2)
    rows[0]["speedup_vs_1"] = 1.0
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=15)
    parser.add_argument("--parallel-trials", type=int, default=12)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    init = 5
    bare_ax(3, 2)  # warm-up: imports and first-fit costs off the clock
    rows = [bare_ax(args.trials, init), hpx_run(args.trials, init, None)]
    with tempfile.TemporaryDirectory() as folder:
        rows.append(hpx_run(args.trials, init, hpx.Registry(Path(folder) / "r.db")))
    table = pd.DataFrame(rows)
    table["outside_ax_s_per_trial"] = (table["total_s"] - table["ax_gen_s"]) / table["trials"]
    bare_outside = table.loc[0, "outside_ax_s_per_trial"]
    table["added_s_per_trial"] = table["outside_ax_s_per_trial"] - bare_outside
    table["ax_gen_s_per_trial"] = table["ax_gen_s"] / table["trials"]
    table["added_over_ax_gen"] = table["added_s_per_trial"] / table["ax_gen_s_per_trial"]
    table = table.round(4)
    print(table.to_string(index=False), flush=True)
    parallel = pd.DataFrame(parallel_runs(args.parallel_trials))
    print(parallel.to_string(index=False))

    RESULTS.mkdir(exist_ok=True)
    table.to_csv(RESULTS / "study_overhead.csv", index=False)
    parallel.to_csv(RESULTS / "study_parallel.csv", index=False)
    (RESULTS / "study_overhead.md").write_text(
        "# Study overhead and parallel runs\n\n"
        f"2-core machine, {args.trials} trials (5 quasi-random, then Ax's BoTorch model), an "
        "instant objective, one process, same seed. `added_s_per_trial` is the time per "
        "trial spent outside Ax's `get_next_trials`, minus the same for a bare Ax loop; "
        "`added_over_ax_gen` divides it by Ax's generation time per trial.\n\n"
        + table.to_markdown(index=False)
        + f"\n\n## Sequential vs parallel ({args.parallel_trials} trials of a 1-second objective, "
        "default process pool)\n\n" + parallel.to_markdown(index=False) + "\n"
    )
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
    left.barh(table["run"], table["ax_gen_s_per_trial"], label="Ax generation")
    left.barh(
        table["run"],
        table["outside_ax_s_per_trial"],
        left=table["ax_gen_s_per_trial"],
        label="everything else",
    )
    left.set_xlabel("seconds per trial")
    left.legend()
    left.set_title("Where a trial's time goes")
    right.bar(parallel["workers"].astype(str), parallel["wall_s_per_trial"])
    right.set_xlabel("workers")
    right.set_ylabel("wall seconds per trial")
    right.set_title("1-second objective")
    fig.tight_layout()
    fig.savefig(RESULTS / "study_overhead.png", dpi=120)


if __name__ == "__main__":
    main()
