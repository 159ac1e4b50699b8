"""A warm-started two-objective study with a constraint, saved to a registry, whose names,
tags and reasons carry HTML payloads: what the reports are built from."""

from __future__ import annotations

import pytest

import hpxplore as hpx
from tests.transfer.depth_family import BOTH, SPACE, family_registry, measure

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture(scope="package")
def reported(tmp_path_factory):
    """(registry, study, recs) after 6 trials, one recommendation rejected with a payload."""
    reg = family_registry(tmp_path_factory.mktemp("reg") / "r.db")
    profile = hpx.TaskProfile.from_meta_features(
        f"new {PAYLOAD}", {"n_rows": 3000.0}, tags={"model": "gbm", "team": PAYLOAD}
    )
    recs = hpx.recommend(
        profile, reg, SPACE, BOTH, constraints=["fit_s <= 1.5"], n=5, tags={"model": "gbm"}
    )
    recs.accept(0, reason="the close analog's best", user="lead")
    recs.reject(2, reason=f"too slow {PAYLOAD}", user="auditor")
    recs.accept(1, user="lead")
    study = hpx.Study(
        "run-1", SPACE, BOTH, constraints=["fit_s <= 1.5"], registry=reg, profile=profile,
        seed=0, init_trials=4,
    ).warm_start(recs)  # fmt: skip
    study.run(lambda c: measure(c, 3000.0), n_trials=6, executor="inline", progress=False)
    return reg, study, recs
