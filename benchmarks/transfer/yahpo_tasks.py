"""Dense benchmark families from YAHPO Gym's surrogates: many related tasks, one model each.

``yahpo_rpart``: decision trees (R's rpart) on 114 OpenML datasets (those of rbv2_rpart's
117 that ``tasks.info.csv`` describes). A config is scored by the surrogate at the full
training size, averaged over its 10 replications (``repl`` 1-10: the folds of the
original runs), so one evaluation is one cross-validated estimate. Objective: accuracy.
Profiles are what a user knows of an OpenML dataset: rows, features, classes (from
``tasks.info.csv``) and one landmarker, a decision stump's accuracy (rpart at depth 1, as
hpxplore's own ``landmark_stump``). Every fifth task in id order is a meta-test task (23).

``yahpo_rpart_mo``: the same tasks with two objectives: accuracy up, log10 of the
prediction time (s) down. The reference front is the non-dominated set of the same
4,000-point sample, widened by every point a run sees.

``yahpo_rpart_capped_mo``: the two objectives of ``yahpo_rpart_mo`` with the memory cap of
``yahpo_rpart_constrained``; a trial that breaks it counts as the worst known accuracy, and
the reference front is the sample's feasible one. Its priors are ``yahpo_rpart_mo``'s
(studies tuned without the cap that recorded the memory).

``yahpo_rpart_constrained``: accuracy up, subject to ``memory <= cap`` with the cap at the
lower quartile of the sample's memory (per task): three in four random configs break it. A
trial that breaks it counts as the worst known accuracy; the best known is the sample's
best feasible one.

``yahpo_lcbench``: funnel-shaped MLPs on LCBench's 34 OpenML tasks. Objective: validation
accuracy (%) after all 52 epochs. LCBench's tasks are known only by their ids, so their
profiles are landmarks a user gets from two short runs: the validation accuracy of the
default config and of a small one-layer net after 4 epochs, and log10 of the default's
time for one epoch (a proxy for the data's size). Every third task is a meta-test task (12).

``yahpo_lcbench_mo``: the same tasks with two objectives: accuracy up, training time (s)
down, the reference front the sample's. Its priors are ``yahpo_lcbench``'s: studies tuned
for accuracy alone that recorded the time, as a team's earlier studies would.

``yahpo_lcbench_es``: the same tasks, priors and objective with the epochs as a fidelity:
a trial reports its validation accuracy after every epoch, the Ax arms stop poor curves
early (Ax's percentile rule) and Optuna's prune them (its median rule), and a run's budget
is 30 full trainings' worth of epochs; random search trains every config in full.

The best and worst known values are those of a 4,000-point random sample and every value
a run sees (a surrogate has no exact optimum); regrets are normalized by them.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import hpxplore as hpx
from benchmarks.transfer.bench_data import bench_data
from benchmarks.transfer.dense import DenseFamily
from benchmarks.transfer.metrics import front_2d
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
MEMORY_QUANTILE = 0.25
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
def _sample(model: str, task: str) -> pd.DataFrame:
    """The surrogate's metrics over a seeded 4,000-point random sample of the space."""
    scores, space = _SCORERS[model]
    return scores(task, sample_configs(parse_space(space), _SAMPLE, seed=7))


def _sample_range(model: str, task: str, metric: str) -> tuple[float, float]:
    """(best, worst) of a maximized metric over the sample."""
    values = _sample(model, task)[metric]
    return float(values.max()), float(values.min())


def _rpart_profile(task: str) -> hpx.TaskProfile:
    stump = {"cp": 0.01, "maxdepth": 1, "minbucket": 1, "minsplit": 20, "impute": "impute.mean"}
    facts = {**_facts()[task], "landmark_stump": float(rpart_scores(task, [stump])["acc"][0])}
    return hpx.TaskProfile.from_meta_features(f"openml-{task}", facts, tags={"model": "rpart"})


def _rpart_evaluate(task: str) -> Callable[[dict[str, Any]], dict[str, float]]:
    def evaluate(config: dict[str, Any]) -> dict[str, float]:
        scores = rpart_scores(task, [config]).iloc[0]
        time = float(scores["timepredict"])
        return {
            "acc": float(scores["acc"]),
            "timepredict": time,
            "log10_timepredict": float(np.log10(max(time, 1e-6))),
            "memory": float(scores["memory"]),
        }

    return evaluate


def rpart_task(task: str) -> Task:
    """One rbv2_rpart dataset as a benchmark task (accuracy, one objective)."""
    best, worst = _sample_range("rpart", task, "acc")
    objectives = {"acc": "maximize"}
    return Task(
        "yahpo_rpart", task, dict(RPART_SPACE), objectives, _rpart_evaluate(task),
        _rpart_profile(task), best, worst,
    )  # fmt: skip


def _sample_front(task: str, directions: tuple[str, ...]) -> list[list[float]]:
    """The non-dominated (acc, log10 timepredict) points of the sample."""
    scores = _sample("rpart", task)
    points = np.column_stack([scores["acc"], np.log10(np.maximum(scores["timepredict"], 1e-6))])
    return front_2d(points, directions).tolist()


def rpart_mo_task(task: str) -> Task:
    """One rbv2_rpart dataset with two objectives: accuracy up, log10 prediction time down."""
    best, worst = _sample_range("rpart", task, "acc")
    objectives = {"acc": "maximize", "log10_timepredict": "minimize"}
    front = _sample_front(task, tuple(objectives.values()))
    return Task(
        "yahpo_rpart_mo", task, dict(RPART_SPACE), objectives, _rpart_evaluate(task),
        _rpart_profile(task), best, worst, front,
    )  # fmt: skip


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


def rpart_capped_mo_task(task: str) -> Task:
    """``rpart_mo_task`` with ``rpart_constrained_task``'s memory cap."""
    sample, capped = _sample("rpart", task), rpart_constrained_task(task)
    cap = float(capped.constraints[0].rsplit(" ", 1)[1])
    ok = sample[sample["memory"] <= cap]
    points = np.column_stack([ok["acc"], np.log10(np.maximum(ok["timepredict"], 1e-6))])
    plain = rpart_mo_task(task)
    return dataclasses.replace(
        plain,
        family="yahpo_rpart_capped_mo",
        constraints=capped.constraints,
        worst=capped.worst,
        front=front_2d(points, list(plain.objectives.values())).tolist(),
    )


def lcbench_mo_task(task: str) -> Task:
    """An LCBench task with two objectives: validation accuracy up, training time down."""
    sample, plain = _sample("lcbench", task), lcbench_task(task)
    objectives = {"val_accuracy": "maximize", "time": "minimize"}
    points = sample[list(objectives)].to_numpy(float)
    front = front_2d(points, list(objectives.values())).tolist()
    return dataclasses.replace(plain, family="yahpo_lcbench_mo", objectives=objectives, front=front)


def rpart_constrained_task(task: str) -> Task:
    """One rbv2_rpart dataset, accuracy up, with the model's memory capped at the sample's
    lower quartile: three in four random configs break it."""
    sample = _sample("rpart", task)
    cap = round(float(sample["memory"].quantile(MEMORY_QUANTILE)), 1)
    feasible = sample["memory"] <= cap
    best, worst = float(sample.loc[feasible, "acc"].max()), float(sample["acc"].min())
    return Task(
        "yahpo_rpart_constrained", task, dict(RPART_SPACE), {"acc": "maximize"},
        _rpart_evaluate(task), _rpart_profile(task), best, worst,
        constraints=(f"memory <= {cap}",),
    )  # fmt: skip


def lcbench_es_task(task: str) -> Task:
    """An LCBench task whose evaluate reports the validation accuracy after every epoch."""
    plain = lcbench_task(task)

    def evaluate(config: dict[str, Any], report: Callable[..., Any] | None = None):
        rows = [{**config, "epoch": e} for e in range(1, LCBENCH_EPOCHS + 1)]
        curve = scenario("lcbench").predict(pd.DataFrame(rows).assign(OpenML_task_id=task))
        for epoch, value in enumerate(curve["val_accuracy"], start=1):
            if report is not None:  # may raise to stop the trial here
                report(epoch, {"val_accuracy": float(value), "epochs": float(epoch)})
        last = curve.iloc[-1]
        return {
            "val_accuracy": float(last["val_accuracy"]),
            "time": float(last["time"]),
            "epochs": float(LCBENCH_EPOCHS),
        }

    return dataclasses.replace(
        plain, family="yahpo_lcbench_es", evaluate=evaluate, epochs=LCBENCH_EPOCHS
    )


FAMILIES = {
    "yahpo_rpart": DenseFamily("yahpo_rpart", "yahpo", rpart_tasks, rpart_task, test_every=5),
    "yahpo_rpart_mo": DenseFamily(
        "yahpo_rpart_mo", "yahpo", rpart_tasks, rpart_mo_task, test_every=5
    ),
    "yahpo_rpart_constrained": DenseFamily(
        "yahpo_rpart_constrained", "yahpo", rpart_tasks, rpart_constrained_task, test_every=5
    ),
    "yahpo_rpart_capped_mo": DenseFamily(
        "yahpo_rpart_capped_mo",
        "yahpo",
        rpart_tasks,
        rpart_capped_mo_task,
        test_every=5,
        priors="yahpo_rpart_mo",
    ),
    "yahpo_lcbench": DenseFamily(
        "yahpo_lcbench", "yahpo", lcbench_tasks, lcbench_task, test_every=3
    ),
    "yahpo_lcbench_mo": DenseFamily(
        "yahpo_lcbench_mo",
        "yahpo",
        lcbench_tasks,
        lcbench_mo_task,
        test_every=3,
        priors="yahpo_lcbench",
    ),
    "yahpo_lcbench_es": DenseFamily(
        "yahpo_lcbench_es",
        "yahpo",
        lcbench_tasks,
        lcbench_es_task,
        test_every=3,
        priors="yahpo_lcbench",
    ),
}
