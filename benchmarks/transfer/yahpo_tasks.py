"""Dense benchmark families from YAHPO Gym's surrogates: many related tasks, one model each.

``yahpo_rpart``: decision trees (R's rpart) on 114 OpenML datasets (those of rbv2_rpart's
117 that ``tasks.info.csv`` describes). A config is scored by the surrogate at the full
training size, averaged over its 10 replications (``repl`` 1-10: the folds of the
original runs), so one evaluation is one cross-validated estimate. Objective: accuracy.
Profiles are what a user knows of an OpenML dataset: rows, features, classes (from
``tasks.info.csv``) and one landmarker, a decision stump's accuracy (rpart at depth 1, as
hpxplore's own ``landmark_stump``). Every fifth task in id order is a meta-test task (23).

``yahpo_lcbench``: funnel-shaped MLPs on LCBench's 34 OpenML tasks. Objective: validation
accuracy (%) after all 52 epochs. LCBench's tasks are known only by their ids, so their
profiles are landmarks a user gets from two short runs: the validation accuracy of the
default config and of a small one-layer net after 4 epochs, and log10 of the default's
time for one epoch (a proxy for the data's size). Every third task is a meta-test task (12).

The best and worst known values are those of a 4,000-point random sample and every value
a run sees (a surrogate has no exact optimum); regrets are normalized by them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import hpxplore as hpx
from benchmarks.transfer.bench_data import bench_data
from benchmarks.transfer.dense import DenseFamily
from benchmarks.transfer.tasks import Task
from benchmarks.transfer.yahpo import scenario
from hpxplore.space import parse_space, sample_configs

__all__ = ["FAMILIES", "LCBENCH_SPACE", "RPART_SPACE", "lcbench_scores", "rpart_scores"]

RPART_SPACE = {
    "cp": hpx.Float(0.0009118819655545162, 1.0, log=True),
    "maxdepth": hpx.Int(1, 30),
    "minbucket": hpx.Int(1, 100),
    "minsplit": hpx.Int(1, 100),
    "impute": hpx.Choice(["impute.mean", "impute.median", "impute.hist"]),
}
LCBENCH_SPACE = {
    "batch_size": hpx.Int(16, 512, log=True),
    "learning_rate": hpx.Float(1e-4, 0.1, log=True),
    "max_dropout": hpx.Float(0.0, 1.0),
    "max_units": hpx.Int(64, 1024, log=True),
    "momentum": hpx.Float(0.1, 0.99),
    "num_layers": hpx.Int(1, 5),
    "weight_decay": hpx.Float(1e-5, 0.1),
}
LCBENCH_EPOCHS = 52
_LCBENCH_DEFAULT = {
    "batch_size": 91, "learning_rate": 0.0031622777, "max_dropout": 0.5, "max_units": 256,
    "momentum": 0.545, "num_layers": 3, "weight_decay": 0.050005,
}  # fmt: skip
_LCBENCH_SMALL = {**_LCBENCH_DEFAULT, "num_layers": 1, "max_units": 64, "max_dropout": 0.0}
_REPLICATIONS = 10
_SAMPLE = 4000


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


def lcbench_tasks() -> list[str]:
    """LCBench's OpenML task ids, in numeric order."""
    return sorted(scenario("lcbench").tasks, key=int)


def rpart_scores(task: str, configs: list[dict[str, Any]]) -> pd.DataFrame:
    """The surrogate's metrics of each config, averaged over the 10 replications."""
    frame = pd.DataFrame(configs).rename(columns={"impute": "num.impute.selected.cpo"})
    frame = frame.assign(trainsize=1.0, task_id=task)
    rows = pd.concat([frame.assign(repl=r) for r in range(1, _REPLICATIONS + 1)])
    out = scenario("rbv2_rpart").predict(rows.reset_index(drop=True))
    return out.groupby(np.tile(np.arange(len(frame)), _REPLICATIONS)).mean()


def lcbench_scores(
    task: str, configs: list[dict[str, Any]], epoch: int = LCBENCH_EPOCHS
) -> pd.DataFrame:
    """The surrogate's metrics of each config after ``epoch`` epochs."""
    frame = pd.DataFrame(configs).assign(epoch=epoch, OpenML_task_id=task)
    return scenario("lcbench").predict(frame.reset_index(drop=True))


_SCORERS: dict[str, tuple[Callable[..., pd.DataFrame], dict[str, Any]]] = {
    "rpart": (rpart_scores, RPART_SPACE),
    "lcbench": (lcbench_scores, LCBENCH_SPACE),
}


@functools.cache
def _sample_range(model: str, task: str, metric: str) -> tuple[float, float]:
    """(best, worst) of a maximized metric over a seeded random sample of the space."""
    scores, space = _SCORERS[model]
    values = scores(task, sample_configs(parse_space(space), _SAMPLE, seed=7))[metric]
    return float(values.max()), float(values.min())


def rpart_task(task: str) -> Task:
    """One rbv2_rpart dataset as a benchmark task (accuracy, one objective)."""
    best, worst = _sample_range("rpart", task, "acc")
    stump = {"cp": 0.01, "maxdepth": 1, "minbucket": 1, "minsplit": 20, "impute": "impute.mean"}
    facts = {**_facts()[task], "landmark_stump": float(rpart_scores(task, [stump])["acc"][0])}
    profile = hpx.TaskProfile.from_meta_features(f"openml-{task}", facts, tags={"model": "rpart"})

    def evaluate(config: dict[str, Any]) -> dict[str, float]:
        scores = rpart_scores(task, [config]).iloc[0]
        return {m: float(scores[m]) for m in ("acc", "timepredict", "memory")}

    objectives = {"acc": "maximize"}
    return Task("yahpo_rpart", task, dict(RPART_SPACE), objectives, evaluate, profile, best, worst)


def lcbench_task(task: str) -> Task:
    """One LCBench task as a benchmark task (validation accuracy after 52 epochs)."""
    best, worst = _sample_range("lcbench", task, "val_accuracy")
    short = lcbench_scores(task, [_LCBENCH_DEFAULT, _LCBENCH_SMALL], epoch=4)["val_accuracy"]
    one_epoch = lcbench_scores(task, [_LCBENCH_DEFAULT], epoch=1)["time"]
    facts = {
        "landmark_default_4ep": float(short.iloc[0]),
        "landmark_small_4ep": float(short.iloc[1]),
        "log10_epoch_s": float(np.log10(max(one_epoch.iloc[0], 1e-3))),
    }
    profile = hpx.TaskProfile.from_meta_features(
        f"lcbench-{task}", facts, tags={"model": "lcbench_mlp"}
    )

    def evaluate(config: dict[str, Any]) -> dict[str, float]:
        scores = lcbench_scores(task, [config]).iloc[0]
        return {"val_accuracy": float(scores["val_accuracy"]), "time": float(scores["time"])}

    objectives = {"val_accuracy": "maximize"}
    space = dict(LCBENCH_SPACE)
    return Task("yahpo_lcbench", task, space, objectives, evaluate, profile, best, worst)


FAMILIES = {
    "yahpo_rpart": DenseFamily("yahpo_rpart", "yahpo", rpart_tasks, rpart_task, test_every=5),
    "yahpo_lcbench": DenseFamily(
        "yahpo_lcbench", "yahpo", lcbench_tasks, lcbench_task, test_every=3
    ),
}
