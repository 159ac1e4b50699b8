"""Generated candidates: configs no prior study tried, where the prior studies' model
(``_prior_model``) expects the task's optimum, its doubt counted.

The observed pool (``_ranking.candidates``) holds only configs some prior study happened to
try. The model of the prior studies can say where between their trials the optimum lies;
its score (the caller's ``scorer``) is maximized over the space by an evolutionary search:
perturbations of the best observed configs at three scales and a uniform sample of the
space, then of the best proposals, for a few rounds.

Two checks keep it honest. *Support*: a proposal counts only within reach of prior data,
its nearest prior trial no farther (RMS distance in the unit cube) than 90 % of the prior
trials are from their own nearest one. *Diversity*: each pick lies at least ``MIN_GAP``
from the best observed candidates and from the picks before it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from hpxplore.space import Choice, Space, sample_configs
from hpxplore.transfer._mapping import encode

__all__ = ["MIN_GAP", "Generated", "generate"]

MIN_GAP = 0.05  # RMS unit-cube distance a generated pick keeps from every other candidate
_SCALES = (0.03, 0.1, 0.25)  # perturbation sizes, in the unit cube
_PARENTS = 16  # the best configs perturbed in each round
_CHILDREN = 8  # per parent and scale
_UNIFORM = 256  # proposals drawn over the whole space in the first round
_ROUNDS = 3
_SPACING_SAMPLE = 2_000  # prior trials the spacing is measured on
_SUPPORT_QUANTILE = 0.9


@dataclass(frozen=True)
class Generated:
    """A generated config, its score, and the prior trial nearest to it."""

    config: dict[str, Any]
    score: float
    nearest: int  # row of ``prior`` nearest to it
    distance: float  # RMS unit-cube distance to that trial


def generate(
    starts: list[Mapping[str, Any]],
    space: Space,
    scorer: Callable[[list[dict[str, Any]]], np.ndarray],
    prior: np.ndarray,
    n: int,
    seed: int = 0,
    fixed: Mapping[str, Any] | None = None,
    apart: Sequence[Mapping[str, Any]] = (),
) -> list[Generated]:
    """Up to ``n`` supported, diverse configs, best ``scorer`` value first.

    ``starts``: the observed candidates, best first (perturbed first, and kept apart from);
    ``prior``: the prior trials the scorer learned from, encoded (``_mapping.encode``);
    ``fixed``: parameters kept at these values (those no prior study sets); ``apart``: more
    configs the picks keep ``MIN_GAP`` from (picks made before)."""
    if n < 1 or not starts or len(prior) < 2:
        return []
    rng = np.random.default_rng(seed)
    tree = cKDTree(prior)
    width = np.sqrt(prior.shape[1])
    radius = _spacing(prior, tree, rng) * width  # as a Euclidean distance
    seen: dict[tuple, float] = {}
    parents = [dict(c) for c in starts[:_PARENTS]]
    proposals = sample_configs(space, _UNIFORM, seed)
    for _ in range(_ROUNDS):
        proposals = [{**c, **(fixed or {})} for c in proposals]
        proposals += [
            {**_perturb(parent, space, scale, rng), **(fixed or {})}
            for parent in parents
            for scale in _SCALES
            for _ in range(_CHILDREN)
        ]
        fresh = [c for c in _unique(proposals) if _key(c) not in seen]
        distance = tree.query(encode(fresh, space))[0] if fresh else np.zeros(0)
        fresh = [c for c, d in zip(fresh, distance, strict=True) if d <= radius]
        for config, value in zip(fresh, scorer(fresh) if fresh else [], strict=True):
            seen[_key(config)] = float(value)
        best = sorted(seen, key=seen.__getitem__, reverse=True)[:_PARENTS]
        parents, proposals = [dict(k) for k in best], []
    return _diverse(seen, [*starts[:n], *apart], space, tree, width, n)


def _spacing(prior: np.ndarray, tree: cKDTree, rng: np.random.Generator) -> float:
    """The RMS distance within which most prior trials have another (``_SUPPORT_QUANTILE``)."""
    rows = prior
    if len(rows) > _SPACING_SAMPLE:
        rows = prior[rng.choice(len(prior), _SPACING_SAMPLE, replace=False)]
    distances = tree.query(rows, k=2)[0][:, 1]
    return float(np.quantile(distances, _SUPPORT_QUANTILE)) / np.sqrt(prior.shape[1])


def _diverse(
    seen: Mapping[tuple, float],
    taken: list[Mapping[str, Any]],
    space: Space,
    tree: cKDTree,
    width: float,
    n: int,
) -> list[Generated]:
    """The best ``n`` configs of ``seen``, each ``MIN_GAP`` from ``taken`` (the observed
    picks they sit beside, the picks before) and from each other."""
    taken = encode([dict(c) for c in taken], space)
    out: list[Generated] = []
    for key in sorted(seen, key=seen.__getitem__, reverse=True):
        config = dict(key)
        x = encode([config], space)[0]
        if len(taken) and np.min(np.linalg.norm(taken - x, axis=1)) < MIN_GAP * width:
            continue
        distance, nearest = tree.query(x)
        out.append(Generated(config, seen[key], int(nearest), float(distance / width)))
        taken = np.vstack([taken, x]) if len(taken) else x[None]
        if len(out) == n:
            break
    return out


def _perturb(
    config: Mapping[str, Any], space: Space, scale: float, rng: np.random.Generator
) -> dict[str, Any]:
    """A Gaussian step of ``scale`` in the unit cube; a choice is redrawn with that chance."""
    out = {}
    for name, param in space.items():
        if isinstance(param, Choice):
            redraw = rng.random() < scale
            out[name] = param.values[rng.integers(len(param.values))] if redraw else config[name]
        else:
            u = param.to_unit(param.clip(config[name])) + rng.normal(0.0, scale)
            out[name] = param.from_unit(u)
    return out


def _key(config: Mapping[str, Any]) -> tuple:
    return tuple(sorted(config.items()))


def _unique(configs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return list({_key(c): c for c in configs}.values())
