"""A trial: the one shape that Study, Registry, importers and export share.

As a table (``study.trials``, ``record.trials``, what ``add_study`` takes) a trial is one
row: ``trial_index``, a column per parameter and per metric (``<metric>_sem`` for a
standard error), then the bookkeeping columns of :data:`COLUMNS`. As a value it is a
:class:`Trial`; :func:`to_frame` and :func:`from_frame` convert between the two, and
:meth:`Trial.stored` / :meth:`Trial.from_stored` between a trial and a registry row.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from hpxplore._jsonable import jsonable
from hpxplore.exceptions import InputError

if TYPE_CHECKING:
    from hpxplore.objectives import Constraint
    from hpxplore.space import Space

__all__ = [
    "COLUMNS",
    "SEM",
    "STATUSES",
    "Trial",
    "from_frame",
    "is_bookkeeping",
    "metric_columns",
    "to_frame",
]

STATUSES = ("completed", "failed", "abandoned", "running", "early_stopped")
SEM = "_sem"  # suffix of a metric's standard-error column
# A trials table's columns that are neither parameter nor metric, in the order it shows them.
COLUMNS = (
    "trial_index",
    "status",
    "origin",
    "error",
    "recommendation_id",
    "recommendation_kind",
    "node",
    "gen_s",
    "eval_s",
    "created_at",
    "feasible",
)
_NOTES = ("recommendation_id", "recommendation_kind", "node", "gen_s", "eval_s")  # kept in extra
_LEGACY_NOTES = {"kind": "recommendation_kind"}  # a registry written before the rename
_LONGEST = {"origin": 32}  # characters the registry's column holds


@dataclass
class Trial:
    """One evaluation of one config: what it measured and where it came from."""

    trial_index: int
    config: dict[str, Any]
    metrics: dict[str, float | None] = field(default_factory=dict)
    sems: dict[str, float] = field(default_factory=dict)
    status: str = "running"
    origin: str | None = None  # "transferred", "quasi-random", "model", or an importer's word
    error: str | None = None
    recommendation_id: int | None = None  # the stored recommendation it evaluates
    recommendation_kind: str | None = None  # that recommendation's kind ("conservative", ...)
    node: str | None = None  # Ax's generation node
    gen_s: float | None = None  # seconds Ax took to generate it
    eval_s: float | None = None  # seconds the evaluation took
    created_at: dt.datetime | None = None  # when the registry first stored it
    curve: list[tuple[int, dict[str, float]]] = field(default_factory=list, repr=False)

    @property
    def finished(self) -> bool:
        return self.status != "running"

    def meets(self, constraints: Iterable[Constraint]) -> bool:
        """Whether its metrics meet every constraint (a missing one does not)."""
        return all(c.satisfied(self.metrics.get(c.metric)) for c in constraints)

    def stored(self) -> dict[str, Any]:
        """The registry row's fields (JSON values; the notes beside the metrics in ``extra``)."""
        notes = {n: getattr(self, n) for n in _NOTES if getattr(self, n) is not None}
        return {
            "trial_index": int(self.trial_index),
            "config": jsonable(self.config),
            "metrics": jsonable(self.metrics),
            "sems": jsonable(self.sems) or None,
            "status": self.status,
            "origin": _text(self.origin),
            "error": _text(self.error),
            "extra": jsonable(notes) or None,
        }

    @classmethod
    def from_stored(
        cls,
        *,
        trial_index: int,
        config: Mapping[str, Any],
        metrics: Mapping[str, Any],
        sems: Mapping[str, Any] | None,
        status: str,
        origin: str | None,
        error: str | None,
        extra: Mapping[str, Any] | None,
        created_at: dt.datetime | None = None,
    ) -> Trial:
        notes = {_LEGACY_NOTES.get(k, k): v for k, v in (extra or {}).items()}
        return cls(
            int(trial_index),
            dict(config),
            dict(metrics),
            dict(sems or {}),
            status,
            origin,
            error,
            created_at=created_at,
            **{n: notes[n] for n in _NOTES if notes.get(n) is not None},
        )


def _text(value: str | None) -> str | None:
    """Text as a registry column holds it on every back end (PostgreSQL refuses NUL, and
    neither takes a lone surrogate, which is not Unicode text)."""
    if value is None:
        return None
    text = str(value).replace("\x00", "\\x00")
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def is_bookkeeping(column: Any) -> bool:
    """True for the columns that are neither a parameter nor a metric."""
    return column in COLUMNS or str(column).endswith(SEM)


def metric_columns(frame: pd.DataFrame, space: Mapping[str, Any]) -> list[str]:
    """The metric columns of a trials table: neither parameters nor bookkeeping."""
    return [str(c) for c in frame.columns if c not in space and not is_bookkeeping(c)]


def to_frame(
    trials: Iterable[Trial],
    space: Mapping[str, Any],
    metrics: Sequence[str] = (),
    constraints: Sequence[Constraint] = (),
) -> pd.DataFrame:
    """The trials table: ``trial_index``, parameters, metrics (``metrics`` first, then any
    other), their SEMs, then the bookkeeping columns; ``feasible`` per ``constraints``."""
    from hpxplore.pareto import feasible_mask

    ordered = sorted(trials, key=lambda t: t.trial_index)
    found = dict.fromkeys(m for t in ordered for m in t.metrics)
    names = [m for m in metrics] + [m for m in found if m not in metrics]
    sems = [m for m in names if any(m in t.sems for t in ordered)]
    nan = float("nan")
    columns: dict[str, Any] = {"trial_index": [t.trial_index for t in ordered]}
    for p in space:
        columns[p] = [t.config.get(p) for t in ordered]
    for m in names:
        values = [t.metrics.get(m) for t in ordered]
        columns[m] = [nan if v is None else v for v in values]
    for m in sems:
        columns[f"{m}{SEM}"] = [t.sems.get(m, nan) for t in ordered]
    frame = pd.DataFrame(columns, index=pd.RangeIndex(len(ordered)))
    for m in [*names, *(f"{m}{SEM}" for m in sems)]:
        frame[m] = pd.to_numeric(frame[m], errors="coerce")
    for column in COLUMNS[1:-1]:  # object columns: None where nothing was noted, not NaN
        frame[column] = pd.Series([getattr(t, column) for t in ordered], dtype=object)
    frame["feasible"] = feasible_mask(frame, constraints) if len(frame) else pd.Series(dtype=bool)
    return frame


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _status(value: Any, row: int) -> str:
    text = str(value).strip().lower() if not _is_missing(value) else "completed"
    if text not in STATUSES:
        raise InputError(
            f"Row {row}: status {value!r} is not one of {list(STATUSES)}.",
            "Use 'completed' for trials with results and 'failed' for the others.",
        )
    return text


def _checked_metrics(frame: pd.DataFrame, space: Space) -> list[str]:
    others = metric_columns(frame, space)
    wrong = [
        c for c in others if not pd.api.types.is_numeric_dtype(frame[c]) or frame[c].dtype == bool
    ]
    if wrong:
        raise InputError(
            f"Column(s) {wrong} are neither parameters of the space {sorted(space)} nor numeric metrics.",
            "Drop them from the trials table, or add them to the space if they are parameters.",
        )
    return others


def _indices(frame: pd.DataFrame) -> list[int]:
    if "trial_index" not in frame.columns:
        return list(range(len(frame)))
    indices = frame["trial_index"].tolist()
    whole = all(
        not _is_missing(i) and isinstance(i, (int, float)) and float(i).is_integer()
        for i in indices
    )
    if not whole or len(set(indices)) != len(indices) or not all(0 <= i < 2**31 for i in indices):
        raise InputError(
            "Column 'trial_index' must hold distinct whole numbers from 0 to 2**31 - 1.",
            "Renumber the trials, or drop the column to number them 0, 1, ...",
        )
    return [int(i) for i in indices]


def _note(record: Mapping[str, Any], column: str, kind: type, row: int) -> Any:
    value = record.get(column)
    if _is_missing(value):
        return None
    if kind is str:
        return _text(str(value))[: _LONGEST.get(column, 10_000)]
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        number = math.nan
    if not math.isfinite(number) or (kind is int and not number.is_integer()):
        wanted = "a whole number" if kind is int else "a finite number of seconds"
        raise InputError(
            f"Row {row}: column {column!r} must hold {wanted}, got {value!r}"[:300] + ".",
            f"Fix the column, or drop it: {column!r} is bookkeeping hpxplore fills itself.",
        )
    return kind(number)


def from_frame(
    frame: Any,
    space: Space,
    objectives: Mapping[str, str],
    constraints: Sequence[Constraint] = (),
    *,
    nan_metrics: str = "error",
) -> list[Trial]:
    """The trials of a trials table, checked against the space and objectives.

    ``nan_metrics="error"`` refuses a completed trial whose objective or constraint metric is
    missing; ``"failed"`` keeps such trials as failed, with the reason. A table that
    :func:`to_frame` made (``study.trials``, ``record.trials``) reads back as it was.
    """
    if not isinstance(frame, pd.DataFrame):
        raise InputError(
            f"`trials` must be a pandas DataFrame, got {type(frame).__name__}.",
            "One row per trial, one column per parameter and per metric.",
        )
    if frame.empty:
        raise InputError(
            "The trials table is empty.", "A study needs at least one trial to be of use."
        )
    if nan_metrics not in ("error", "failed"):
        raise InputError(
            f"nan_metrics must be 'error' or 'failed', got {nan_metrics!r}.",
            "'error' refuses a table with a missing metric; 'failed' stores those trials as failed.",
        )
    labels = [str(c) for c in frame.columns]  # pd.DataFrame(array) names its columns 0, 1, ...
    if len(set(labels)) < len(labels):
        repeated = sorted({label for label in labels if labels.count(label) > 1})
        raise InputError(
            f"The trials table has columns named alike: {repeated}.",
            "Rename the columns so that each has its own name.",
        )
    frame = frame.set_axis(labels, axis=1)
    missing_params = [p for p in space if p not in frame.columns]
    if missing_params:
        raise InputError(
            f"The trials table lacks the parameter column(s) {missing_params}.",
            "Add one column per parameter of the space, named as in the space.",
        )
    metrics = _checked_metrics(frame, space)
    required = list(objectives) + [c.metric for c in constraints if c.metric not in objectives]
    missing_metrics = [m for m in required if m not in metrics]
    if missing_metrics:
        raise InputError(
            f"The trials table lacks the metric column(s) {missing_metrics} named by the objectives "
            "or constraints.",
            f"Add them, or correct the objectives/constraints (metric columns found: {metrics}).",
        )
    sems = [m for m in metrics if f"{m}{SEM}" in frame.columns]
    trials = []
    for row, (index, record) in enumerate(
        zip(_indices(frame), frame.to_dict("records"), strict=True)
    ):
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
        error = _note(record, "error", str, row)
        nan = [m for m in required if values.get(m) is None]
        if status == "completed" and nan:
            if nan_metrics == "error":
                raise InputError(
                    f"Row {row} (trial {index}): metric(s) {nan} are missing or NaN in a completed trial.",
                    "Mark the trial failed (a 'status' column), drop the row, or pass "
                    "nan_metrics='failed' to store such trials as failed.",
                )
            status, error = "failed", f"metric(s) {nan} missing or NaN"
        trials.append(
            Trial(
                index,
                config,
                values,
                {m: s for m in sems if (s := jsonable(record[f"{m}{SEM}"])) is not None},
                status,
                _note(record, "origin", str, row),
                error,
                recommendation_id=_note(record, "recommendation_id", int, row),
                recommendation_kind=_note(record, "recommendation_kind", str, row),
                node=_note(record, "node", str, row),
                gen_s=_note(record, "gen_s", float, row),
                eval_s=_note(record, "eval_s", float, row),
            )
        )
    return trials
