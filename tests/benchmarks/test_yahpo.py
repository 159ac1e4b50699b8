"""The onnxruntime evaluator reproduces yahpo-gym 1.0.2's own outputs, row by row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks.transfer.yahpo import SCENARIOS, scenario


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_reference_row_is_reproduced(yahpo_data, name):
    reference = pd.read_csv(yahpo_data / name / "reference_outputs.csv")
    inputs = reference[[c for c in reference if c.startswith("in:")]]
    inputs.columns = [c[3:] for c in inputs.columns]
    expected = reference[[c for c in reference if c.startswith("out:")]]
    expected.columns = [c[4:] for c in expected.columns]
    got = scenario(name).predict(inputs)
    assert list(got.columns) == list(expected.columns) and len(got) == len(reference) >= 100
    # within 1e-3 absolute or 1e-4 relative, whichever is looser (float32 moves with batching)
    tolerance = np.maximum(1e-3, 1e-4 * np.abs(expected.to_numpy()))
    gap = np.abs(got.to_numpy() - expected.to_numpy())
    worst = np.unravel_index(np.argmax(gap - tolerance), gap.shape)
    assert (gap <= tolerance).all(), (
        f"row {worst[0]}, {expected.columns[worst[1]]}: {got.iat[worst]} vs {expected.iat[worst]}"
    )


def test_an_unknown_task_or_a_missing_input_is_named(yahpo_data):
    rpart = scenario("rbv2_rpart")
    row = {"cp": 0.01, "maxdepth": 5, "minbucket": 5, "minsplit": 10, "trainsize": 1.0,
           "repl": 1, "num.impute.selected.cpo": "impute.mean", "task_id": "no-such-task"}  # fmt: skip
    with pytest.raises(KeyError, match="unknown task_id 'no-such-task'"):
        rpart.predict([row])
    with pytest.raises(KeyError, match=r"lack the input\(s\) \['cp'\]"):
        rpart.predict([{k: v for k, v in row.items() if k != "cp"}])
    assert len(rpart.tasks) == 117
