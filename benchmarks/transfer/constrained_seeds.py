"""Whether a constrained two-objective warm start's seeds meet the constraint on the task.

On every held-out task of ``yahpo_rpart_capped_mo`` (accuracy against prediction time,
memory capped) and ``hpobench_capped_mo`` (accuracy against training time, the model's
size capped), ``recommend(n=5)``'s first 3 seeds (what ``hpx_warm`` seeds) evaluated with
no optimizer: how many meet the cap, and the share of the hypervolume of the task's sample
front they hold (``hv_1``, ``hv_3``; the reference point the worst value of the front and of
every candidate ``recommend`` chose from, a seed that breaks the cap counted at the worst
accuracy known, as the transfer benchmark counts it). ``chance``: the seeds' projected
chance of meeting the cap, as their cards show it.

    python -m benchmarks.transfer.constrained_seeds   # a few minutes; writes results/constrained_seeds.*
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.transfer import offline  # noqa: E402
from benchmarks.transfer.first_trade_offs import recommended  # noqa: E402
from benchmarks.transfer.metrics import front_2d, hypervolume  # noqa: E402
from benchmarks.transfer.tasks import all_tasks, make_task  # noqa: E402

FAMILIES = ("yahpo_rpart_capped_mo", "hpobench_capped_mo")


def task_row(family: str, name: str) -> dict | None:
    """``None`` when ``recommend`` went cold on the task."""
    task = make_task(family, name)
    directions = list(task.objectives.values())
    recs, pool, _naive = recommended(task)
    if recs.cold_start:
        return None
    seeds = list(recs)[:3]
    scores = [task.evaluate(r.config) for r in seeds]
    points = [np.asarray(task.record(s), float) for s in scores]
    every = np.vstack(
        [np.asarray(task.front, float)] + [task.record(task.evaluate(c)) for c in pool]
    )
    reference = [
        float(every[:, j].min() if d == "maximize" else every[:, j].max())
        for j, d in enumerate(directions)
    ]
    total = hypervolume(front_2d(every, directions), directions, reference)
    chances = [
        g["probability"] for r in seeds for k, g in r.guardrails.items() if "constraint" in k
    ]
    return {
        "family": family,
        "task": name,
        "constraint": task.constraints[0],
        "seeds_meeting": sum(task.feasible(s) for s in scores),
        "chance": json.dumps([round(c, 3) for c in chances]),
        "hv_1": hypervolume(np.vstack(points[:1]), directions, reference) / total,
        "hv_3": hypervolume(np.vstack(points), directions, reference) / total,
    }


def report_text(table: pd.DataFrame) -> str:
    lines = [
        f"- {family}: {len(part)} tasks; no seed meets the cap on "
        f"{int((part['seeds_meeting'] == 0).sum())}; seeds meeting it {part['seeds_meeting'].sum()}"
        f" of {3 * len(part)}; median hv_1 {part['hv_1'].median():.3f}, hv_3 "
        f"{part['hv_3'].median():.3f} (worst {part['hv_3'].min():.3f})."
        for family, part in table.groupby("family", sort=False)
    ]
    return "\n".join(
        [
            "# Constrained seeds: do the transferred trade-offs meet the cap?",
            "",
            __doc__.split("\n\n")[1].replace("\n", " "),
            "",
            *lines,
            "",
            table.round(4).to_markdown(index=False),
            "",
        ]
    )


def _rows(args: argparse.Namespace) -> Iterator[dict]:
    for family in args.families:
        for name in all_tasks(family):
            row = task_row(family, name)
            if row is not None:
                print(json.dumps(row, default=float), flush=True)
                yield row


def main(argv: list[str] | None = None) -> int:
    return offline.main("constrained_seeds", __doc__, _rows, report_text, argv, FAMILIES)


if __name__ == "__main__":
    raise SystemExit(main())
