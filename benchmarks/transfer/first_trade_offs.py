"""The configs a two-objective warm start seeds, evaluated with no optimizer.

On the two-objective families' held-out tasks (the runs in ``transfer_runs.csv``),
``recommend``'s list as ``hpx_warm`` seeds it (``n=5``), against the naive warm start (the
3 nearest tasks' best configs): the hypervolume the first 1, 3 and 5 seeds hold, as a
share of the best known (``hv_1`` ...; the report's front and reference). ``pool_best_3``:
the most any 3 of ``recommend``'s candidates (observed and generated) hold, found greedily
with the task's true values, what a perfect choice from the same candidates would seed.

    python -m benchmarks.transfer.first_trade_offs   # a few minutes; writes results/first_trade_offs.*
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
from benchmarks.transfer import offline, report  # noqa: E402
from benchmarks.transfer.__main__ import _registry  # noqa: E402
from benchmarks.transfer.methods import naive_neighbours  # noqa: E402
from benchmarks.transfer.tasks import make_task  # noqa: E402
from hpxplore.transfer import _recommend  # noqa: E402

BEFORE = "first_trade_offs_before.csv"  # the same measure at commit 108e153 (see _before)


def task_row(family: str, name: str, runs: pd.DataFrame) -> dict:
    make_curve, _ = report._curve_maker(runs)
    task = make_task(family, name)
    recs, pool, naive = recommended(task)

    def held(configs) -> np.ndarray:
        """The share of the best known hypervolume after each config."""
        return 1.0 - make_curve([task.record(task.evaluate(c)) for c in configs])

    seeded = held([item["config"] for item in recs.warm_start_items()])
    naive_held = held(naive)
    return {
        "family": family,
        "task": name,
        "kinds": " ".join(item["recommendation_kind"] for item in recs.warm_start_items()),
        "hv_1": seeded[0],
        "hv_3": seeded[min(2, len(seeded) - 1)],
        "hv_5": seeded[-1],
        "naive_1": naive_held[0],
        "naive_3": naive_held[min(2, len(naive_held) - 1)],
        "pool": len(pool),
        "pool_best_3": _best_set([task.record(task.evaluate(c)) for c in pool], make_curve, 3),
    }


def recommended(task) -> tuple[hpx.Recommendations, list[dict], list[dict]]:
    """What ``hpx_warm`` is given on ``task`` (``recommend(n=5)`` on its registry), every
    candidate it chose from, and the naive warm start's configs on the same registry."""
    options = dict(tags={"model": task.profile.tags["model"]}, seed=0)
    with tempfile.TemporaryDirectory() as folder:
        reg = _registry(task, "related", Path(folder))
        recs = hpx.recommend(
            task.profile, reg, task.space, task.objectives, list(task.constraints), n=5,
            progress=False, **options,
        )  # fmt: skip
        return recs, _candidates(task, reg, options), naive_neighbours(task, reg)


def _candidates(task, reg, options: dict) -> list[dict]:
    """Every candidate ``recommend`` chose its picks from (observed and generated)."""
    request = _recommend._request(
        task.profile, reg, task.space, task.objectives, list(task.constraints), n=5, k=5,
        baseline=None, max_deviation=None, budget=None, narrow_min_similarity=0.6, **options,
    )  # fmt: skip
    found = _recommend._find(request, reg)
    model = _recommend._prior_model(request, reg, found)
    pooled = _recommend._pool(request, found, model)
    pooled += _recommend._generated(request, found, model, pooled)
    return [c.config for c in pooled]


def _best_set(values: list, make_curve, size: int) -> float:
    """The share of the best known hypervolume the best ``size`` of ``values`` hold (greedy)."""
    chosen: list = []
    for _ in range(size):
        gains = [1.0 - make_curve([*chosen, v])[-1] for v in values]
        chosen.append(values[int(np.argmax(gains))])
    return float(1.0 - make_curve(chosen)[-1])


def report_text(table: pd.DataFrame) -> str:
    columns = ["hv_1", "hv_3", "hv_5", "naive_1", "naive_3", "pool_best_3"]
    stats = table.groupby("family")[columns].agg(["median", "min"]).round(3)
    return "\n".join(
        [
            "# First trade-offs: what a two-objective warm start seeds, no optimizer",
            "",
            __doc__.split("\n\n")[1].replace("\n", " "),
            "",
            stats.to_markdown(),
            "",
            *_before(table),
            table.round(4).to_markdown(index=False),
            "",
        ]
    )


def _before(table: pd.DataFrame) -> list[str]:
    """The same measure at commit 108e153, where the first pick was the best observed one
    on the first objective (``first_trade_offs_before.csv``)."""
    path = ROOT / "benchmarks" / "results" / BEFORE
    if not path.exists():
        return []
    before = pd.read_csv(path, dtype={"task": str})
    both = before.merge(table, on=["family", "task"], suffixes=("_before", ""))
    rows = [
        {
            "family": family,
            "tasks": len(part),
            **{
                f"{c} before → now (median)": f"{part[c + '_before'].median():.3f} → "
                f"{part[c].median():.3f}"
                for c in ("hv_1", "hv_3", "hv_5")
            },
            "first seed better / worse": f"{(part['hv_1'] > part['hv_1_before'] + 1e-9).sum()}"
            f" / {(part['hv_1'] < part['hv_1_before'] - 1e-9).sum()}",
        }
        for family, part in both.groupby("family")
    ]
    return [
        "## Against the first pick on the first objective (before)",
        "",
        _before.__doc__.replace("\n    ", " ").strip(),
        "",
        pd.DataFrame(rows).to_markdown(index=False),
        "",
    ]


def _rows(args: argparse.Namespace) -> Iterator[dict]:
    runs = report.with_borrowed(pd.read_csv(args.out / "transfer_runs.csv", dtype={"task": str}))
    # the families themselves: not their variants (a smaller or unrelated registry)
    label = runs["family"]
    runs = runs[
        runs["front"].notna()
        & ~label.str.contains(r"\(")
        & (label == label.map(report.base_family))
    ]
    for (family, name), group in runs.groupby(["family", "task"]):
        row = task_row(family, name, group)
        print(f"{family:22s} {name:18s} " + json.dumps(row, default=float), flush=True)
        yield row


def main(argv: list[str] | None = None) -> int:
    return offline.main("first_trade_offs", __doc__, _rows, report_text, argv)


if __name__ == "__main__":
    raise SystemExit(main())
