"""Sensitivity and model-predicted frontiers come from Ax's own surrogate."""

from __future__ import annotations

import pytest

import hpxplore as hpx
from tests.study import objectives as obj

SPACE = {
    "x": hpx.Float(0, 1),
    "y": hpx.Float(0, 1),
    "kind": hpx.Choice(["a", "b", "c"]),
    "n": hpx.Int(1, 10),
}


def known_effects(c):
    """``obj`` depends strongly on x, then kind, barely on y; ``cost`` only on n."""
    return {
        "obj": 5 * c["x"] + 0.1 * c["y"] + {"a": 0, "b": 2, "c": 4}[c["kind"]],
        "cost": c["n"] + 0.01 * c["x"],
    }


@pytest.fixture(scope="module")
def study():
    s = hpx.Study("effects", SPACE, {"obj": "maximize", "cost": "minimize"}, seed=0, init_trials=12)
    s.run(known_effects, n_trials=13, executor="inline", progress=False)  # one model trial
    return s


def test_sensitivity_finds_the_known_effects(study):
    table = study.sensitivity()
    assert set(table.columns) == {"metric", "parameter", "first_order", "total_order", "fit_r2"}
    assert (table["first_order"] <= table["total_order"]).all() and table["total_order"].le(1).all()
    fits = table.drop_duplicates("metric").set_index("metric")["fit_r2"]
    assert fits["obj"] > 0.5 and fits["cost"] > 0.5  # the model fits these smooth functions
    assert set(table["parameter"]) == set(SPACE)  # choice one-hot columns folded back
    obj = table[table.metric == "obj"].set_index("parameter")
    cost = table[table.metric == "cost"].set_index("parameter")
    assert obj["total_order"].idxmax() == "x" and cost["total_order"].idxmax() == "n"
    assert obj.loc["kind", "total_order"] > 0.1 > obj.loc["y", "total_order"]
    assert cost.loc["n", "first_order"] > 0.9
    assert study.sensitivity() is table  # cached: no refit until a trial completes


def test_model_predicted_frontier_is_cached(study):
    predicted = study.pareto_frontier(use_model_predictions=True)
    assert {"obj", "obj_sem", "cost", "cost_sem"} <= set(predicted.columns)
    assert predicted["trial_index"].isin(study.trials["trial_index"]).all()
    assert study.pareto_frontier(use_model_predictions=True) is predicted


def test_sensitivity_needs_data():
    with pytest.raises(hpx.HpxploreError, match="needs a fitted model"):
        hpx.Study("empty", SPACE, {"obj": "maximize"}).sensitivity()


def test_health_cards_come_from_axs_analyses_and_say_how_far_to_trust_the_model():
    study = hpx.Study(
        "health", obj.SPACE, {"accuracy": "maximize", "fit_ms": "minimize"}, seed=0, init_trials=4
    )
    study.run(obj.logistic, n_trials=7, executor="inline", progress=False)
    cards = study.health()
    fits = [c for c in cards if c["title"].startswith("Cross Validation for")]
    assert {c["title"].split(" (")[0] for c in fits} == {
        "Cross Validation for accuracy",
        "Cross Validation for fit_ms",
    }
    assert all("R² = " in c["title"] for c in fits)  # the model fit, per metric
    checks = [c for c in cards if c["kind"] == "health"]
    assert checks and {c["status"] for c in checks} <= {"pass", "warning", "fail", "info"}
    assert any(c["title"] == "Utility Progression" for c in cards)
    assert study.health() is cards  # cached until the next trial completes


def test_health_puts_the_models_fit_per_metric_first(study):
    from hpxplore.viz import fit_verdict, health_info

    info = health_info(study.health(), study.trials, study.objectives)
    assert set(info.fit) == {"obj", "cost"}  # read from Ax's cross-validation cards
    assert all(fit_verdict(r2)[0] == "ok" for r2 in info.fit.values())  # smooth functions
    assert info.feasible == (13, 13) and "Pareto tab" in info.best
    assert len(info.first) <= 6 < len(info.first) + len(info.others)
