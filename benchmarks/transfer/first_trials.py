"""The configs a warm start seeds, evaluated with no optimizer: generated against observed.

On the dense families' held-out tasks (their surrogates score any config), ``recommend``'s
list as ``hpx_warm`` seeds it (``n=5``: the best observed and a generated config, in the
order the model of the prior studies gives them, then the aggressive, the exploratory and
the baseline), against the naive warm start (the 3 nearest tasks' best configs). ``generated_first``: the generated pick alone;
``observed_best_of_3``: the best of the list's first 3 observed picks (what the list seeds
without generation). Regrets are normalized against the best value any benchmark run saw
on the task (``transfer_runs.csv``), as in the report.

    python -m benchmarks.transfer.first_trials   # a few minutes; writes results/first_trials.*
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import hpxplore as hpx  # noqa: E402
from benchmarks.transfer import offline  # noqa: E402
from benchmarks.transfer.dense import family as dense_family  # noqa: E402
from benchmarks.transfer.methods import naive_neighbours  # noqa: E402
from benchmarks.transfer.metrics import regret  # noqa: E402
from benchmarks.transfer.registries import dense_registry  # noqa: E402

FAMILIES = ("yahpo_rpart", "yahpo_lcbench", "xgboost_tables")


def _reference(runs: pd.DataFrame, task) -> tuple[float, float]:
    """(best, worst): the task's best known value widened by every run's, and its worst."""
    sign = 1.0 if task.direction == "maximize" else -1.0
    mine = runs[(runs["family"] == task.family) & (runs["task"] == task.name)]
    seen = [v for values in mine["values"] for v in json.loads(values)]
    known = [mine["best_known"].iloc[0]] if len(mine) else []
    best = sign * max(sign * np.asarray(seen + known, dtype=float))
    return float(best), float(mine["worst_known"].iloc[0])


def task_row(family: str, name: str, runs: pd.DataFrame) -> dict:
    task = dense_family(family).make(name)
    best, worst = _reference(runs, task)

    def regrets(configs) -> list[float]:
        values = [task.record(task.evaluate(c)) for c in configs]
        return [float(r) for r in regret(values, best, worst)]

    with tempfile.TemporaryDirectory() as folder:
        reg = dense_registry(task, Path(folder))
        naive = regrets(naive_neighbours(task, reg))
        recs = hpx.recommend(
            task.profile, reg, task.space, task.objectives, n=5,
            tags={"model": task.profile.tags["model"]}, progress=False,
        )  # fmt: skip
    seeded = [r for r in recs if r.decision != "rejected"]
    listed = regrets([r.config for r in seeded])
    kinds = [r.kind for r in seeded]
    observed = [v for v, k in zip(listed, kinds, strict=True) if k not in ("generated", "baseline")]
    generated = [v for v, k in zip(listed, kinds, strict=True) if k == "generated"]
    return {
        "family": family,
        "task": name,
        "cold_start": recs.cold_start,
        "kinds": " ".join(kinds),
        "naive_first": naive[0],
        "naive_best_of_3": min(naive),
        "hpx_first": listed[0],
        "hpx_best_of_3": min(listed[:3]),
        "hpx_best_of_5": min(listed),
        "generated_first": generated[0] if generated else np.nan,
        "observed_best_of_3": min(observed[:3]) if observed else np.nan,
    }


def report(table: pd.DataFrame) -> str:
    cold = table[table["cold_start"]]
    table = table[~table["cold_start"]]
    columns = [c for c in table.columns if c.startswith(("naive", "hpx", "generated", "observed"))]
    stats = table.groupby("family")[columns].agg(["mean", "median"]).T.round(4)
    won = {
        family: {
            "hpx first no worse than naive first": int(
                (part["hpx_first"] <= part["naive_first"] + 1e-9).sum()
            ),
            "generated < observed best of 3": int(
                (part["generated_first"] < part["observed_best_of_3"] - 1e-9).sum()
            ),
            "hpx best of 3 < naive best of 3": int(
                (part["hpx_best_of_3"] < part["naive_best_of_3"] - 1e-9).sum()
            ),
            "tasks": len(part),
        }
        for family, part in table.groupby("family")
    }
    return "\n".join(
        [
            "# First trials: generated candidates against observed ones and the naive pick",
            "",
            __doc__.split("\n\n")[1].replace("\n", " "),
            "",
            f"Tasks where recommend went cold (left out): "
            f"{', '.join(f'{f}/{t}' for f, t in zip(cold['family'], cold['task'], strict=True))}"
            if len(cold)
            else "No task went cold.",
            "",
            stats.to_markdown(),
            "",
            "Task counts: " + json.dumps(won),
            "",
            *_before(table),
            table.round(4).to_markdown(index=False),
            "",
        ]
    )


def _before(table: pd.DataFrame) -> list[str]:
    """The same tasks under the code before the one model of the prior studies (two models:
    the registry model's forests ordered the observed picks, a similarity-weighted GP
    consensus with shared lengthscales generated and led): ``first_trials_before.csv``,
    run at commit ba4a97b on the same registries."""
    path = ROOT / "benchmarks" / "results" / "first_trials_before.csv"
    if not path.exists():
        return []
    from scipy.stats import wilcoxon

    before = pd.read_csv(path, dtype={"task": str})
    both = before.merge(table, on=["family", "task"], suffixes=("_before", ""))
    both = both[~both["cold_start_before"] & ~both["cold_start"]]
    rows = []
    for column in ("hpx_first", "hpx_best_of_3", "hpx_best_of_5"):
        a, b = both[f"{column}_before"], both[column]
        rows.append({
            "regret": column,
            "tasks": len(both),
            "better now": int((b < a - 1e-9).sum()),
            "worse now": int((b > a + 1e-9).sum()),
            "geo. mean before": float(np.exp(np.log(a + 1e-3).mean()) - 1e-3),
            "geo. mean now": float(np.exp(np.log(b + 1e-3).mean()) - 1e-3),
            "Wilcoxon p": float(wilcoxon(a, b).pvalue),
        })  # fmt: skip
    shares = {
        family: f"{(part['hpx_first_before'] <= part['naive_first'] + 1e-9).mean():.2f} before, "
        f"{(part['hpx_first'] <= part['naive_first'] + 1e-9).mean():.2f} now"
        for family, part in both.groupby("family")
    }
    return [
        "## Against the two-model ordering (before)",
        "",
        _before.__doc__.replace("\n    ", " ").strip(),
        "",
        pd.DataFrame(rows).round(4).to_markdown(index=False),
        "",
        "First trial no worse than the naive first, share of tasks: " + json.dumps(shares),
        "",
    ]


def _rows(args: argparse.Namespace) -> Iterator[dict]:
    runs = pd.read_csv(args.out / "transfer_runs.csv", dtype={"task": str})
    for family in args.families:
        for name in dense_family(family).split()[1]:
            row = task_row(family, name, runs)
            print(f"{family:15s} {name:12s} " + str(row), flush=True)
            yield row


def main(argv: list[str] | None = None) -> int:
    return offline.main("first_trials", __doc__, _rows, report, argv, families=FAMILIES)


if __name__ == "__main__":
    raise SystemExit(main())
