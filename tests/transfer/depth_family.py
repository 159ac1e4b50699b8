"""A synthetic family for the transfer tests: loss against fit time, set by the tree depth.

The loss wants deep trees and a learning rate that moves with the task's size, while the
fit time grows with the depth: the most accurate configs are the slowest.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import hpxplore as hpx
from hpxplore.space import parse_space, sample_configs

SPACE = {"learning_rate": hpx.Float(1e-3, 1.0, log=True), "depth": hpx.Int(2, 12)}
BOTH = {"loss": "minimize", "fit_s": "minimize"}


def measure(config: dict, n_rows: float) -> dict[str, float]:
    best_log_lr = -3.0 + 3.0 * (np.log10(n_rows) - 2.0) / 3.0
    gap = np.log10(config["learning_rate"]) - best_log_lr
    depth = config["depth"]
    return {"loss": gap**2 + 0.02 * (depth - 10) ** 2, "fit_s": 0.05 * 2 ** (depth / 2)}


def profile(name: str, n_rows: float) -> hpx.TaskProfile:
    return hpx.TaskProfile.from_meta_features(name, {"n_rows": n_rows}, tags={"model": "gbm"})


def family_registry(path: Path) -> hpx.Registry:
    """Six prior tasks from 100 to 100,000 rows, each a 30-trial random design."""
    reg = hpx.Registry(path)
    for i, n_rows in enumerate(np.logspace(2, 5, 6)):
        configs = sample_configs(parse_space(SPACE), 30, seed=i)
        rows = [{**c, **measure(c, n_rows)} for c in configs]
        reg.add_study(f"t{i}", profile(f"t{i}", n_rows), SPACE, BOTH, pd.DataFrame(rows))
    return reg
