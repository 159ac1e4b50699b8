"""Ranking candidates: score every neighbour's best configs on every neighbour, then pick.

A candidate's *quantile* on a neighbour is where its predicted primary objective falls
among that neighbour's observed trials (1 = its best): the forests that project values. The
*order* of the picks is the prior model's (``_prior_model``): its expected normal score
less half its sd (``DOUBT``: the expected value with its doubt counted). Conservative picks
are the observed candidates in that order; with one objective, generated candidates
(``_generation``) alternate with them, and one goes first only when the model gives it at
least ``CONFIDENT`` chance of beating the best observed one. Aggressive is the best observed
config on the nearest neighbour; exploratory the most uncertain of the rest that still ranks
in the upper half; the baseline comes last.

With several objectives the conservative picks are *trade-offs*, a set chosen for the
hypervolume projected for the task: the first holds the most on its own, each next adds the
most to the picks before it, in the projected values the cards show (:func:`projected`,
each objective scaled from the worst candidate's to the best's, the worst candidate the
reference). A candidate not projected feasible is no trade-off; with none projected
feasible, the best observed on the first objective is the one conservative pick.

With constraints or budget caps, every pick comes first from the candidates projected
feasible: their chance of meeting them all (read off the projections' intervals, as the
guardrails are) at least ``FEASIBLE``; a candidate predicted to break one is picked only
when too few others are left.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from hpxplore.objectives import Constraint
from hpxplore.pareto import feasible_mask, hypervolume_gains, pareto_mask
from hpxplore.space import Space
from hpxplore.transfer._mapping import MappedConfig, map_config
from hpxplore.transfer._prior_model import beats_probability
from hpxplore.transfer._projection import meets_probability, spread
from hpxplore.transfer._surrogates import StudySurrogate

if TYPE_CHECKING:
    from hpxplore.registry import StudyRecord

__all__ = [
    "CONFIDENT",
    "DOUBT",
    "FEASIBLE",
    "Candidate",
    "Ranking",
    "candidates",
    "choose",
    "score",
]

_TOP_PER_STUDY = 3
CONFIDENT = 0.8  # the chance a generated pick must have of beating the best observed one
DOUBT = 0.5  # the picks are ordered by the prior model's expected score less DOUBT sd
FEASIBLE = 0.5  # the chance of meeting every constraint a candidate needs to count as feasible


@dataclass(frozen=True)
class Candidate:
    """A prior trial's config mapped into the new space, and where it came from; or a
    generated config (``_generation``), with the study of the prior trial nearest to it."""

    config: dict[str, Any]
    mapped: MappedConfig
    study: str
    trial_index: int | None
    distance: float | None = None  # generated: RMS unit-cube distance to that prior trial

    @property
    def generated(self) -> bool:
        return self.trial_index is None


def candidates(
    record: StudyRecord,
    space: Space,
    objectives: dict[str, str],
    constraints: list[Constraint],
    fill: Mapping[str, Any] | None = None,
) -> list[Candidate]:
    """A prior study's Pareto-optimal trials and its top trials on the first objective.

    ``constraints`` (budget caps included) that the study recorded narrow both to the trials
    that met them there; with none that did, the top trials come from all. A parameter the
    study never set takes its value from ``fill`` (the baseline)."""
    trials = record.trials
    metrics = [m for m in objectives if m in trials]
    if not metrics:
        return []
    own = [c for c in constraints if c.metric in trials]
    values = trials[metrics].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    completed = (trials["status"] == "completed").to_numpy()
    met = feasible_mask(trials, own).to_numpy()
    measured = completed & ~np.isnan(values).any(axis=1)
    on_front = np.flatnonzero(measured & met)
    on_front = on_front[pareto_mask(values[on_front], [objectives[m] for m in metrics])]
    sign = 1.0 if objectives[metrics[0]] == "maximize" else -1.0
    on_front = on_front[np.argsort(-sign * values[on_front, 0], kind="stable")]
    pool = completed & ~np.isnan(values[:, 0])
    pool = pool & met if (pool & met).any() else pool
    ranked = np.flatnonzero(pool)
    top = ranked[np.argsort(-sign * values[ranked, 0], kind="stable")][:_TOP_PER_STUDY]
    rows = trials.iloc[np.concatenate([on_front, top])].to_dict("records")
    out = []
    for row in rows:
        mapped = map_config({p: row.get(p) for p in record.space}, space, fill)
        if mapped is not None:
            out.append(Candidate(mapped.config, mapped, record.name, int(row["trial_index"])))
    return out


@dataclass(kw_only=True)
class Ranking:
    """Every candidate (the baseline last) scored on every neighbour."""

    configs: list[dict[str, Any]]  # the candidates' configs, then the baseline's
    primary: str  # the first objective
    predictions: list[dict[str, np.ndarray]]  # per neighbour: {metric: (trees, configs)}
    quantiles: np.ndarray  # (neighbours, configs)
    mean_q: np.ndarray
    spread_q: np.ndarray
    support: np.ndarray  # weighted share of neighbours with the config in their top quarter
    uncertainty: np.ndarray  # calibrated sd relative to each neighbour's observed range
    objective_q: dict[str, np.ndarray] | None = None  # several objectives: quantile on each
    feasible: np.ndarray | None = None  # chance >= FEASIBLE of meeting every constraint and cap
    generated: np.ndarray | None = None  # True for a generated candidate (``_generation``)
    # the prior model's expected normal score (high = better) and its sd, per objective
    expected: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    # several objectives: each config's projected value on each (``projected``), high = better
    objective_values: dict[str, np.ndarray] | None = None

    def trade_off_points(self) -> np.ndarray:
        """(candidates, objectives): each candidate's projected value on each objective the
        neighbours predict, scaled so that 0 is the worst candidate's and 1 the best's."""
        values = self.objective_values or {}
        columns = [v[: self.baseline] for v in values.values()]
        if not columns:
            return np.zeros((self.baseline, 0))
        points = np.column_stack(columns)
        low, span = points.min(axis=0), np.ptp(points, axis=0)
        return (points - low) / np.where(span > 0, span, 1.0)

    @property
    def baseline(self) -> int:
        return len(self.configs) - 1

    def robust(self, metric: str) -> np.ndarray | None:
        """The prior model's expected score less ``DOUBT`` sd (``None`` without the model)."""
        if metric not in self.expected:
            return None
        mean, sd = self.expected[metric]
        return mean - DOUBT * sd

    def best_observed(self, metric: str) -> int | None:
        """The observed candidate the prior model ranks first, those projected to meet the
        constraints before the others, as the picks are ordered (``None`` without it)."""
        robust = self.robust(metric)
        if robust is None:
            return None
        made = np.zeros(len(robust), bool) if self.generated is None else self.generated
        observed = [int(i) for i in _order(robust, self) if not made[i]]
        return observed[0] if observed else None

    def beats_best_observed(self, metric: str) -> np.ndarray | None:
        """Each candidate's chance, under the prior model, of beating the best observed one
        (:meth:`best_observed`; ``None`` without the model)."""
        top = self.best_observed(metric)
        if top is None:
            return None
        mean, sd = self.expected[metric]
        return beats_probability(mean, sd, float(mean[top]), float(sd[top]))

    def evidence(self, metric: str, i: int) -> dict[str, float]:
        """What the prior model says of candidate ``i``: its expected quantile among a similar
        study's trials, the 95 % interval of that, and its chance of beating the best observed
        candidate (what its card cites)."""
        if metric not in self.expected:
            return {}
        mean, sd = (float(v[i]) for v in self.expected[metric])
        beats = self.beats_best_observed(metric)
        out = {
            "quantile": round(float(norm.cdf(mean)), 4),
            "low": round(float(norm.cdf(mean - 1.96 * sd)), 4),
            "high": round(float(norm.cdf(mean + 1.96 * sd)), 4),
        }
        if beats is not None and i != self.best_observed(metric):  # not against itself
            out["beats_best_observed"] = round(float(beats[i]), 4)
        return out


def score(
    configs: list[dict[str, Any]],
    surrogates: list[StudySurrogate],
    weights: np.ndarray,
    primary: str,
    objectives: list[str] | None = None,
    guards: Sequence[Constraint] = (),
    generated: np.ndarray | None = None,
    expected: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
) -> Ranking:
    """``objectives``: with more than one, each candidate's expected quantile on each (the
    prior model's, else the neighbours' similarity-weighted one) and its projected value.
    ``guards``: constraints and budget caps; a guard no neighbour can predict is not held
    against any. ``generated`` and ``expected`` (the prior model's, per objective) are passed
    through to the :class:`Ranking`."""
    expected = dict(expected or {})
    predictions = [s.predict(configs) for s in surrogates]
    pairs = list(zip(surrogates, predictions, strict=True))
    quantiles = np.stack([s.quantile(primary, p[primary].mean(axis=0)) for s, p in pairs])
    uncertainty = np.stack(
        [s.sd(primary, p[primary]) / (np.ptp(s.fitted(primary)) or 1.0) for s, p in pairs]
    ).mean(axis=0)
    mean_q = np.average(quantiles, axis=0, weights=weights)
    spread_q = np.sqrt(np.average((quantiles - mean_q) ** 2, axis=0, weights=weights))
    support = np.average(quantiles >= 0.75, axis=0, weights=weights)
    per_objective = values = None
    if objectives is not None and len(objectives) > 1:
        per_objective = {}
        values = {
            metric: v
            for metric in objectives
            if (v := projected(surrogates, predictions, weights, metric)) is not None
        }
        for metric in objectives:
            on = [(s, p, w) for (s, p), w in zip(pairs, weights, strict=True) if metric in p]
            if metric in expected:
                per_objective[metric] = norm.cdf(expected[metric][0])
            elif metric == primary:
                per_objective[metric] = mean_q
            elif on:
                q = np.stack([s.quantile(metric, p[metric].mean(axis=0)) for s, p, _ in on])
                per_objective[metric] = np.average(q, axis=0, weights=[w for *_, w in on])
    feasibility = np.ones(len(configs))
    for guard in guards:
        having = [j for j, p in enumerate(predictions) if guard.metric in p]
        if having:
            trees = [predictions[j][guard.metric] for j in having]
            mean, neighbour_sd, model_sd = spread(
                np.stack([t.mean(axis=0) for t in trees]),
                np.stack(
                    [surrogates[j].sd(guard.metric, t) for j, t in zip(having, trees, strict=True)]
                ),
                weights[having],
            )
            log = guard.metric in surrogates[having[0]].logged
            sd = np.hypot(neighbour_sd, model_sd)
            feasibility *= meets_probability(guard, mean, sd, log=log)
    return Ranking(
        configs=configs,
        primary=primary,
        predictions=predictions,
        quantiles=quantiles,
        mean_q=mean_q,
        spread_q=spread_q,
        support=support,
        uncertainty=uncertainty,
        objective_q=per_objective,
        feasible=feasibility >= FEASIBLE,
        generated=generated,
        expected=expected,
        objective_values=values,
    )


def projected(
    surrogates: Sequence[StudySurrogate],
    predictions: Sequence[Mapping[str, np.ndarray]],
    weights: np.ndarray,
    metric: str,
) -> np.ndarray | None:
    """Each config's projected value on ``metric`` (the similarity-weighted mean of the
    neighbours' predictions, in the metric's units, as its card shows), negated when it is
    minimized: high = better. ``None`` when no neighbour predicts it."""
    having = [j for j, p in enumerate(predictions) if metric in p]
    if not having:
        return None
    means = np.stack([predictions[j][metric].mean(axis=0) for j in having])
    first = surrogates[having[0]]
    mean = first.units(metric, np.average(means, axis=0, weights=np.asarray(weights)[having]))
    return mean if first.objectives[metric] == "maximize" else -mean


def _order(values: np.ndarray, ranking: Ranking) -> np.ndarray:
    """Candidate indices, best ``values`` first, those projected feasible before the others."""
    n_cand = ranking.baseline
    feasible = np.ones(n_cand, bool) if ranking.feasible is None else ranking.feasible[:n_cand]
    return np.lexsort((-np.asarray(values[:n_cand], float), ~feasible))


def choose(
    ranking: Ranking, weights: np.ndarray, n: int, nearest_own: np.ndarray | None = None
) -> list[tuple[int, str]]:
    """Up to ``n`` (config index, kind) pairs, diversified; the baseline always last.

    ``nearest_own`` marks the candidates that are the nearest neighbour's own trials: the
    aggressive pick is the best of them by that neighbour's model (its best config, as
    the design says), and only with none left any candidate that model rates highest."""
    n_cand = ranking.baseline
    chosen: list[tuple[int, str]] = []
    primary = ranking.primary
    model_robust = ranking.robust(primary)
    robust = (
        ranking.mean_q[:n_cand] - ranking.spread_q[:n_cand]
        if model_robust is None
        else model_robust[:n_cand]
    )
    several = ranking.objective_q if ranking.objective_q and len(ranking.objective_q) > 1 else None
    made = np.zeros(n_cand, bool) if ranking.generated is None else ranking.generated[:n_cand]
    if several is None or n_cand == 0:
        observed = [int(i) for i in _order(robust, ranking) if not made[i]]
        feasible = ranking.feasible if ranking.feasible is not None else np.ones(n_cand + 1, bool)
        generated = [int(i) for i in _order(robust, ranking) if made[i] and feasible[i]]
        beats = ranking.beats_best_observed(primary)
        confident = bool(generated) and beats is not None and beats[generated[0]] >= CONFIDENT
        chosen += _alternate(generated, observed, max(1, n - 3), generated_first=confident)
    else:
        chosen += [(i, "trade-off") for i in _trade_offs(ranking, n - 2, set())]
        if not chosen:  # none projected feasible: the best observed on the first objective
            first = next((int(i) for i in _order(robust, ranking) if not made[i]), None)
            if first is None:
                return [(n_cand, "baseline")]
            chosen.append((first, "conservative"))
    taken = {i for i, _ in chosen}
    nearest = int(np.argmax(weights))
    order = list(_order(ranking.quantiles[nearest], ranking))
    if nearest_own is not None:
        order = [i for i in order if nearest_own[i]] + [i for i in order if not nearest_own[i]]
    for i in order:
        if int(i) not in taken and not made[i] and len(chosen) < n - 1:
            chosen.append((int(i), "aggressive"))
            taken.add(int(i))
            break
    upper = [
        int(i)
        for i in _order(ranking.uncertainty, ranking)
        if int(i) not in taken and not made[i] and ranking.mean_q[i] >= 0.5
    ]
    if upper and len(chosen) < n - 1:
        chosen.append((upper[0], "exploratory"))
    chosen.append((n_cand, "baseline"))
    return chosen


def _alternate(
    generated: list[int], observed: list[int], count: int, generated_first: bool
) -> list[tuple[int, str]]:
    """``count`` picks alternating between the two kinds (in their orders), a generated one
    first only when ``generated_first``; when one kind runs out, the other fills the rest."""
    queues = {"generated": list(generated), "conservative": list(observed)}
    kinds = ("generated", "conservative") if generated_first else ("conservative", "generated")
    picks = []
    for slot in range(count):
        kind = kinds[slot % 2]
        if not queues[kind]:
            kind = "conservative" if kind == "generated" else "generated"
        if queues[kind]:
            picks.append((queues[kind].pop(0), kind))
    return picks


def _trade_offs(ranking: Ranking, count: int, taken: set[int]) -> list[int]:
    """Up to ``count`` candidates projected feasible, each adding the most projected
    hypervolume to the picks before it (``taken``); once none adds any, the best observed
    one left on the first objective."""
    points = ranking.trade_off_points()
    reference = [0.0] * points.shape[1]
    up = ["maximize"] * points.shape[1]
    n_cand = ranking.baseline
    feasible = ranking.feasible if ranking.feasible is not None else np.ones(n_cand + 1, bool)
    made = ranking.generated if ranking.generated is not None else np.zeros(n_cand + 1, bool)
    first = [int(i) for i in _order(ranking.objective_q[ranking.primary], ranking)]
    picks: list[int] = []
    for _ in range(count):
        left = [i for i in range(n_cand) if i not in taken and feasible[i]]
        if not left:
            break
        gains = np.zeros(len(left))
        if points.shape[1] > 1:  # at least two objectives the neighbours predict
            chosen = points[sorted(taken)] if taken else np.zeros((0, points.shape[1]))
            gains = hypervolume_gains(points[left], chosen, up, reference)
        if gains.max() > 0:
            pick = left[int(np.argmax(gains))]
        else:  # nothing adds to the front: the best observed one left on the first objective
            rest = [i for i in first if i not in taken and feasible[i] and not made[i]]
            if not rest:
                break
            pick = rest[0]
        picks.append(pick)
        taken.add(pick)
    return picks
