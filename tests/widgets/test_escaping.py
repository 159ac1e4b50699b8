"""User text (study names, reasons, parameter values) is shown as text, never run as HTML."""

from __future__ import annotations

import pandas as pd

import hpxplore as hpx
from hpxplore.widgets import RecommendationBoard, SimilarityView

EVIL = '<img src=x onerror="alert(1)">'


def test_study_names_and_reasons_are_escaped(lab, tmp_path):
    reg = hpx.Registry(tmp_path / "evil.db")
    prior = lab.registry.record("bc-0")
    reg.add_study(EVIL, prior.profile, prior.space, prior.objectives, prior.trials)
    view = SimilarityView(reg.similar(lab.profile))
    html = view.children[-1].value
    assert EVIL not in html and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert all(EVIL not in str(label) for t in view.figure.data for label in t.y)

    recs = hpx.recommend(lab.profile, reg, prior.space, prior.objectives, n=3)
    board = RecommendationBoard(recs)
    assert EVIL not in board.cards[0].facts.value and "&lt;img" in board.cards[0].facts.value
    board.cards[0].reason.value = EVIL
    board.cards[0].accept.click()
    assert EVIL not in board.cards[0].status.value and "&lt;img" in board.cards[0].status.value


def test_choice_values_in_hover_text_are_escaped():
    from hpxplore.viz import pareto_info

    trials = pd.DataFrame(
        {"trial_index": [0], "acc": [0.9], "loss": [EVIL], "status": ["completed"]}
    )
    info = pareto_info(trials, {"acc": "maximize"}, space=["loss"])
    assert EVIL not in info.points["hover"][0] and "&lt;img" in info.points["hover"][0]
