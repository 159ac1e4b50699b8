"""YAHPO Gym's surrogate models, evaluated with onnxruntime (not the ``yahpo-gym`` wheel,
which pins numpy<2).

Each scenario is one ONNX model of real HPO runs on many OpenML tasks. Its inputs are the
raw values, unscaled: ``x_cont`` (float32, the continuous names in the scenario's order)
and ``x_cat`` (int32, each categorical value's index in ``encoding.json``, task ids
included); its output holds the scenario's metrics in order. Checked against every row
of each scenario's ``reference_outputs.csv`` (yahpo-gym 1.0.2's own outputs) in
``tests/benchmarks/test_yahpo.py``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.transfer.bench_data import bench_data

__all__ = ["SCENARIOS", "Scenario", "scenario"]

# The model's input and output layout (yahpo_gym 1.0.2, benchmarks/*.py).
SCENARIOS: dict[str, dict[str, tuple[str, ...]]] = {
    "lcbench": {
        "cont": (
            "epoch",
            "batch_size",
            "learning_rate",
            "momentum",
            "weight_decay",
            "num_layers",
            "max_units",
            "max_dropout",
        ),
        "cat": ("OpenML_task_id",),
        "outputs": (
            "time",
            "val_accuracy",
            "val_cross_entropy",
            "val_balanced_accuracy",
            "test_cross_entropy",
            "test_balanced_accuracy",
        ),
    },
    "rbv2_rpart": {
        "cont": ("cp", "maxdepth", "minbucket", "minsplit", "trainsize", "repl"),
        "cat": ("task_id", "num.impute.selected.cpo"),
        "outputs": (
            "acc",
            "bac",
            "auc",
            "brier",
            "f1",
            "logloss",
            "timetrain",
            "timepredict",
            "memory",
        ),
    },
    "iaml_glmnet": {
        "cont": ("alpha", "s", "trainsize"),
        "cat": ("task_id",),
        "outputs": (
            "mmce",
            "f1",
            "auc",
            "logloss",
            "ramtrain",
            "rammodel",
            "rampredict",
            "timetrain",
            "timepredict",
            "mec",
            "ias",
            "nf",
        ),
    },
}


@dataclass(frozen=True)
class Scenario:
    """One YAHPO scenario: its model, encoding and configuration space."""

    name: str
    folder: Path
    session: Any
    encoding: dict[str, dict[str, int]]
    params: dict[str, dict[str, Any]]  # config_space.json's hyperparameters, by name

    @property
    def cont(self) -> tuple[str, ...]:
        return SCENARIOS[self.name]["cont"]

    @property
    def cat(self) -> tuple[str, ...]:
        return SCENARIOS[self.name]["cat"]

    @property
    def outputs(self) -> tuple[str, ...]:
        return SCENARIOS[self.name]["outputs"]

    @property
    def task_param(self) -> str:
        return self.cat[0]  # the task id is the first categorical input of every scenario

    @property
    def tasks(self) -> list[str]:
        return [str(t) for t in self.params[self.task_param]["choices"]]

    def predict(self, rows: pd.DataFrame | Sequence[Mapping[str, Any]]) -> pd.DataFrame:
        """The model's outputs for ``rows``, each holding every input (task and fidelity too).

        One batch; a categorical value the model does not know is a ``KeyError`` naming it.
        """
        frame = pd.DataFrame(list(rows)) if not isinstance(rows, pd.DataFrame) else rows
        missing = [c for c in (*self.cont, *self.cat) if c not in frame]
        if missing:
            raise KeyError(f"{self.name}: rows lack the input(s) {missing}.")
        x_cont = frame[list(self.cont)].to_numpy(dtype=np.float32)
        codes = []
        for name in self.cat:
            table = self.encoding[name]
            try:
                codes.append([table[str(v)] for v in frame[name]])
            except KeyError as exc:
                raise KeyError(f"{self.name}: unknown {name} {exc.args[0]!r}.") from None
        x_cat = np.array(codes, dtype=np.int32).T.reshape(len(frame), len(self.cat))
        (out,) = self.session.run(None, {"x_cont": x_cont, "x_cat": x_cat})
        return pd.DataFrame(out.astype(float), columns=list(self.outputs), index=frame.index)


@functools.cache
def scenario(name: str) -> Scenario:
    """Load scenario ``name`` from the benchmark data folder (once per process)."""
    import onnxruntime as ort

    if name not in SCENARIOS:
        raise KeyError(f"No YAHPO scenario {name!r}; choose from {sorted(SCENARIOS)}.")
    folder = bench_data("yahpo") / name
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # small batches: threads cost more than they give
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(
        str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"]
    )
    encoding = json.loads((folder / "encoding.json").read_text())
    space = json.loads((folder / "config_space.json").read_text())
    params = {p["name"]: p for p in space["hyperparameters"]}
    return Scenario(name, folder, session, encoding, params)
