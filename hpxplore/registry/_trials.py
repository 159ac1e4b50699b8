"""Checking a trials table (one row per trial, a column per parameter and per metric)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from hpxplore._jsonable import jsonable
from hpxplore.exceptions import InputError
from hpxplore.objectives import SCHEMA_COLUMNS, Constraint
from hpxplore.space import Space

__all__ = ["STATUSES", "TrialData", "trials_from_frame"]

STATUSES = ("completed", "failed", "abandoned", "running", "early_stopped")
_IGNORED = ("created_at",)  # written by the registry: a StudyRecord's trials can be re-added
_RESERVED = tuple(c for c in SCHEMA_COLUMNS if c not in _IGNORED)
BOOKKEEPING = SCHEMA_COLUMNS  # a trials table's columns that are neither parameter nor metric


@dataclass(frozen=True)
class TrialData:
    trial_index: int
    config: dict[str, Any]
    metrics: dict[str, float | None]
    status: str
    origin: str | None = None
    error: str | None = None


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _metric_columns(frame: pd.DataFrame, space: Space) -> list[str]:
    frame = frame.drop(columns=[c for c in _IGNORED if c in frame])
    others = [c for c in frame.columns if c not in space and c not in _RESERVED]
    wrong = [
        c for c in others if not pd.api.types.is_numeric_dtype(frame[c]) or frame[c].dtype == bool
    ]
    if wrong:
        raise InputError(
            f"Column(s) {wrong} are neither parameters of the space {sorted(space)} nor numeric metrics.",
            "Drop them from the trials table, or add them to the space if they are parameters.",
        )
    return [str(c) for c in others]


def _status(value: Any, row: int) -> str:
    text = str(value).strip().lower() if not _is_missing(value) else "completed"
    if text not in STATUSES:
        raise InputError(
            f"Row {row}: status {value!r} is not one of {list(STATUSES)}.",
            "Use 'completed' for trials with results and 'failed' for the others.",
        )
    return text


def trials_from_frame(
    trials: Any,
    space: Space,
    objectives: dict[str, str],
    constraints: Sequence[Constraint] = (),
    *,
    nan_metrics: str = "error",
) -> list[TrialData]:
    """Validate a trials DataFrame against the space and objectives.

    ``nan_metrics="error"`` refuses a completed trial whose objective or constraint metric is
    missing; ``"failed"`` stores such trials as failed, with the reason.
    """
    if not isinstance(trials, pd.DataFrame):
        raise InputError(
            f"`trials` must be a pandas DataFrame, got {type(trials).__name__}.",
            "One row per trial, one column per parameter and per metric.",
        )
    if trials.empty:
        raise InputError(
            "The trials table is empty.", "A study needs at least one trial to be of use."
        )
    if nan_metrics not in ("error", "failed"):
        raise InputError(
            f"nan_metrics must be 'error' or 'failed', got {nan_metrics!r}.",
            "'error' refuses a table with a missing metric; 'failed' stores those trials as failed.",
        )
    missing_params = [p for p in space if p not in trials.columns]
    if missing_params:
        raise InputError(
            f"The trials table lacks the parameter column(s) {missing_params}.",
            "Add one column per parameter of the space, named as in the space.",
        )
    metrics = _metric_columns(trials, space)
    required = list(objectives) + [c.metric for c in constraints if c.metric not in objectives]
    missing_metrics = [m for m in required if m not in metrics]
    if missing_metrics:
        raise InputError(
            f"The trials table lacks the metric column(s) {missing_metrics} named by the objectives "
            "or constraints.",
            f"Add them, or correct the objectives/constraints (metric columns found: {metrics}).",
        )
    if "trial_index" in trials.columns:
        indices = trials["trial_index"].tolist()
        if any(_is_missing(i) or float(i) != int(i) for i in indices) or len(set(indices)) != len(
            indices
        ):
            raise InputError(
                "Column 'trial_index' must hold distinct integers.", "Renumber the trials."
            )
        indices = [int(i) for i in indices]
    else:
        indices = list(range(len(trials)))

    records = []
    for row, (index, record) in enumerate(zip(indices, trials.to_dict("records"), strict=True)):
        status = _status(record.get("status"), row)
        config = {}
        for name, param in space.items():
            value = record[name]
            if _is_missing(value):
                if status == "completed":
                    raise InputError(
                        f"Row {row} (trial {index}): parameter {name!r} is missing.",
                        "Fill it, or mark the trial as failed with a 'status' column.",
                    )
                continue
            try:
                config[name] = param.validate(name, jsonable(value))
            except InputError as exc:
                raise InputError(f"Row {row} (trial {index}): {exc.message}", exc.hint) from None
        values = {m: jsonable(record[m]) for m in metrics}
        error = None if _is_missing(record.get("error")) else str(record["error"])
        nan = [m for m in required if values.get(m) is None]
        if status == "completed" and nan:
            if nan_metrics == "error":
                raise InputError(
                    f"Row {row} (trial {index}): metric(s) {nan} are missing or NaN in a completed trial.",
                    "Mark the trial failed (a 'status' column), drop the row, or pass "
                    "nan_metrics='failed' to store such trials as failed.",
                )
            status, error = "failed", f"metric(s) {nan} missing or NaN"
        origin = None if _is_missing(record.get("origin")) else str(record["origin"])
        records.append(TrialData(index, config, values, status, origin, error))
    return records
