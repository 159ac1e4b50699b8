"""The one trial schema: a trials table reads back as the trials it was made from."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hpxplore as hpx
from hpxplore.objectives import Constraint
from hpxplore.trial import COLUMNS, Trial, from_frame, is_bookkeeping, to_frame

SPACE = {
    "lr": hpx.Float(1e-3, 1.0, log=True),
    "depth": hpx.Int(1, 9),
    "loss": hpx.Choice(["log", "hinge"]),
}
OBJECTIVES = {"acc": "maximize"}
CONSTRAINTS = [Constraint("ms", "<=", 5.0)]

finite = st.floats(-1e6, 1e6, allow_nan=False)


@st.composite
def trials(draw):
    count = draw(st.integers(1, 8))
    indices = draw(st.lists(st.integers(0, 50), min_size=count, max_size=count, unique=True))
    out = []
    for index in indices:
        status = draw(st.sampled_from(["completed", "failed", "running", "abandoned"]))
        done = status == "completed"
        metrics = {"acc": draw(finite), "ms": draw(finite)} if done else {}
        out.append(
            Trial(
                index,
                {
                    "lr": draw(st.floats(1e-3, 1.0)),
                    "depth": draw(st.integers(1, 9)),
                    "loss": draw(st.sampled_from(["log", "hinge"])),
                },
                metrics,
                {"acc": draw(st.floats(0, 1))} if done and draw(st.booleans()) else {},
                status,
                draw(st.sampled_from([None, "transferred", "quasi-random", "model"])),
                None if done else draw(st.sampled_from([None, "boom"])),
                recommendation_id=draw(st.one_of(st.none(), st.integers(1, 10**6))),
                recommendation_kind=draw(st.sampled_from([None, "conservative", "baseline"])),
                node=draw(st.sampled_from([None, "Sobol", "MBM"])),
                gen_s=draw(st.one_of(st.none(), st.floats(0, 100))),
                eval_s=draw(st.one_of(st.none(), st.floats(0, 100))),
            )
        )
    return out


@settings(max_examples=150, deadline=None)
@given(trials())
def test_a_trials_table_reads_back_as_the_trials_it_was_made_from(made):
    frame = to_frame(made, SPACE, ["acc", "ms"], CONSTRAINTS)
    assert list(frame.columns[: 1 + len(SPACE)]) == ["trial_index", *SPACE]
    assert list(frame.columns[-len(COLUMNS) + 1 :]) == list(COLUMNS[1:])
    expected = [t.status == "completed" and t.metrics["ms"] <= 5.0 for t in made]
    assert frame["feasible"].tolist() == [
        e for _, e in sorted(zip([t.trial_index for t in made], expected, strict=True))
    ]
    read = {t.trial_index: t for t in from_frame(frame, SPACE, OBJECTIVES, CONSTRAINTS)}
    for trial in made:
        again = read[trial.trial_index]
        assert again.config == trial.config and again.status == trial.status
        assert {m: v for m, v in again.metrics.items() if v is not None} == trial.metrics
        assert again.sems == trial.sems
        for note in ("origin", "error", "recommendation_id", "recommendation_kind", "node"):
            assert getattr(again, note) == getattr(trial, note), note
        for seconds in ("gen_s", "eval_s"):
            assert getattr(again, seconds) == pytest.approx(getattr(trial, seconds))


def test_bookkeeping_columns_are_neither_parameters_nor_metrics():
    frame = to_frame([Trial(0, {"lr": 0.1, "depth": 2, "loss": "log"}, {"acc": 0.9})], SPACE)
    assert [c for c in frame.columns if not is_bookkeeping(c) and c not in SPACE] == ["acc"]
    with pytest.raises(hpx.InputError, match="keeps that column"):
        hpx.Study("s", SPACE, {"eval_s": "minimize"})
    with pytest.raises(hpx.InputError, match="names ending in '_sem'"):
        hpx.Study("s", SPACE, {"acc_sem": "minimize"})


def test_a_table_without_bookkeeping_columns_is_numbered_and_completed():
    frame = pd.DataFrame({"lr": [0.1, 0.2], "depth": [2, 3], "loss": ["log", "hinge"]})
    read = from_frame(frame.assign(acc=[0.8, 0.9]), SPACE, OBJECTIVES)
    assert [(t.trial_index, t.status, t.metrics["acc"]) for t in read] == [
        (0, "completed", 0.8),
        (1, "completed", 0.9),
    ]
