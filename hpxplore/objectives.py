"""Objectives (``{"accuracy": "maximize"}``) and outcome constraints (``"latency_ms <= 5"``)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hpxplore.exceptions import InputError

__all__ = ["SCHEMA_COLUMNS", "Constraint", "parse_constraints", "parse_objectives"]

# The trial schema's own columns beside parameters and metrics: no metric may take their names.
SCHEMA_COLUMNS = ("trial_index", "status", "origin", "error", "created_at")

_DIRECTIONS = {"maximize": "maximize", "max": "maximize", "minimize": "minimize", "min": "minimize"}
_CONSTRAINT = re.compile(r"^\s*([A-Za-z_][\w.\-]*)\s*(<=|>=)\s*([-+]?[\d.]+(?:[eE][-+]?\d+)?)\s*$")


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


def _check_name(metric: str) -> None:
    if metric in SCHEMA_COLUMNS:
        raise InputError(
            f"A metric cannot be called {metric!r}: the trials table keeps that column for "
            f"itself (its own columns: {list(SCHEMA_COLUMNS)}).",
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

    def satisfied(self, value: float) -> bool:
        if value is None or not math.isfinite(value):
            return False
        return value <= self.bound if self.op == "<=" else value >= self.bound

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
