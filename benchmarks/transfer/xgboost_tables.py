"""Real XGBoost evaluations of Salinas et al. (ICML 2020): 10 LIBSVM tasks x 5,000 configs.

A table benchmark: every task holds 5,000 random configurations (different ones per task)
with their measured error, nothing in between. A proposal is answered by the nearest
evaluated configuration of that task (distance in the unit cube of the 8 hyperparameters),
as such tables are usually used; every report of these results says so. The ``log2_``
hyperparameters are stored in log2 units already, so the space is linear in them.

As a benchmark family (``xgboost_tables``), leave one out: each task is tuned against the
prior studies of the other nine. Objective: the error (minimized); best and worst known
are exact (the table's). Profiles: the datasets' public sizes (LIBSVM / UCI pages) and one
landmark, the error of the evaluated config nearest to the centre of the space.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

import hpxplore as hpx
from benchmarks.transfer.bench_data import bench_data
from benchmarks.transfer.dense import DenseFamily
from benchmarks.transfer.tasks import Task

__all__ = ["FAMILY", "PARAMS", "XGBoostTables", "xgboost_tables", "xgboost_task"]

PARAMS = (
    "log2_min_child_weight",
    "subsample",
    "colsample_bytree",
    "log2_gamma",
    "log2_lambda",
    "eta",
    "max_depth_index",
    "log2_alpha",
)


@dataclass(frozen=True)
class XGBoostTables:
    frame: pd.DataFrame  # task, the 8 hyperparameters (without the hp_ prefix), metric_error
    low: np.ndarray
    high: np.ndarray

    @property
    def tasks(self) -> list[str]:
        return list(dict.fromkeys(self.frame["task"]))

    @property
    def space(self) -> dict[str, Any]:
        """The hyperparameters' ranges as the table spans them."""
        out: dict[str, Any] = {}
        for name, low, high in zip(PARAMS, self.low, self.high, strict=True):
            if name == "max_depth_index":
                out[name] = hpx.Int(int(low), int(high))
            else:
                out[name] = hpx.Float(float(low), float(high))
        return out

    def rows(self, task: str) -> pd.DataFrame:
        rows = self.frame[self.frame["task"] == task]
        if rows.empty:
            raise KeyError(f"No XGBoost task {task!r}; the tables hold {self.tasks}.")
        return rows.reset_index(drop=True)

    @functools.cached_property
    def _trees(self) -> dict[str, cKDTree]:
        return {task: cKDTree(self._unit(self.rows(task))) for task in self.tasks}

    def _unit(self, configs: pd.DataFrame) -> np.ndarray:
        values = configs[list(PARAMS)].to_numpy(dtype=float)
        return (values - self.low) / np.where(self.high > self.low, self.high - self.low, 1.0)

    def nearest(self, task: str, configs: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
        """The evaluated rows of ``task`` nearest to ``configs`` (one per config)."""
        _, index = self._trees[task].query(self._unit(pd.DataFrame(list(configs))))
        return self.rows(task).iloc[np.atleast_1d(index)].reset_index(drop=True)

    def error(self, task: str, config: Mapping[str, Any]) -> float:
        """The measured error of the evaluated configuration nearest to ``config``."""
        return float(self.nearest(task, [config])["metric_error"].iloc[0])


@functools.cache
def xgboost_tables() -> XGBoostTables:
    """The 50,000 evaluations, read once per process from the benchmark data folder."""
    frame = pd.read_csv(bench_data("quantile-transfer") / "XGBoost.csv.zip")
    frame = frame.rename(columns={f"hp_{p}": p for p in PARAMS})[["task", *PARAMS, "metric_error"]]
    values = frame[list(PARAMS)].to_numpy(dtype=float)
    return XGBoostTables(frame, values.min(axis=0), values.max(axis=0))


# Public dataset facts (LIBSVM / UCI pages): rows, features; every task is binary.
FACTS = {
    "a6a": (11220, 123), "australian": (690, 14), "german.numer": (1000, 24),
    "heart": (270, 13), "ijcnn1": (49990, 22), "madelon": (2000, 500),
    "skin_nonskin": (245057, 3), "spambase": (4601, 57), "svmguide1": (3089, 4),
    "w6a": (17188, 300),
}  # fmt: skip


def xgboost_task(task: str) -> Task:
    """One XGBoost table as a benchmark task (error, minimized; exact best and worst)."""
    tables = xgboost_tables()
    errors = tables.rows(task)["metric_error"]
    centre = {p: (lo + hi) / 2 for p, lo, hi in zip(PARAMS, tables.low, tables.high, strict=True)}
    rows, features = FACTS[task]
    facts = {
        "n_rows": float(rows),
        "n_features": float(features),
        "n_classes": 2.0,
        "landmark_centre_error": tables.error(task, centre),
    }
    profile = hpx.TaskProfile.from_meta_features(task, facts, tags={"model": "xgboost"})

    def evaluate(config: dict[str, Any]) -> dict[str, float]:
        return {"error_rate": tables.error(task, config)}

    best, worst = float(errors.min()), float(errors.max())
    objectives = {"error_rate": "minimize"}
    return Task("xgboost_tables", task, tables.space, objectives, evaluate, profile, best, worst)


FAMILY = DenseFamily(
    "xgboost_tables", "quantile-transfer", lambda: sorted(FACTS), xgboost_task, test_every=None
)
