"""Objectives and spaces that do not match the registry: said plainly, never transferred silently."""

from __future__ import annotations

import pytest

import hpxplore as hpx
from tests.transfer.depth_family import BOTH, SPACE, family_registry, profile

NEW = profile("new", 3000.0)


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    return family_registry(tmp_path_factory.mktemp("reg") / "r.db")


def test_a_misspelt_objective_is_named_with_the_one_meant(registry):
    with pytest.raises(
        hpx.InputError, match=r"No prior study measures 'los' \(did you mean 'loss'\?\)"
    ):
        hpx.recommend(NEW, registry, SPACE, {"los": "minimize"})
    with pytest.raises(hpx.InputError, match=r"measures 'fit_sec' \(did you mean 'fit_s'\?\)"):
        hpx.recommend(NEW, registry, SPACE, BOTH, ["fit_sec <= 1"])
    recs = hpx.recommend(NEW, registry, SPACE, {"auroc": "maximize"})
    assert recs.cold_start and "no close study measures 'auroc'" in recs.reason


def test_a_space_the_priors_barely_share_goes_cold_and_says_why(registry):
    space = {"learning_rate": hpx.Float(1e-3, 1.0, log=True), "max_depth": hpx.Int(2, 8)}
    recs = hpx.recommend(NEW, registry, space, {"loss": "minimize"})
    assert recs.cold_start and len(recs) == 1
    assert "set only 1 of the space's 2 parameters (learning_rate)" in recs.reason
    assert "max_depth is in none of them" in recs.reason
    assert recs.coverage["max_depth"] == 0 and recs.coverage["learning_rate"] >= 1
    assert recs.narrowed.space is None


def test_a_parameter_no_prior_sets_keeps_the_baseline_and_is_said_first(registry):
    space = {**SPACE, "subsample": hpx.Float(0.5, 1.0)}
    baseline = {"learning_rate": 0.1, "depth": 6, "subsample": 0.8}
    recs = hpx.recommend(
        NEW, registry, space, {"loss": "minimize"}, baseline=baseline, narrow_min_similarity=0.0
    )
    assert not recs.cold_start
    assert recs.coverage["subsample"] == 0 and recs.coverage["depth"] >= 1
    assert "set 2 of the 3 parameters (subsample: none)" in recs.reason
    for rec in recs:
        assert rec.config["subsample"] == 0.8  # the baseline's, not an invented centre
        if rec.kind != "baseline":
            assert rec.rationale.startswith("Transfers 2 of the 3 parameters: subsample is set")
            assert not rec.guardrails["mapping"]["passed"]
            assert "subsample is not in the source study" in rec.guardrails["mapping"]["detail"]
    assert recs.narrowed.space["subsample"] == space["subsample"]  # no evidence, not narrowed
    assert "Kept whole: subsample (set by none of these studies)" in recs.narrowed.rationale
    assert "{" not in recs.narrowed.rationale  # words, not a dict
