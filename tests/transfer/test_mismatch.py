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
