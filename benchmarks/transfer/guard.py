"""Calibrating the negative-transfer decision: the prior studies' share of the weight.

On the dense families' held-out tasks, ``recommend`` against the related registry gives the
model of the prior studies; the decision then reads a trial sequence of the task: the
list's picks (what a warm start evaluates first), then uniform random configs, up to 15
trials. Three registries per task, the same configs and similarities:

- ``related``: the prior studies as they are (a switch-off here is a false one);
- ``misleading``: each study's scores turned upside down, as in notebook 03 (its "best"
  configs are its worst; the warm start evaluates those);
- ``shuffled``: each study's scores permuted (a prior that knows nothing).

After each trial from the 3rd, the prior studies' largest share of the weight over the
objective and the constrained metric, if any (``PriorModel.verdict``'s figure), is recorded;
the decision switches off at the first trial ``>= MIN_TRIALS_OFF`` after which the share
stayed below the threshold for the last ``streak`` trials. The report gives, per threshold
and streak, the share of related runs switched off (false) and the trials it took on the
misleading and shuffled ones. What this leaves out: a real run's later trials follow the
prior's model (they favour a related prior further); the tail here is random.

    python -m benchmarks.transfer.guard      # ~10 minutes; writes results/guard.*
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import hpxplore as hpx  # noqa: E402
from benchmarks.transfer import offline  # noqa: E402
from benchmarks.transfer.dense import family as dense_family  # noqa: E402
from benchmarks.transfer.registries import dense_registry  # noqa: E402
from hpxplore.objectives import parse_constraints  # noqa: E402
from hpxplore.space import sample_configs  # noqa: E402
from hpxplore.transfer._prior import TransferPrior  # noqa: E402
from hpxplore.transfer._prior_model import (  # noqa: E402
    MIN_TRIALS_OFF,
    PRIOR_SHARE_OFF,
    STREAK,
    PriorModel,
)

FAMILIES = ("yahpo_rpart", "yahpo_lcbench", "xgboost_tables", "yahpo_rpart_constrained")
THRESHOLDS = (0.05, 0.1, 0.3)
STREAKS = (1, 2, 3, 4)
TRIALS = 15
SEEDS = (0, 1)


def _variant(prior: TransferPrior, case: str, seed: int) -> TransferPrior:
    """The prior as it is, upside down, or with each study's scores permuted."""
    if case == "related":
        return prior
    rng = np.random.default_rng(seed)
    sources = []
    for source in prior.sources:
        scores = {
            m: (-np.asarray(s) if case == "misleading" else rng.permutation(s)).tolist()
            for m, s in source.scores.items()
        }
        sources.append(replace(source, scores=scores))
    return TransferPrior(prior.space, sources)


def _misled_picks(prior: TransferPrior, metric: str, direction: str, count: int) -> list[dict]:
    """What a warm start from the misleading prior evaluates: each similar study's 'best'."""
    sign = 1.0 if direction == "maximize" else -1.0
    picks = []
    for source in prior.sources[:count]:
        scores = sign * np.asarray(source.scores[metric])
        picks.append(source.configs[int(np.argmax(scores))])
    return picks


def task_rows(family: str, name: str) -> list[dict]:
    task = dense_family(family).make(name)
    metric, direction = task.metric, task.direction
    with tempfile.TemporaryDirectory() as folder:
        reg = dense_registry(task, Path(folder))
        recs = hpx.recommend(
            task.profile, reg, task.space, task.objectives, list(task.constraints), n=5,
            tags={"model": task.profile.tags["model"]}, progress=False,
        )  # fmt: skip
    if recs.cold_start or recs.prior_model is None:
        return []
    listed = [r.config for r in recs]
    judged = [metric, *(c.metric for c in parse_constraints(list(task.constraints)))]
    rows = []
    for case in ("related", "misleading", "shuffled"):
        model = PriorModel(_variant(recs.prior_model.prior, case, seed=7))
        for seed in SEEDS:
            head = (
                _misled_picks(model.prior, metric, direction, 4) if case == "misleading" else listed
            )
            configs = head + sample_configs(task.space, TRIALS, seed=100 + seed)
            configs = configs[:TRIALS]
            measured = [task.evaluate(c) for c in configs]
            values = {m: [float(v[m]) for v in measured] for m in judged}
            for t in range(3, TRIALS + 1):
                shares = model.shares(judged, configs[:t], values, seed=t)
                rows.append({"family": family, "task": name, "case": case, "seed": seed,
                             "trials": t, "share": max(shares.values(), default=None)})  # fmt: skip
    return rows


def decisions(table: pd.DataFrame) -> pd.DataFrame:
    """Per run, threshold and streak: the trial at which the decision switches off (NaN:
    never by the last trial)."""
    out = []
    for (family, task, case, seed), run in table.groupby(["family", "task", "case", "seed"]):
        run = run.sort_values("trials")
        for threshold in THRESHOLDS:
            below = (run["share"] < threshold).to_numpy()
            for streak in STREAKS:
                off_at = np.nan
                for i, trials in enumerate(run["trials"]):
                    if (
                        trials >= MIN_TRIALS_OFF
                        and i + 1 >= streak
                        and below[i + 1 - streak : i + 1].all()
                    ):
                        off_at = float(trials)
                        break
                out.append({"family": family, "task": task, "case": case, "seed": seed,
                            "threshold": threshold, "streak": streak, "off_at": off_at})  # fmt: skip
    return pd.DataFrame(out)


def report(table: pd.DataFrame) -> str:
    runs = decisions(table).assign(off=lambda d: d["off_at"].notna())
    chosen = runs[(runs["threshold"] == PRIOR_SHARE_OFF) & (runs["streak"] == STREAK)]
    lines = [
        "# The negative-transfer decision, calibrated",
        "",
        *[part.replace("\n", " ") for part in __doc__.split("\n\n")[1:3]],
        "",
        f"Chosen: share below {PRIOR_SHARE_OFF} for {STREAK} trials in a row, from trial "
        f"{MIN_TRIALS_OFF}. Runs per case: "
        + ", ".join(f"{c} {n}" for c, n in chosen.groupby("case").size().items()),
        "",
        "## Every rule: false switch-offs (related) and switch-offs by trial 15 (the others)",
        "",
        runs.pivot_table(
            index=["threshold", "streak"], columns="case", values="off", aggfunc="mean"
        )
        .round(3)
        .to_markdown(),
        "",
        "## The chosen rule, per family: share of runs switched off by trial 15",
        "",
        chosen.pivot_table(index="family", columns="case", values="off", aggfunc="mean")
        .round(3)
        .to_markdown(),
        "",
        f"## The chosen rule: trials to switch off ({TRIALS + 1} = not by {TRIALS})",
        "",
        chosen.groupby("case")["off_at"]
        .agg(
            switched_off=lambda s: s.notna().mean(),
            median_trials=lambda s: s.fillna(TRIALS + 1).median(),
            p90_trials=lambda s: s.fillna(TRIALS + 1).quantile(0.9),
            max_trials=lambda s: s.fillna(TRIALS + 1).max(),
        )
        .round(3)
        .to_markdown(),
        "",
        "## The prior studies' median share of the weight, by trials",
        "",
        table[table["trials"].isin([5, 10, 15])]
        .pivot_table(index="case", columns="trials", values="share", aggfunc="median")
        .round(3)
        .to_markdown(),
        "",
    ]
    return "\n".join(lines)


def _rows(args: argparse.Namespace) -> Iterator[dict]:
    for family in args.families:
        for name in dense_family(family).split()[1]:
            rows = task_rows(family, name)
            print(f"{family:24s} {name:12s} {len(rows)} rows", flush=True)
            yield from rows


def main(argv: list[str] | None = None) -> int:
    return offline.main("guard", __doc__, _rows, report, argv, families=FAMILIES)


if __name__ == "__main__":
    raise SystemExit(main())
