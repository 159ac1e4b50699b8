"""The audit's arithmetic on outcomes built by hand: calibration, its flag, gains."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hpxplore.registry._audit_summary import FLAG_MIN, audit_table


def _outcomes(values: list[float], kinds: list[str], study: str = "s") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"study": study, "recommendation_id": i, "kind": kind, "metric": "acc",
             "values": {"acc": v}, "helped": v > 0.5, "feasible": True,
             "recorded_at": pd.Timestamp("2026-11-03")}
            for i, (v, kind) in enumerate(zip(values, kinds, strict=True))
        ]
    )  # fmt: skip


def _projections(n: int, low: float, high: float, gain: float = 0.1) -> dict:
    return {
        i: {"projected": {"acc": {"mean": (low + high) / 2, "low": low, "high": high}},
            "gain": {"acc": {"mean": gain}}}
        for i in range(n)
    }  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=30), st.floats(0, 0.5), st.floats(0.5, 1))
def test_coverage_is_the_share_of_realized_values_inside_their_interval(values, low, high):
    kinds = ["conservative"] * len(values)
    row = audit_table(
        _outcomes(values, kinds), _projections(len(values), low, high), {}, {}, "model"
    ).iloc[0]
    inside = sum(low <= v <= high for v in values)
    assert row["intervals"] == len(values)
    assert row["coverage"] == pytest.approx(inside / len(values))
    assert bool(row["flag"]) == (len(values) >= FLAG_MIN and inside / len(values) < 0.8)
    assert row["helped"] == pytest.approx(sum(v > 0.5 for v in values) / len(values))


def test_realized_gain_is_over_the_baseline_the_study_ran():
    outcomes = _outcomes([0.7, 0.9, 0.6], ["conservative", "trade-off", "baseline"])
    table = audit_table(outcomes, _projections(3, 0, 1, gain=0.2), {"s": {"model": "gbm"}},
                        {"s": "negative transfer"}, "model")  # fmt: skip
    row = table.set_index("model").loc["gbm"]
    assert row["transferred"] == 2 and row["gains_compared"] == 2
    assert row["realized_gain"] == pytest.approx(((0.7 - 0.6) + (0.9 - 0.6)) / 2)
    assert row["projected_gain"] == pytest.approx(0.2)
    assert row["switched_off"] == 1


def test_no_outcomes_give_an_empty_table_with_every_column():
    table = audit_table(pd.DataFrame(), {}, {}, {}, "model", every="M")
    assert table.empty and list(table.columns[:3]) == ["model", "period", "studies"]
