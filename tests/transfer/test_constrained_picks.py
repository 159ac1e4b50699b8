"""Constraints and budget caps steer the picks: the warm start gets configs projected to
meet them, not the most accurate configs flagged as breaking them.

In the depth family (``depth_family``) the most accurate configs are deep and slow: with
``fit_s <= 0.5`` (depth 6 at most) every one of them is out.
"""

from __future__ import annotations

import numpy as np
import pytest

import hpxplore as hpx
from tests.transfer.depth_family import BOTH, SPACE, family_registry, measure, profile

N_ROWS = 3000.0
LOSS = {"loss": "minimize"}


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    return family_registry(tmp_path_factory.mktemp("reg") / "r.db")


def seeds(recs: hpx.Recommendations) -> list[dict[str, float]]:
    return [measure(item["config"], N_ROWS) for item in recs.warm_start_items()[:3]]


@pytest.mark.parametrize("objectives", [LOSS, BOTH], ids=["one objective", "two objectives"])
def test_a_constraint_keeps_the_seeds_feasible(registry, objectives):
    query = profile("new", N_ROWS)
    free = hpx.recommend(query, registry, SPACE, objectives, n=5, tags={"model": "gbm"})
    bound = hpx.recommend(
        query, registry, SPACE, objectives, ["fit_s <= 0.5"], n=5, tags={"model": "gbm"}
    )
    # unconstrained, an accurate seed is too slow for the bound
    assert max(m["fit_s"] for m in seeds(free)) > 0.5
    measured = seeds(bound)
    assert all(m["fit_s"] <= 0.5 for m in measured)
    for rec in list(bound)[:3]:
        assert rec.guardrails["constraint fit_s <= 0.5"]["passed"]
    # and they are good feasible configs: the best seed beats three quarters of the prior
    # trials that meet the bound, measured on the new task
    assert min(m["loss"] for m in measured) < np.quantile(feasible_losses(registry), 0.25)


def feasible_losses(registry: hpx.Registry) -> list[float]:
    out = []
    for name in registry.names():
        for row in registry.record(name).trials.to_dict("records"):
            scores = measure({p: row[p] for p in SPACE}, N_ROWS)
            if scores["fit_s"] <= 0.5:
                out.append(scores["loss"])
    return out


def test_a_budget_cap_steers_like_a_constraint(registry):
    query = profile("new", N_ROWS)
    capped = hpx.recommend(
        query, registry, SPACE, LOSS, n=5, tags={"model": "gbm"}, budget={"fit_s": 0.5}
    )
    assert all(m["fit_s"] <= 0.5 for m in seeds(capped))
    assert capped[0].guardrails["budget fit_s <= 0.5"]["passed"]


def test_an_unmeetable_constraint_still_recommends_and_says_so(registry):
    recs = hpx.recommend(
        profile("new", N_ROWS), registry, SPACE, LOSS, ["fit_s <= 0.01"], n=5, tags={"model": "gbm"}
    )
    first = recs[0]
    assert first.kind == "conservative"
    assert not first.guardrails["constraint fit_s <= 0.01"]["passed"]
    # every candidate breaks it: the picks are the unconstrained ones, and the rationale says so
    assert "No candidate is projected to meet every constraint" in first.rationale
    assert "Guardrails tripped: constraint fit_s <= 0.01" in first.rationale


def test_recommend_shows_its_progress_and_can_be_quiet(registry, capsys):
    hpx.recommend(profile("new", N_ROWS), registry, SPACE, LOSS)
    shown = capsys.readouterr().err
    assert "recommend" in shown and "projections and rationales" in shown
    recs = hpx.recommend(profile("new", N_ROWS), registry, SPACE, LOSS, progress=False)
    assert capsys.readouterr().err == ""
    assert recs.prior_model is not None


def test_a_constraint_no_prior_study_measures_is_said_unchecked_on_every_card(registry):
    recs = hpx.recommend(
        profile("new", N_ROWS), registry, SPACE, LOSS, ["size_kb <= 100"], n=4, progress=False
    )
    assert "none measures 'size_kb'" in recs.reason
    for rec in recs:
        if rec.kind == "baseline":
            continue
        assert rec.guardrails["constraint size_kb <= 100"]["passed"] is None
        assert "All guardrails passed" not in rec.rationale
        assert "Not checked: constraint size_kb <= 100" in rec.rationale
    table = recs.table
    assert all(u == ["constraint size_kb <= 100"] for u in table["guardrails_unchecked"][:-1])
    from hpxplore.widgets._recommendation_board import _details  # what the card shows

    assert "constraint size_kb &lt;= 100: <b style='color:#555'>not checked</b>" in _details(
        recs[0]
    )
