"""Guardrails a recommendation passes or trips: deviation from the baseline, constraints,
budget caps on cost metrics, and adaptation to the new space. A tripping recommendation is
kept and flagged, so the user decides with the facts in front of them."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from hpxplore.objectives import Constraint
from hpxplore.space import Choice, Space
from hpxplore.transfer._projection import meets_probability

__all__ = ["deviation", "guardrails", "percent", "tripped", "unchecked"]


def deviation(
    config: Mapping[str, Any], baseline: Mapping[str, Any], space: Space
) -> dict[str, float]:
    """Per parameter: distance from the baseline in the unit cube (1 for a changed choice)."""
    out = {}
    for name, param in space.items():
        if isinstance(param, Choice):
            out[name] = 0.0 if config[name] == baseline[name] else 1.0
        else:
            out[name] = abs(param.to_unit(config[name]) - param.to_unit(baseline[name]))
    return out


def guardrails(
    config: Mapping[str, Any],
    baseline: Mapping[str, Any],
    space: Space,
    limits: Mapping[str, float],
    projected: Mapping[str, Mapping[str, float]],
    constraints: list[Constraint],
    caps: list[Constraint],
    mapping: Mapping[str, Any],
) -> dict[str, dict[str, Any]]:
    """``{name: {"passed": bool | None, "detail": str}}`` for every guardrail that applies;
    ``passed`` is ``None`` for a constraint or cap no close study measured (not checked)."""
    out: dict[str, dict[str, Any]] = {}
    if limits:
        moved = deviation(config, baseline, space)
        over = {p: round(d, 3) for p, d in moved.items() if p in limits and d > limits[p]}
        out["max_deviation"] = {
            "passed": not over,
            "detail": f"moves {over} beyond the allowed deviation from the baseline"
            if over
            else "within the allowed deviation from the baseline",
        }
    labelled = [(f"constraint {c}", c) for c in constraints] + [(f"budget {c}", c) for c in caps]
    for label, c in labelled:
        if c.metric in projected:
            p = projected[c.metric]
            value, log = p["mean"], bool(p.get("log_scale"))
            sd = math.hypot(p.get("neighbour_sd", 0.0), p.get("model_sd", 0.0))
            at = math.log(value) if log else value  # a logged projection is positive
            chance = float(meets_probability(c, at, sd, log=log))
            out[label] = {
                "passed": c.satisfied(value),
                "probability": round(chance, 4),
                "detail": f"projected {c.metric} = {value:.4g}; meets it with a "
                f"{percent(chance)} chance",
            }
        else:  # said, not passed: the user must know it was not checked
            out[label] = {
                "passed": None,
                "detail": f"not checked: no close study measured {c.metric}",
            }
    if mapping.get("clipped") or mapping.get("filled"):
        out["mapping"] = {"passed": False, "detail": _adapted(config, mapping)}
    return out


def percent(chance: float) -> str:
    """A chance as a percentage that never rounds a doubt away (0.996 is "> 99%")."""
    if chance > 0.99:
        return "> 99%"
    if chance < 0.01:
        return "< 1%"
    return f"{chance:.0%}"


def _adapted(config: Mapping[str, Any], mapping: Mapping[str, Any]) -> str:
    """How the source config was fitted into the new space, in words."""
    parts = [
        f"{name} clipped from {was:.4g} to {now:.4g}"
        for name, (was, now) in mapping.get("clipped", {}).items()
    ]
    parts += [
        f"{name} is not in the source study, so it takes the baseline's {config[name]!r}"
        for name in mapping.get("filled", [])
    ]
    return "adapted to the new space: " + "; ".join(parts)


def tripped(guards: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The guardrails a recommendation trips."""
    return [name for name, g in guards.items() if g["passed"] is False]


def unchecked(guards: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The guardrails that could not be checked (nothing measured their metric)."""
    return [name for name, g in guards.items() if g["passed"] is None]
