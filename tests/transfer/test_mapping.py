"""Mapping prior trials into a new space: the table-wide path agrees with the per-config one."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import hpxplore as hpx
from hpxplore.transfer._mapping import map_config
from hpxplore.transfer._surrogates import mapped_trials

NEW = {
    "lr": hpx.Float(0.01, 0.5, log=True),
    "depth": hpx.Int(3, 8),
    "loss": hpx.Choice(["log", "hinge"]),
    "extra": hpx.Float(0.0, 1.0),  # the prior study never set it
}


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.floats(1e-4, 1.0)),
            st.one_of(st.none(), st.integers(1, 12)),
            st.sampled_from(["log", "hinge", "squared"]),
            st.floats(0, 1),
            st.sampled_from(["completed", "failed"]),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_mapped_trials_map_each_trial_as_map_config_does(rows):
    trials = pd.DataFrame(rows, columns=["lr", "depth", "loss", "acc", "status"])
    table = mapped_trials(trials, NEW, ["acc"])
    expected = []
    for row in trials.to_dict("records"):
        if row["status"] != "completed":
            continue
        config = {p: None if pd.isna(row[p]) else row[p] for p in ("lr", "depth", "loss")}
        mapped = map_config(config, NEW)
        if mapped is not None:
            expected.append({**mapped.config, "acc": row["acc"]})
    assert len(table) == len(expected)
    for got, want in zip(table.to_dict("records"), expected, strict=True):
        assert got["loss"] == want["loss"] and got["depth"] == want["depth"]
        np.testing.assert_allclose(
            [got["lr"], got["extra"], got["acc"]], [want["lr"], want["extra"], want["acc"]]
        )
