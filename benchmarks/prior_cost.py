"""What the transfer prior costs: Ax's generation time with and without it, side by side.

    .venv/bin/python benchmarks/prior_cost.py [--trials 30] [--studies 20] [--prior-trials 50]

A registry of ``--studies`` prior studies of ``--prior-trials`` trials each (a synthetic
6-parameter family whose optimum moves with one meta-feature), then one new task tuned to
``--trials`` trials from the same warm start twice: ``Study(transfer=None)`` (Ax's cold GP
after the transferred configs) and the default ``transfer="prior"``, with one objective
and with two. Per run: the mean, 90th percentile and largest time of one model generation,
and the whole run's wall-clock; the ratios prior / cold. Results go to
``benchmarks/results/prior_cost.{csv,md,png}``. Targets: one generation <= 2 s at 30
trials (one objective), a whole run at most 1.5x the cold one.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import hpxplore as hpx
from hpxplore.space import parse_space, sample_configs

RESULTS = Path(__file__).parent / "results"
SPACE = {f"x{i}": hpx.Float(0.0, 1.0) for i in range(5)} | {"lr": hpx.Float(1e-4, 1, log=True)}


def measure(config: dict, t: float) -> dict[str, float]:
    centre = 0.2 + 0.6 * t
    loss = sum((config[f"x{i}"] - centre * (1 - 0.1 * i)) ** 2 for i in range(5))
    loss += 0.1 * (np.log10(config["lr"]) + 1 + 2 * t) ** 2
    return {"loss": float(loss), "cost": float(config["x0"] + 0.5 * config["x1"])}


def profile(name: str, t: float) -> hpx.TaskProfile:
    return hpx.TaskProfile.from_meta_features(name, {"t": t, "n_rows": 1000.0}, tags={"m": "f"})


def registry(path: Path, studies: int, trials: int) -> hpx.Registry:
    reg = hpx.Registry(path)
    for i, t in enumerate(np.linspace(0.0, 1.0, studies)):
        configs = sample_configs(parse_space(SPACE), trials, seed=i)
        rows = [{**c, **measure(c, t)} for c in configs]
        objectives = {"loss": "minimize", "cost": "minimize"}
        reg.add_study(f"p{i}", profile(f"p{i}", t), SPACE, objectives, pd.DataFrame(rows))
    return reg


def run(reg: hpx.Registry, objectives: dict, transfer: str | None, trials: int) -> dict:
    task = profile("new", 0.47)
    recs = hpx.recommend(task, reg, SPACE, objectives, n=5, progress=False)
    study = hpx.Study(
        f"new-{transfer}", SPACE, objectives, seed=0, init_trials=6, transfer=transfer
    )
    study.warm_start(recs)
    start = time.perf_counter()
    done = study.run(lambda c: measure(c, 0.47), n_trials=trials, executor="inline", progress=False)
    wall = time.perf_counter() - start
    gen = done.loc[done["origin"] == "model", "gen_s"].astype(float)
    return {
        "objectives": len(objectives),
        "model": "transfer prior" if transfer else "Ax cold GP",
        "trials": trials,
        "prior_studies": len(recs.prior.studies) if transfer and recs.prior else 0,
        "gen_mean_s": round(gen.mean(), 3),
        "gen_p90_s": round(gen.quantile(0.9), 3),
        "gen_max_s": round(gen.max(), 3),
        "run_wall_s": round(wall, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--studies", type=int, default=20)
    parser.add_argument("--prior-trials", type=int, default=50)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        reg = registry(Path(folder) / "r.db", args.studies, args.prior_trials)
        run(reg, {"loss": "minimize"}, None, 8)  # warm-up: imports and first fits off the clock
        for objectives in ({"loss": "minimize"}, {"loss": "minimize", "cost": "minimize"}):
            for transfer in (None, "prior"):
                rows.append(run(reg, objectives, transfer, args.trials))
                print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    cold = table[table["model"] == "Ax cold GP"].set_index("objectives")
    for column in ("gen_mean_s", "run_wall_s"):
        table[f"{column}_ratio"] = [
            round(row[column] / cold.loc[row["objectives"], column], 2)
            for row in table.to_dict("records")
        ]
    RESULTS.mkdir(exist_ok=True)
    table.to_csv(RESULTS / "prior_cost.csv", index=False)
    header = (
        f"# The transfer prior's cost\n\n{args.studies} prior studies x {args.prior_trials} "
        f"trials, 6 parameters, runs of {args.trials} trials (6 initial: 3 transferred), one "
        "machine with 2 cores. `*_ratio`: the prior's figure over Ax's cold GP's in the same "
        "run. Command: `.venv/bin/python benchmarks/prior_cost.py`.\n\n"
    )
    (RESULTS / "prior_cost.md").write_text(header + table.to_markdown(index=False) + "\n")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for offset, (model, part) in zip((-0.2, 0.2), table.groupby("model", sort=False), strict=True):
        x = part["objectives"] + offset
        spread = part["gen_p90_s"] - part["gen_mean_s"]
        ax.bar(x, part["gen_mean_s"], 0.38, yerr=[np.zeros(len(x)), spread], label=model)
    ax.set_xticks([1, 2], ["one objective", "two objectives"])
    ax.set_ylabel("one Ax generation (s; bar to p90)")
    ax.set_title(f"{args.trials}-trial runs, {args.studies} prior studies x {args.prior_trials}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(RESULTS / "prior_cost.png", dpi=120)
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()
