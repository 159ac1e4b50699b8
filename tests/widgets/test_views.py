"""The views over real objects: state a user sees, decisions stored, clicks, live updates."""

from __future__ import annotations

import hpxplore as hpx
from hpxplore.transfer import Recommendations
from hpxplore.widgets import (
    ParetoView,
    RationaleView,
    RecommendationBoard,
    SensitivityView,
    SimilarityView,
)
from tests.widgets.conftest import evaluate


def test_similarity_view_shows_neighbours_and_their_drivers(lab):
    view = SimilarityView(lab.recs.neighbours)
    assert view.info.studies == list(lab.recs.neighbours["study"])
    bars = [t for t in view.figure.data if t.type == "bar"]
    assert bars and all(len(t.x) == len(view.info.studies) for t in bars)
    assert "hpx-ood-warning" not in str([c._dom_classes for c in view.children])


def test_similarity_view_warns_when_no_close_analog(lab):
    alien = hpx.TaskProfile.from_meta_features(
        "alien", {"n_rows": 3e6, "n_features": 4000, "landmark_1nn": 0.1, "n_classes": 40}
    )
    view = SimilarityView(lab.registry.similar(alien))
    warning = view.children[0]
    assert "hpx-ood-warning" in warning._dom_classes and "No close analog" in warning.value


def test_board_accept_and_reject_persist_and_a_reopened_board_shows_them(lab):
    board = RecommendationBoard(lab.recs)
    first, second = board.cards[0], board.cards[1]
    first.reason.value = "robust on all neighbours"
    first.accept.click()
    second.reject.click()
    assert "accepted" in first.status.value and "robust on all neighbours" in first.status.value
    stored = lab.registry.recommendations(task="bc-new").set_index("id")
    assert stored.loc[lab.recs[0].id, "decision"] == "accepted"
    assert stored.loc[lab.recs[1].id, "decision"] == "rejected"
    reopened = RecommendationBoard(Recommendations.load(lab.registry, lab.profile))
    assert "accepted" in reopened.cards[0].status.value
    assert "rejected" in reopened.cards[1].status.value


def test_pareto_view_draws_origins_front_constraints_and_selects_on_click(lab):
    view = ParetoView(lab.study, live=False)
    names = {t.name for t in view.figure.data}
    assert {"transferred", "quasi-random", "Pareto front"} <= names
    assert any("fit_ms <= 200" in str(a.text) for a in view.figure.layout.annotations)
    point = next(t for t in view.figure.data if t.name == "quasi-random")
    trial = int(point.customdata[0])
    view._clicked(point, type("Points", (), {"point_inds": [0]})(), None)  # what a click sends
    assert view.selected == trial and f"Selected trial {trial}" in view.selection.value
    assert any(t.name == f"selected: trial {trial}" for t in view.figure.data)


def test_pareto_view_updates_live_without_refitting(lab, tmp_path):
    study = hpx.Study("live", lab.study.space, lab.study.objectives, seed=1, init_trials=4)
    view = ParetoView(study)
    counts = []
    study.on_trial(lambda s, _i: counts.append(int(view.info.points.shape[0])))
    study.run(evaluate(lab.frame), n_trials=3, executor="inline", progress=False)
    assert counts == [1, 2, 3]  # the view had redrawn before the next listener ran
    assert view.last_refresh_s < 0.5


def test_sensitivity_view_computes_on_request(lab):
    view = SensitivityView(lab.study)
    assert not view.figure.data  # nothing fitted until asked
    view.button.click()
    assert {t.name for t in view.figure.data} == {"first order", "total order"}
    assert "C" in view.table.value


def test_rationale_view_shows_stored_reasons(lab):
    view = RationaleView(lab.recs, lab.study, live=False)
    for r in lab.recs:
        assert r.kind in view.reasons.value
    assert "Monitor" in view.events.value
