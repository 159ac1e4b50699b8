"""How fast the notebook dashboard redraws after a trial completes, against a model refit.

    .venv/bin/python benchmarks/dashboard_update.py [--sizes 10 50 200]

For studies of each size (a real scikit-learn objective: logistic regression on
breast-cancer data, two objectives and a constraint), build ``hpx.explore(study, recs)``
and time what runs when a trial completes: every live view's redraw (the Pareto view and
the rationale), which reads observed trials only. Beside it, in the same run, time what a
view that refits would cost: Ax's model-predicted frontier (``use_model_predictions=True``).
Results go to ``benchmarks/results/dashboard_update.{csv,md,png}``. Target: well under 1 s.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import hpxplore as hpx
from tests.transfer.test_recommend import SPACE, task
from tests.widgets.conftest import CONSTRAINTS, OBJECTIVES, evaluate, prior_registry

RESULTS = Path(__file__).parent / "results"


def measure(size: int, folder: Path) -> dict[str, float]:
    reg = prior_registry(folder / f"r{size}.db")
    frame = task(0.7, 11)
    profile = hpx.profile_task(frame, target="target", name=f"new-{size}")
    recs = hpx.recommend(profile, reg, SPACE, OBJECTIVES, CONSTRAINTS, n=4, progress=False)
    study = hpx.Study(f"s{size}", SPACE, OBJECTIVES, CONSTRAINTS, seed=0, init_trials=size)
    study.warm_start(recs)
    dashboard = hpx.explore(study, recs, path=str(folder / "x.yaml"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study.run(evaluate(frame), n_trials=size, executor="inline", progress=False)
    last = int(study.trials["trial_index"].max())
    repeats = []
    for _ in range(5):
        start = time.perf_counter()
        study._notify(last)  # exactly what the runner calls after a trial completes
        repeats.append(time.perf_counter() - start)
    start = time.perf_counter()
    study.pareto_frontier(use_model_predictions=True)
    refit = time.perf_counter() - start
    update = sorted(repeats)[len(repeats) // 2]
    assert dashboard.pareto.info.points.shape[0] == size
    return {
        "trials": size,
        "dashboard_update_s": round(update, 4),
        "pareto_view_s": round(dashboard.pareto.last_refresh_s, 4),
        "model_refit_s": round(refit, 3),
        "refit_over_update": round(refit / update, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 50, 200])
    args = parser.parse_args()
    from ax.utils.common.logger import set_stderr_log_level

    set_stderr_log_level(logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        rows = [measure(size, Path(folder)) for size in args.sizes]
    table = pd.DataFrame(rows)
    print(table.to_string(index=False))
    RESULTS.mkdir(exist_ok=True)
    table.to_csv(RESULTS / "dashboard_update.csv", index=False)
    (RESULTS / "dashboard_update.md").write_text(
        "# Dashboard update after a trial (median of 5; 2-core machine)\n\n"
        + table.to_markdown(index=False)
        + "\n"
    )
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(table["trials"], table["dashboard_update_s"], "o-", label="dashboard update")
    ax.plot(table["trials"], table["model_refit_s"], "s--", label="a model refit (Ax frontier)")
    ax.axhline(1.0, color="grey", ls=":", label="1 s")
    ax.set_xlabel("trials in the study")
    ax.set_ylabel("seconds")
    ax.set_yscale("log")
    ax.legend()
    fig.tight_layout()
    fig.savefig(RESULTS / "dashboard_update.png", dpi=120)


if __name__ == "__main__":
    main()
