"""A cap on a cost that spans decades (a model's size): projected in its own units.

The size grows with the width, and with its square from the second layer on, so the prior
trials run from under 1 KB to over 1 MB. Modelled raw, a forest averages the
small configs with the large ones beside them: a projection's interval reached below zero
(to -17 KB) and the space's centre, five times the cap, was given an 18 % chance to meet it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hpxplore as hpx
from hpxplore.space import parse_space, sample_configs
from hpxplore.transfer._state import TransferState

SPACE = {
    "width": hpx.Int(8, 1024, log=True),
    "depth": hpx.Int(1, 3),
    "learning_rate": hpx.Float(1e-4, 1.0, log=True),
    "dropout": hpx.Float(0.0, 0.5),
    "batch_size": hpx.Int(16, 512, log=True),
}
OBJECTIVES = {"loss": "minimize", "fit_s": "minimize"}
CAP = "size_kb <= 8"


def measure(config: dict, n_rows: float) -> dict[str, float]:
    width, depth = config["width"], config["depth"]
    size_kb = 4.0 * (20 * width + (depth - 1) * width**2) / 1000.0
    best_lr = -3.0 + np.log10(n_rows) / 3.0
    loss = (np.log10(config["learning_rate"]) - best_lr) ** 2 + 0.3 / np.log2(width)
    loss += 0.2 * config["dropout"] + 0.1 / depth
    return {"loss": loss, "fit_s": size_kb / config["batch_size"], "size_kb": size_kb}


def profile(name: str, n_rows: float) -> hpx.TaskProfile:
    return hpx.TaskProfile.from_meta_features(name, {"n_rows": n_rows}, tags={"model": "mlp"})


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> hpx.Registry:
    reg = hpx.Registry(Path(tmp_path_factory.mktemp("sizes")) / "r.db")
    for i, n_rows in enumerate(np.logspace(2, 5, 6)):
        configs = sample_configs(parse_space(SPACE), 30, seed=i)
        rows = [{**c, **measure(c, n_rows)} for c in configs]
        reg.add_study(f"t{i}", profile(f"t{i}", n_rows), SPACE, OBJECTIVES, pd.DataFrame(rows))
    return reg


def test_a_capped_size_is_projected_in_its_units_and_steers_the_seeds(registry):
    recs = hpx.recommend(
        profile("new", 3000.0), registry, SPACE, OBJECTIVES, [CAP], n=5, progress=False
    )
    for rec in recs:
        size = rec.projected["size_kb"]
        assert 0 < size["low"] <= size["mean"] <= size["high"]  # a size is never below zero
    baseline = recs[len(recs) - 1]
    assert baseline.kind == "baseline"
    true_kb = measure(baseline.config, 3000.0)["size_kb"]
    assert true_kb > 4 * 8  # the space's centre is five times the cap ...
    assert baseline.guardrails[f"constraint {CAP}"]["probability"] < 0.1  # ... and said so
    seeds = [measure(item["config"], 3000.0) for item in recs.warm_start_items()[:3]]
    assert all(s["size_kb"] <= 8 for s in seeds)
    assert [r.kind for r in recs][:3] == ["trade-off"] * 3
    # a study reloaded from the registry rebuilds the same forests, in the same units
    again = TransferState.from_json(recs.transfer.to_json(), recs.transfer.profile, registry)
    assert all(s.logged == {"size_kb"} for s in again.surrogates)
