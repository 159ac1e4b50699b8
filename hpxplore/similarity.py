"""Task similarity: a distance between fingerprints, what drove it, and an out-of-distribution check.

Each meta-feature is transformed (log for counts and ratios), then scaled by its robust
spread across the reference tasks (IQR / 1.349, floored so that near-identical registries
do not inflate tiny gaps). The distance between two tasks is the weighted root mean
square of their scaled differences over the meta-features **both** have, so tasks known
by different sets of meta-features stay comparable; each row says which were used.
Similarity is ``exp(-distance² / (2 · bandwidth²))`` in [0, 1], so a feature's share of the
squared distance is also its share of the similarity lost.

A task is *in distribution* for a neighbour when their distance is no larger than the
threshold read from the nearest-neighbour distances among the reference tasks themselves:
their conformal ``quantile`` (95 %), the ``ceil((n + 1) · 0.95)``-th smallest of ``n``, so
that a task drawn like the registered ones is flagged about 5 % of the time (a plain
empirical quantile of 7 distances flags it about one time in six). With too few tasks for
that rank (fewer than 19 at 95 %), the threshold is the farthest nearest-neighbour
distance or ``DEFAULT_THRESHOLD``, whichever is larger; never below ``MIN_THRESHOLD``.
Farther than the threshold, the registry holds no close analog.

This module is pure: profiles in, DataFrame out. ``Registry.similar`` feeds it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from hpxplore.exceptions import InputError, count_parameter
from hpxplore.profiling import META_FEATURES, TaskProfile

__all__ = ["MIN_THRESHOLD", "SIMILARITY_COLUMNS", "closest_on", "nearest", "transform"]

MIN_THRESHOLD = 1.0
DEFAULT_THRESHOLD = 2.0  # too few reference tasks to read the distribution's tail
_BLOCK = 256  # reference rows per block of pairwise distances
_RATIO_FEATURES = {"dimensionality", "imbalance_ratio"}
SIMILARITY_COLUMNS = [
    "study",
    "task",
    "similarity",
    "distance",
    "in_distribution",
    "n_shared",
    "contributions",
    "deviations",
    "shared_features",
]


def transform(feature: str, value: float) -> float:
    """The value on the scale distances are taken on (log10 for counts and ratios)."""
    spec = META_FEATURES.get(feature)
    if spec is None or spec.scale != "log":
        return float(value)
    if feature in _RATIO_FEATURES:
        return math.log10(max(value, 1e-6))
    return math.log10(1.0 + max(value, 0.0))


def _matrix(profiles: list[TaskProfile], features: list[str]) -> np.ndarray:
    out = np.full((len(profiles), len(features)), np.nan)
    for j, feature in enumerate(features):
        raw = np.array([p.meta_features.get(feature, np.nan) for p in profiles], dtype=float)
        spec = META_FEATURES.get(feature)
        if spec is not None and spec.scale == "log":
            with np.errstate(invalid="ignore", divide="ignore"):
                raw = (
                    np.log10(np.maximum(raw, 1e-6))
                    if feature in _RATIO_FEATURES
                    else np.log10(1.0 + np.maximum(raw, 0.0))
                )
        out[:, j] = raw
    return out


def _spreads(reference: np.ndarray, features: list[str]) -> np.ndarray:
    spreads = np.empty(len(features))
    for j, feature in enumerate(features):
        column = reference[:, j][~np.isnan(reference[:, j])]
        spec = META_FEATURES.get(feature)
        median = float(np.median(column)) if column.size else 0.0
        floor = spec.min_spread if spec else 0.1 * max(abs(median), 1e-3)
        robust = 0.0
        if column.size >= 4:
            q1, q3 = np.percentile(column, [25, 75])
            robust = (q3 - q1) / 1.349
        elif column.size >= 2:
            robust = float(np.std(column, ddof=1))
        spreads[j] = max(robust, floor)
    return spreads


def _weights(
    weights: Mapping[str, float] | None, features: list[str], allowed: set[str]
) -> np.ndarray:
    weights = dict(weights or {})
    unknown = sorted(set(weights) - allowed - set(META_FEATURES))
    if unknown:
        raise InputError(
            f"Unknown meta-feature(s) in weights: {unknown}.",
            f"Weight only meta-features that profiles carry, e.g. {sorted(META_FEATURES)[:6]}.",
        )
    for name, value in weights.items():
        if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise InputError(
                f"Weight of {name!r} must be a number >= 0, got {value!r}.",
                f"Pass e.g. weights={{{name!r}: 2.0}} (1 is the default; 0 ignores it).",
            )
    return np.array([float(weights.get(f, 1.0)) for f in features])


def _distances(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted RMS of scaled differences over shared features, and the per-feature terms."""
    diff = a - b
    shared = ~np.isnan(diff) & (w > 0)
    terms = np.where(shared, w * np.nan_to_num(diff) ** 2, 0.0)
    total_w = np.where(shared, w, 0.0).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        d2 = np.where(total_w > 0, terms.sum(axis=-1) / total_w, np.nan)
    return np.sqrt(d2), terms


def _nearest_distances(reference: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Each reference task's distance to its nearest other task (inf when it shares no
    meta-feature with any). A k-d tree when no value is missing; else blocks of rows, so
    memory stays linear in the number of tasks."""
    n = len(reference)
    if not np.isnan(reference).any() and (w > 0).any():
        from scipy.spatial import cKDTree

        scaled = reference[:, w > 0] * np.sqrt(w[w > 0] / w[w > 0].sum())
        distances, _ = cKDTree(scaled).query(scaled, k=2)
        return distances[:, 1]
    nn = np.full(n, np.inf)
    for start in range(0, n, _BLOCK):
        block = reference[start : start + _BLOCK]
        pairwise, _ = _distances(block[:, None, :], reference[None, :, :], w)
        pairwise[np.arange(len(block)), np.arange(start, start + len(block))] = np.inf
        nn[start : start + len(block)] = np.min(np.where(np.isnan(pairwise), np.inf, pairwise), 1)
    return nn


def _threshold(reference: np.ndarray, w: np.ndarray, quantile: float) -> float:
    n = len(reference)
    if n < 3:
        return DEFAULT_THRESHOLD
    nn = _nearest_distances(reference, w)
    nn = np.sort(nn[np.isfinite(nn)])
    if nn.size == 0:
        return DEFAULT_THRESHOLD
    rank = math.ceil((nn.size + 1) * quantile)
    if rank > nn.size:
        return max(float(nn[-1]), DEFAULT_THRESHOLD)
    return max(float(nn[rank - 1]), MIN_THRESHOLD)


def nearest(
    query: TaskProfile,
    candidates: Mapping[str, TaskProfile],
    *,
    k: int | None = 5,
    weights: Mapping[str, float] | None = None,
    bandwidth: float = 1.0,
    quantile: float = 0.95,
) -> pd.DataFrame:
    """Rank ``candidates`` (study name -> profile) by similarity to ``query``.

    Returns one row per candidate that shares at least one meta-feature with the query,
    most similar first, with the columns of ``SIMILARITY_COLUMNS``. ``attrs`` holds the
    out-of-distribution ``threshold``, whether the query ``in_distribution`` overall,
    and the query's meta-features ``unused`` (no candidate has them).
    """
    if not isinstance(query, TaskProfile):
        raise InputError(
            f"similar() needs a TaskProfile, got {type(query).__name__}.",
            "Make one with hpx.profile_task(df, target=...) or TaskProfile.from_meta_features.",
        )
    if k is not None:
        count_parameter(k, "k", "similar", 5)
    if not (isinstance(bandwidth, (int, float)) and bandwidth > 0):
        raise InputError(
            f"bandwidth must be a number > 0, got {bandwidth!r}.",
            "Leave it out for the registry's own, or pass e.g. bandwidth=1.0.",
        )
    names = list(candidates)
    profiles = [candidates[n] for n in names]
    known = {f for p in profiles for f in p.meta_features}
    features = sorted(f for f in query.meta_features if f in known)
    w = _weights(weights, features, known | set(query.meta_features))
    frame = pd.DataFrame(columns=SIMILARITY_COLUMNS)
    frame.attrs.update(
        query=query.name,
        threshold=DEFAULT_THRESHOLD,
        in_distribution=False,
        unused=sorted(set(query.meta_features) - known),
    )
    if not names or not features:
        return frame
    reference = _matrix(profiles, features)
    spreads = _spreads(reference, features)
    reference = reference / spreads
    q = _matrix([query], features)[0] / spreads
    distance, terms = _distances(q[None, :], reference, w)
    threshold = _threshold(reference, w, quantile)
    comparable = np.flatnonzero(~np.isnan(distance))  # something in common with the query
    order = comparable[np.lexsort((np.array(names)[comparable], distance[comparable]))]
    rows = []
    for i in order if k is None else order[:k]:
        shared = [f for j, f in enumerate(features) if not np.isnan(reference[i, j]) and w[j] > 0]
        total = terms[i].sum()
        contributions = {
            f: float(terms[i, j] / total) if total > 0 else 0.0
            for j, f in enumerate(features)
            if f in shared
        }
        deviations = {
            f: float(q[j] - reference[i, j]) for j, f in enumerate(features) if f in shared
        }
        rows.append(
            {
                "study": names[i],
                "task": profiles[i].name,
                "similarity": float(math.exp(-(distance[i] ** 2) / (2 * bandwidth**2))),
                "distance": float(distance[i]),
                "in_distribution": bool(distance[i] <= threshold),
                "n_shared": len(shared),
                "contributions": dict(sorted(contributions.items(), key=lambda kv: -kv[1])),
                "deviations": deviations,
                "shared_features": shared,
            }
        )
    if rows:
        frame = pd.DataFrame(rows, columns=SIMILARITY_COLUMNS)
    frame.attrs.update(
        query=query.name,
        threshold=threshold,
        in_distribution=bool(len(order) and distance[order[0]] <= threshold),
        unused=sorted(set(query.meta_features) - known),
    )
    return frame


def closest_on(deviations: Mapping[str, float], k: int = 3) -> list[str]:
    """The ``k`` meta-features a study is closest on: its smallest deviations from the
    task (those that differ at all first; what rationales and the CLI call "closest on")."""
    informative = {f: d for f, d in deviations.items() if d != 0} or dict(deviations)
    return [f for f, _ in sorted(informative.items(), key=lambda kv: abs(kv[1]))][:k]
