"""The registry model: one forest over every comparable study, conditioned on task facts.

A family of tasks whose best learning rate moves with the number of rows (as it does for
boosted trees: small data wants slow learning), and a meta-feature that is pure noise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hpxplore as hpx
from hpxplore.space import parse_space, sample_configs
from hpxplore.transfer._registry_model import MIN_STUDIES, RegistryModel

SPACE = {"learning_rate": hpx.Float(1e-3, 1.0, log=True), "depth": hpx.Int(2, 12)}
OBJECTIVES = {"loss": "minimize"}


def best_log_lr(n_rows: float) -> float:
    return -3.0 + 3.0 * (np.log10(n_rows) - 2.0) / 3.0  # 100 rows: 1e-3 ... 100k rows: 1


def loss(config: dict, n_rows: float, scale: float) -> float:
    gap = np.log10(config["learning_rate"]) - best_log_lr(n_rows)
    return scale * (gap**2 + 0.01 * (config["depth"] - 6) ** 2)


def profile(name: str, n_rows: float, noise: float) -> hpx.TaskProfile:
    return hpx.TaskProfile.from_meta_features(
        name, {"n_rows": n_rows, "mean_abs_corr": noise}, tags={"model": "gbm"}
    )


@pytest.fixture(scope="module")
def studies(tmp_path_factory):
    """Eight prior studies, 25 random trials each, metrics on different scales."""
    reg = hpx.Registry(tmp_path_factory.mktemp("reg") / "r.db")
    rng = np.random.default_rng(0)
    for i, n_rows in enumerate(np.logspace(2, 5, 8)):
        configs = sample_configs(parse_space(SPACE), 25, seed=i)
        scale = 10.0 ** rng.uniform(-2, 2)  # pooled by rank, so the scale must not matter
        rows = [{**c, "loss": loss(c, n_rows, scale)} for c in configs]
        reg.add_study(
            f"t{i}", profile(f"t{i}", n_rows, rng.uniform()), SPACE, OBJECTIVES, pd.DataFrame(rows)
        )
    return reg


def fit(reg, query):
    records = [reg.record(name) for name in reg.names()]
    return RegistryModel.fit(records, query, parse_space(SPACE), "loss", "minimize")


def test_it_moves_the_best_config_with_the_task_fact_that_matters(studies):
    grid = [{"learning_rate": float(lr), "depth": 6} for lr in np.logspace(-3, 0, 31)]
    best = {}
    for n_rows in (300.0, 30_000.0):
        query = profile("new", n_rows, 0.5)
        model = fit(studies, query)
        predicted = model.predict(grid, query)
        best[n_rows] = np.log10(grid[int(np.argmax(predicted))]["learning_rate"])
    # one pooled optimum (what ignoring the task facts gives) would not move at all
    assert best[30_000.0] - best[300.0] > 0.8
    for n_rows, other in ((300.0, 30_000.0), (30_000.0, 300.0)):
        assert abs(best[n_rows] - best_log_lr(n_rows)) < abs(best[n_rows] - best_log_lr(other))
    assert model.n_trials == 8 * 25 and sorted(model.studies) == [f"t{i}" for i in range(8)]


def test_its_importances_say_which_fact_matters_and_give_noise_about_nothing(studies):
    model = fit(studies, profile("new", 3000.0, 0.5))
    importances = model.importances()
    assert list(importances) == ["n_rows", "mean_abs_corr"]  # the fact that matters first
    # held-out permutation: the noise fact, with as many distinct values as n_rows, gets
    # about nothing (a forest's impurity importance gives it half of n_rows' share here)
    assert importances["n_rows"] > 0.01
    assert abs(importances["mean_abs_corr"]) < 0.2 * importances["n_rows"]
    assert importances == model.importances()  # the same answer when asked again


def test_too_few_studies_give_no_model(studies):
    records = [studies.record(f"t{i}") for i in range(MIN_STUDIES - 1)]
    query = profile("new", 1000.0, 0.5)
    assert RegistryModel.fit(records, query, parse_space(SPACE), "loss", "minimize") is None


def test_recommendations_carry_the_registry_quantile_and_say_so(studies):
    query = profile("new", 3000.0, 0.5)
    recs = hpx.recommend(query, studies, SPACE, OBJECTIVES, n=6, tags={"model": "gbm"})
    assert recs.registry_model is not None and len(recs.registry_model.studies) == 8
    transferred = [r for r in recs if r.kind != "baseline"]
    assert all(0.0 <= r.registry_quantile <= 1.0 for r in transferred)
    conservative = [r for r in transferred if r.kind == "conservative"]
    others = [r for r in transferred if r.kind in ("aggressive", "exploratory")]
    assert min(r.registry_quantile for r in conservative) >= max(
        r.registry_quantile for r in others
    )
    assert "registry model (8 studies)" in conservative[0].rationale
    assert recs.table["registry_quantile"].notna().all()  # the baseline's too, for comparison
    # stored with the batch, so a reloaded list says the same, its registry model too
    recs.save()
    again = hpx.Recommendations.load(studies, query)
    assert again.registry_model.studies == recs.registry_model.studies
    assert [r.registry_quantile for r in again] == [r.registry_quantile for r in recs]


def test_it_picks_among_every_comparable_study_not_only_the_nearest(studies):
    """With k=1 only the nearest study is modelled, yet every study's best trials compete."""
    query = profile("new", 3000.0, 0.5)
    recs = hpx.recommend(query, studies, SPACE, OBJECTIVES, n=8, k=1, tags={"model": "gbm"})
    nearest = recs.neighbours["study"].iloc[0]
    picked = [r for r in recs if r.kind == "conservative"]
    assert {s["study"] for r in picked for s in r.sources} - {nearest}  # from farther studies
    assert all(0.0 < s["similarity"] <= 1.0 for r in picked for s in r.sources)
    far = [r for r in picked if not r.sources[0]["neighbour"]]
    assert far and all("not one of the close neighbours" in r.rationale for r in far)
    assert all(r.sources[0]["neighbour"] for r in picked if r.sources[0]["study"] == nearest)
