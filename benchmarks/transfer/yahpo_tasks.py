"""Dense benchmark families from YAHPO Gym's surrogates: many related tasks, one model each.

``yahpo_rpart``: decision trees (R's rpart) on 114 OpenML datasets (those of rbv2_rpart's
117 that ``tasks.info.csv`` describes). A config is scored by the surrogate at the full
training size, averaged over its 10 replications (``repl`` 1-10: the folds of the
original runs), so one evaluation is one cross-validated estimate. Objective: accuracy.
The best and worst known values are those of a 4,000-point random sample and every
value a run sees (a surrogate has no exact optimum); regrets are normalized by them.

Task profiles are what a user knows of an OpenML dataset: rows, features, classes (from
``tasks.info.csv``) and one landmarker, a decision stump's accuracy (rpart at depth 1, as
hpxplore's own ``landmark_stump``), read off the same surrogate.

The split into meta-train and meta-test is fixed: every fifth task in id order is a test
task (23 of 114); the prior studies come from the meta-train tasks only.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pandas as pd

import hpxplore as hpx
from benchmarks.transfer.bench_data import bench_data
from benchmarks.transfer.tasks import Task
from benchmarks.transfer.yahpo import scenario
from hpxplore.space import parse_space, sample_configs

__all__ = ["RPART_SPACE", "rpart_split", "rpart_task"]

RPART_SPACE = {
    "cp": hpx.Float(0.0009118819655545162, 1.0, log=True),
    "maxdepth": hpx.Int(1, 30),
    "minbucket": hpx.Int(1, 100),
    "minsplit": hpx.Int(1, 100),
    "impute": hpx.Choice(["impute.mean", "impute.median", "impute.hist"]),
}
_REPLICATIONS = 10
_SAMPLE = 4000
_TEST_EVERY = 5


@functools.cache
def _facts() -> dict[str, dict[str, float]]:
    """OpenML facts of rbv2's datasets, by data id (the surrogate's task id)."""
    info = pd.read_csv(bench_data("yahpo") / "tasks.info.csv", index_col=0)
    return {
        str(int(row["data.id"])): {
            "n_rows": float(row["number.of.instances"]),
            "n_features": float(row["number.of.features"]),
            "n_classes": float(row["number.of.classes"]),
        }
        for _, row in info.iterrows()
    }


def rpart_tasks() -> list[str]:
    """rbv2_rpart's task ids that tasks.info.csv describes, in numeric order."""
    facts = _facts()
    return sorted((t for t in scenario("rbv2_rpart").tasks if t in facts), key=int)


def rpart_split() -> tuple[list[str], list[str]]:
    """(meta-train, meta-test) task ids: every fifth task is a test task."""
    tasks = rpart_tasks()
    test = tasks[::_TEST_EVERY]
    return [t for t in tasks if t not in test], test


def rpart_scores(task: str, configs: list[dict[str, Any]]) -> pd.DataFrame:
    """The surrogate's metrics of each config, averaged over the 10 replications."""
    frame = pd.DataFrame(configs).rename(columns={"impute": "num.impute.selected.cpo"})
    frame = frame.assign(trainsize=1.0, task_id=task)
    rows = pd.concat([frame.assign(repl=r) for r in range(1, _REPLICATIONS + 1)])
    out = scenario("rbv2_rpart").predict(rows.reset_index(drop=True))
    return out.groupby(np.tile(np.arange(len(frame)), _REPLICATIONS)).mean()


@functools.cache
def _sample_range(task: str, metric: str) -> tuple[float, float]:
    """(best, worst) accuracy over a seeded random sample of the space."""
    configs = sample_configs(parse_space(RPART_SPACE), _SAMPLE, seed=7)
    values = rpart_scores(task, configs)[metric]
    return float(values.max()), float(values.min())


def _profile(task: str) -> hpx.TaskProfile:
    stump = {"cp": 0.01, "maxdepth": 1, "minbucket": 1, "minsplit": 20, "impute": "impute.mean"}
    facts = {**_facts()[task], "landmark_stump": float(rpart_scores(task, [stump])["acc"][0])}
    return hpx.TaskProfile.from_meta_features(f"openml-{task}", facts, tags={"model": "rpart"})


def rpart_task(task: str) -> Task:
    """One rbv2_rpart dataset as a benchmark task (accuracy, one objective)."""
    best, worst = _sample_range(task, "acc")

    def evaluate(config: dict[str, Any]) -> dict[str, float]:
        scores = rpart_scores(task, [config]).iloc[0]
        return {m: float(scores[m]) for m in ("acc", "timepredict", "memory")}

    return Task(
        "yahpo_rpart", task, dict(RPART_SPACE), {"acc": "maximize"}, evaluate, _profile(task),
        best, worst,
    )  # fmt: skip
