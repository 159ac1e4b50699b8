"""The few facts about a study's health that matter first, read from Ax's analysis cards and
the trials: how well Ax's model fits each metric (with a plain verdict), how many trials
are feasible, how the search progresses. The rest of Ax's cards come after, on request.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from hpxplore.objectives import primary
from hpxplore.pareto import best

__all__ = ["FIT_GOOD", "FIT_WEAK", "HealthInfo", "fit_verdict", "health_info"]

FIT_GOOD = 0.5  # leave-one-out R² from which the model's picks and indices can be trusted
FIT_WEAK = 0.1  # below it, the model predicts unseen trials no better than their mean
_R2 = re.compile(r"^Cross Validation for (?P<metric>.+) \(R² = (?P<r2>-?[\d.]+|nan)\)$")
_FIRST = ("Utility Progression", "Summary of model fits")  # Ax's cards that come first
_NO_BEST = "No best trial"
_LATER = " -- Not Available Yet"  # Ax's cards that need a fitted model or more trials


def fit_verdict(r2: float) -> tuple[str, str]:
    """``(level, words)`` for a leave-one-out R²: ``ok``, ``warning`` or ``error``."""
    if not math.isfinite(r2):
        return "warning", "not known yet (too few trials to cross-validate)"
    if r2 >= FIT_GOOD:
        return "ok", f"good (R² {r2:.2f}): its predictions, picks and sensitivity can be trusted"
    if r2 >= FIT_WEAK:
        return "warning", (
            f"weak (R² {r2:.2f}): it explains some of the variation; treat its sensitivity "
            "as a rough guide"
        )
    return "error", (
        f"poor (R² {r2:.2f}): it predicts unseen trials no better than their mean; its "
        "sensitivity describes the model, not the task. More trials help"
    )


@dataclass
class HealthInfo:
    """What the Health tab shows: ``fit`` (metric -> R²; empty before Ax fits a model),
    ``feasible`` (feasible, completed), ``best`` (a sentence on the best trial so far), Ax's
    cards that come ``first``, the ``others`` (behind a click) and the analyses that come
    ``later`` (Ax cannot compute them yet)."""

    fit: dict[str, float]
    feasible: tuple[int, int]
    best: str
    first: list[dict[str, Any]] = field(default_factory=list)
    others: list[dict[str, Any]] = field(default_factory=list)
    later: list[str] = field(default_factory=list)  # analyses Ax cannot compute yet


def health_info(
    cards: Sequence[Mapping[str, Any]],
    trials: pd.DataFrame,
    objectives: Mapping[str, str],
) -> HealthInfo:
    """Sort Ax's ``cards`` (``Study.health()``) into what comes first and the rest, and read
    the model's fit per metric from its cross-validation cards."""
    fit: dict[str, float] = {}
    for card in cards:
        match = _R2.match(card["title"])
        if match:
            fit[match["metric"]] = float(match["r2"])
    done = trials[trials["status"] == "completed"] if len(trials) else trials
    feasible = int(done["feasible"].sum()) if len(done) else 0
    best = _best_sentence(done[done["feasible"]] if len(done) else done, objectives)
    first, others, later = [], [], []
    for card in cards:
        if card["kind"] == "graph":
            continue
        if card["kind"] == "error" and _NO_BEST in card["subtitle"] and feasible:
            continue  # Ax's own best-trial search failed, but the study has a best: said above
        if card["title"].endswith(_LATER):
            later.append(card["title"].removesuffix(_LATER))
            continue
        important = card["title"] in _FIRST or card["kind"] == "health"
        (first if important else others).append(dict(card))
    others.sort(key=lambda c: c["kind"] == "error")  # errors last
    return HealthInfo(fit, (feasible, len(done)), best, first, others, sorted(set(later)))


def _best_sentence(feasible: pd.DataFrame, objectives: Mapping[str, str]) -> str:
    if feasible.empty:
        return "No feasible trial yet."
    if len(objectives) > 1:
        return (
            f"{len(feasible)} feasible trial(s); the Pareto tab holds their trade-offs "
            f"({', '.join(objectives)})."
        )
    metric = primary(objectives)[0]
    top = best(feasible, objectives)
    return (
        f"Best {metric} so far: {top[metric]:.4g}, trial {int(top['trial_index'])} of "
        f"{len(feasible)} feasible."
    )
