"""Several objectives: the warm-start picks span the front instead of piling at one end.

In the depth family (``depth_family``) the fastest configs are not the most accurate, so
seeds ranked on the loss alone all sit at the slow end of the front.
"""

from __future__ import annotations

import math
import re

import pytest

import hpxplore as hpx
from hpxplore.pareto import pareto_front
from tests.transfer.depth_family import BOTH, SPACE, family_registry, measure, profile


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    return family_registry(tmp_path_factory.mktemp("reg") / "r.db")


def hypervolume(points: list[dict[str, float]], reference: dict[str, float]) -> float:
    """Area dominated by ``points`` (both minimized) up to ``reference``."""
    area, level = 0.0, reference["fit_s"]
    for p in sorted(points, key=lambda p: (p["loss"], p["fit_s"])):
        if p["fit_s"] < level and p["loss"] < reference["loss"]:
            area += (reference["loss"] - p["loss"]) * (level - p["fit_s"])
            level = p["fit_s"]
    return area


def test_the_seeds_span_the_front_and_say_why(registry):
    n_rows, query = 3000.0, profile("new", 3000.0)
    recs = hpx.recommend(query, registry, SPACE, BOTH, n=5, tags={"model": "gbm"})
    seeds = [item["config"] for item in recs.warm_start_items()[:3]]
    assert [r.kind for r in recs][:3] == ["trade-off"] * 3
    measured = [measure(c, n_rows) for c in seeds]
    # the seeds span the front: neither the most accurate nor the fastest of them opens it
    # alone at one end; one seed is more accurate and one faster than the first
    assert min(m["loss"] for m in measured) < measured[0]["loss"]
    assert min(m["fit_s"] for m in measured) < measured[0]["fit_s"]

    # ranked on the loss alone, the first three seeds sit at the slow end of the front
    single = hpx.recommend(query, registry, SPACE, {"loss": "minimize"}, n=5, tags={"model": "gbm"})
    lone = [measure(item["config"], n_rows) for item in single.warm_start_items()[:3]]
    everything = measured + lone
    reference = {m: max(p[m] for p in everything) * 1.1 for m in BOTH}
    assert hypervolume(measured, reference) > 1.2 * hypervolume(lone, reference)

    assert "holds the most hypervolume on its own" in recs[0].rationale
    trade = recs[1]
    assert "adds the most to the hypervolume of the picks before it" in trade.rationale
    assert "on loss" in trade.rationale and "on fit_s" in trade.rationale


def test_one_objective_picks_generated_and_observed_bests(registry):
    recs = hpx.recommend(
        profile("new", 3000.0), registry, SPACE, {"loss": "minimize"}, n=5, tags={"model": "gbm"}
    )
    assert sorted(r.kind for r in recs[:2]) == ["conservative", "generated"]
    assert "trade-off" not in [r.kind for r in recs]


def test_a_capped_warm_start_still_spans_the_front(registry):
    """With the default n=8 and a study that keeps only 3 transferred configs, those 3 hold
    most of the hypervolume of every pick: the set is chosen for it, a pick at a time."""
    n_rows, query = 3000.0, profile("new", 3000.0)
    recs = hpx.recommend(query, registry, SPACE, BOTH, tags={"model": "gbm"})
    study = hpx.Study("capped", SPACE, BOTH, init_trials=6).warm_start(recs)
    study.run(lambda c: measure(c, n_rows), n_trials=3, executor="inline", progress=False)
    trials = study.trials.sort_values("trial_index")
    transferred = trials[trials["origin"] == "transferred"]
    kept = transferred[list(BOTH)].to_dict("records")
    every = [measure(r.config, n_rows) for r in recs if r.kind != "baseline"]
    assert len(kept) == 3
    reference = {m: max(p[m] for p in every) * 1.1 for m in BOTH}
    assert hypervolume(kept, reference) >= 0.8 * hypervolume(every, reference)
    assert min(m["fit_s"] for m in kept) < max(m["fit_s"] for m in kept) / 2  # both sides
    first = transferred.iloc[0][list(SPACE)].to_dict()
    assert first == pytest.approx(recs[0].config)  # the pick with the most hypervolume leads


def test_trade_offs_are_generated_between_the_prior_trials_and_say_what_they_give_up(registry):
    """With several objectives the model of the prior studies generates trade-offs no study
    tried; each card states every objective's projected change and its direction."""
    recs = hpx.recommend(profile("new", 3000.0), registry, SPACE, BOTH, tags={"model": "gbm"})
    trades = [r for r in recs if r.kind == "trade-off"]
    made = [r for r in trades if r.sources[0]["trial_index"] is None]
    assert made and all(r.sources[0]["distance"] > 0 for r in made)
    base = recs[len(recs) - 1].config
    assert all(r.config != pytest.approx(base) for r in made)  # the baseline runs anyway
    text = made[0].summary
    assert "generated near a trial of" in text
    assert "loss:" in text and "fit_s:" in text and "smaller is better" in text


def test_a_cards_gains_carry_no_more_decimals_than_its_projections(registry):
    """A gain is a difference of two projections shown to 4 significant digits: the card
    writes it to the same decimals (``+0.0097``, not ``+0.009711``), so it claims no
    precision the projection does not have."""
    recs = hpx.recommend(profile("new", 3000.0), registry, SPACE, BOTH, tags={"model": "gbm"})
    number = r"([+-]?[0-9.]+(?:e-?[0-9]+)?)"
    pattern = rf"Projected loss on the neighbours {number} .*?; {number} vs the baseline \(interval {number} to {number}\)"

    def decimals(text: str) -> int:
        return len(text.split(".")[1]) if "." in text and "e" not in text else 0

    for rec in recs:
        found = re.search(pattern, rec.rationale)
        assert found, rec.rationale
        projected, *gains = found.groups()
        shown = 3 - math.floor(math.log10(abs(float(projected))))  # 4 significant digits
        assert all(decimals(g) <= shown for g in gains), found.group(0)


def test_thresholds_come_from_the_close_studies_fronts_unless_the_user_sets_one(registry):
    """A warm-started two-objective study hands Ax a threshold per objective from the close
    studies' fronts, so Ax does not winsorize each objective alone; a constraint on an
    objective is the user's own threshold and is kept."""
    import warnings

    query = profile("new", 3000.0)
    recs = hpx.recommend(query, registry, SPACE, BOTH, tags={"model": "gbm"})
    assert set(recs.thresholds) == set(BOTH)
    fronts = [
        pareto_front(registry.record(name).trials, BOTH) for name, _ in recs.transfer.neighbours
    ]
    worst_loss = [front["loss"].max() for front in fronts]
    assert min(worst_loss) <= recs.thresholds["loss"] <= max(worst_loss)

    study = hpx.Study("thresholds", SPACE, BOTH, init_trials=4).warm_start(recs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        study.run(lambda c: measure(c, 3000.0), n_trials=6, executor="inline", progress=False)
    assert not [w for w in caught if "without objective thresholds" in str(w.message)]
    held = study._session.client._experiment.optimization_config.objective_thresholds
    assert {m for t in held for m in t.metric_names} == set(BOTH)
    assert "thresholds_inferred" in [e["event"] for e in study.events]

    own = hpx.Study("own", SPACE, BOTH, constraints=["fit_s <= 1.0"], init_trials=4)
    own.warm_start(recs)
    assert str(own.objective_thresholds[0]) == "fit_s <= 1"
    assert [c.metric for c in own.objective_thresholds] == ["fit_s", "loss"]


def test_a_threshold_the_task_never_reaches_is_dropped_after_the_initial_design(registry):
    """The close studies' fronts can promise a level this task does not reach (here every
    loss is 5 higher): once the initial design is in, that threshold leaves Ax, which then
    takes its reference point from the trials; the run goes on and says why."""

    def worse(config):
        out = measure(config, 3000.0)
        return {**out, "loss": out["loss"] + 5.0}

    recs = hpx.recommend(profile("new", 3000.0), registry, SPACE, BOTH, tags={"model": "gbm"})
    study = hpx.Study("unreached", SPACE, BOTH, init_trials=4).warm_start(recs)
    study.run(worse, n_trials=6, executor="inline", progress=False)
    dropped = [e for e in study.events if e["event"] == "thresholds_dropped"]
    assert len(dropped) == 1 and dropped[0]["thresholds"][0].startswith("loss <=")
    assert dropped[0]["trials"] == 4
    held = study._session.client._experiment.optimization_config.objective_thresholds
    assert {m for t in held for m in t.metric_names} <= {"fit_s"}
    assert [c.metric for c in study.objective_thresholds] == [
        c.metric for c in study._inferred
    ] and "loss" not in [c.metric for c in study.objective_thresholds]
    assert len(study.trials) == 6 and study.trials["status"].eq("completed").all()
