"""Space narrowing: a smaller search space around the neighbours' best configurations.

The bounding-box idea of Perrone et al. (NeurIPS 2019, "Learning search spaces for
Bayesian optimization"): the smallest box that holds the best configurations of each
related task, widened by a margin. Proposed only when the neighbours are close enough.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from hpxplore.space import Choice, Float, Int, Space, describe, sets
from hpxplore.transfer._mapping import map_config

__all__ = ["NarrowedSpace", "narrow_space"]


@dataclass(frozen=True)
class NarrowedSpace:
    """The proposed space (``None`` when narrowing is not advised) and why."""

    space: Space | None
    rationale: str
    sources: list[str] = field(default_factory=list)
    share_of_volume: float | None = None  # of the original space's unit-cube volume


def _from_unit(param: Float | Int, u: float) -> float:
    u = min(max(u, 0.0), 1.0)
    if param.log:
        value = math.exp(math.log(param.low) + u * (math.log(param.high) - math.log(param.low)))
    else:
        value = param.low + u * (param.high - param.low)
    return min(max(value, param.low), param.high)  # no rounding past the original bounds


def narrow_space(
    space: Space,
    neighbours: list[tuple[Any, float]],
    primary: str,
    direction: str,
    *,
    top: int = 3,
    margin: float = 0.1,
    min_similarity: float = 0.6,
) -> NarrowedSpace:
    """``neighbours``: (study record, similarity) pairs of in-distribution studies."""
    usable = [(r, s) for r, s in neighbours if s >= min_similarity and primary in r.trials]
    if not usable:
        best = max((s for _r, s in neighbours), default=0.0)
        return NarrowedSpace(
            None,
            f"Not narrowed: no neighbour reaches similarity {min_similarity:.2f} "
            f"(the closest is {best:.2f}); the full space keeps every option open.",
        )
    best_configs: list[tuple[dict[str, Any], Any]] = []  # (config, the study it came from)
    for record, _s in usable:
        done = record.trials[record.trials["status"] == "completed"].dropna(subset=[primary])
        ranked = done.sort_values(primary, ascending=direction == "minimize").head(top)
        for row in ranked.to_dict("records"):
            mapped = map_config({p: row.get(p) for p in record.space}, space)
            if mapped is not None:
                best_configs.append((mapped.config, record))
    if not best_configs:
        return NarrowedSpace(
            None, "Not narrowed: the neighbours' best configs do not fit this space."
        )
    narrowed: Space = {}
    volume = 1.0
    for name, param in space.items():
        # only the studies that set the parameter are evidence for it
        values = [c[name] for c, record in best_configs if sets(record.space, name, param)]
        if not values:
            narrowed[name] = param
            continue
        if isinstance(param, Choice):
            kept = tuple(v for v in param.values if v in values)
            narrowed[name] = Choice(kept, ordered=param.ordered) if len(kept) > 1 else param
            volume *= len(narrowed[name].values) / len(param.values)
            continue
        units = [param.to_unit(v) for v in values]
        lo_u, hi_u = max(0.0, min(units) - margin), min(1.0, max(units) + margin)
        low, high = _from_unit(param, lo_u), _from_unit(param, hi_u)
        if isinstance(param, Int):
            low, high = math.floor(low), math.ceil(high)
            narrowed[name] = Int(low, high, log=param.log) if low < high else param
        else:
            narrowed[name] = Float(low, high, log=param.log) if low < high else param
        volume *= (hi_u - lo_u) if narrowed[name] != param else 1.0
    names = [r.name for r, _s in usable]
    mean_similarity = sum(s for _r, s in usable) / len(usable)
    changed = [
        f"{n} {describe(p)} (was {describe(space[n])})"
        for n, p in narrowed.items()
        if p != space[n]
    ]
    unset = [n for n, p in space.items() if not any(sets(r.space, n, p) for r, _s in usable)]
    text = (
        f"Narrowed to the box around the top {top} configs of {len(usable)} neighbour(s) "
        f"({', '.join(names)}; mean similarity {mean_similarity:.2f}), widened by {margin:.0%} of "
        f"each range: {len(best_configs)} configs, {volume:.1%} of the original volume. "
        + (f"Changed: {'; '.join(changed)}." if changed else "No range changed.")
        + (f" Kept whole: {', '.join(unset)} (set by none of these studies)." if unset else "")
    )
    return NarrowedSpace(narrowed if changed else None, text, names, volume)
