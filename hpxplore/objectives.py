"""Objectives (``{"accuracy": "maximize"}``) and outcome constraints (``"latency_ms <= 5"``)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from hpxplore.exceptions import InputError
from hpxplore.trial import COLUMNS, is_bookkeeping

__all__ = [
    "Constraint",
    "parse_constraints",
    "parse_objectives",
    "primary",
    "required_metrics",
]

_DIRECTIONS = {"maximize": "maximize", "max": "maximize", "minimize": "minimize", "min": "minimize"}
# any metric name (Ax's own stand-in is made where it is needed: study/_ax.ax_name)
_COMPARISON = re.compile(r"<|>|==|!=")  # in a metric's name: two constraints in one string
_CONSTRAINT = re.compile(r"^\s*(\S.*?)\s*(<=|>=)\s*([-+]?[\d.]+(?:[eE][-+]?\d+)?)\s*$")


def parse_objectives(objectives: Any) -> dict[str, str]:
    """Validate ``{metric: "maximize" | "minimize"}``; ``"max"``/``"min"`` are accepted."""
    if isinstance(objectives, str):
        objectives = {objectives: "maximize"}
    if not isinstance(objectives, Mapping) or not objectives:
        raise InputError(
            f"`objectives` must be a non-empty dict of metric -> direction, got {objectives!r}.",
            'Write e.g. {"accuracy": "maximize", "predict_ms": "minimize"}.',
        )
    parsed = {}
    for metric, direction in objectives.items():
        key = str(direction).strip().lower()
        if not isinstance(metric, str) or not metric or key not in _DIRECTIONS:
            raise InputError(
                f"Objective {metric!r}: direction must be 'maximize' or 'minimize', got {direction!r}.",
                'Write e.g. {"accuracy": "maximize"}.',
            )
        _check_name(metric)
        parsed[metric] = _DIRECTIONS[key]
    return parsed


def primary(objectives: Mapping[str, str]) -> tuple[str, str]:
    """The first objective and its direction: what "best" means with one objective."""
    return next(iter(objectives.items()))


def required_metrics(objectives: Mapping[str, str], constraints: Iterable[Constraint]) -> list[str]:
    """The metrics every completed trial must have: the objectives, then constrained ones."""
    metrics = list(objectives)
    return metrics + [c.metric for c in constraints if c.metric not in metrics]


def _check_name(metric: str) -> None:
    if is_bookkeeping(metric):
        raise InputError(
            f"A metric cannot be called {metric!r}: the trials table keeps that column for "
            f"itself (its own columns: {list(COLUMNS)}, and names ending in '_sem').",
            f"Rename the metric, e.g. {metric + '_rate' if metric == 'error' else metric + '_value'!r}, "
            "in the objectives and in what evaluate returns.",
        )


@dataclass(frozen=True)
class Constraint:
    """An outcome constraint ``metric <= bound`` or ``metric >= bound``."""

    metric: str
    op: str
    bound: float

    @classmethod
    def parse(cls, text: str) -> Constraint:
        match = _CONSTRAINT.match(text) if isinstance(text, str) else None
        if match is None:
            raise InputError(
                f"Cannot read the constraint {text!r}.",
                'Write it as Ax does: "metric <= number" or "metric >= number", e.g. "latency_ms <= 5".',
            )
        metric, op, bound = match.groups()
        if _COMPARISON.search(metric):
            raise InputError(
                f"Cannot read the constraint {text!r}: it holds more than one comparison.",
                "Give one constraint per string, in a list: e.g. "
                '["fit_s <= 1", "loss <= 2"] instead of "fit_s <= 1 and loss <= 2".',
            )
        try:
            value = float(bound)
        except ValueError:
            raise InputError(
                f"Constraint {text!r}: {bound!r} is not a number.",
                'Write the bound as a number, e.g. "latency_ms <= 5".',
            ) from None
        if not math.isfinite(value):
            raise InputError(
                f"Constraint {text!r}: the bound must be finite.",
                "Drop the constraint instead of bounding it by infinity.",
            )
        return cls(metric, op, value)

    def holds(self, values: Any) -> np.ndarray:
        """Per value, whether it meets the constraint (a missing or non-finite one does not)."""
        values = np.asarray(
            [np.nan if v is None else v for v in np.atleast_1d(values)], dtype=float
        )
        with np.errstate(invalid="ignore"):
            met = values <= self.bound if self.op == "<=" else values >= self.bound
        return met & np.isfinite(values)

    def satisfied(self, value: float | None) -> bool:
        return bool(self.holds([value])[0])

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.bound:g}"

    def to_json(self) -> str:
        return str(self)


def parse_constraints(constraints: Iterable[str | Constraint] | str | None) -> list[Constraint]:
    """Parse ``None``, one string, or a list of strings into :class:`Constraint` objects."""
    if constraints is None:
        return []
    if isinstance(constraints, (str, Constraint)):
        constraints = [constraints]
    parsed = [c if isinstance(c, Constraint) else Constraint.parse(c) for c in constraints]
    for constraint in parsed:
        _check_name(constraint.metric)
    return parsed
