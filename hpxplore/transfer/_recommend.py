"""recommend: rank prior studies' best configurations for a new task, and explain why.

A pipeline of named steps (:func:`_recommend`):

1. ``_find``: the ``k`` most similar in-distribution studies (``Registry.similar``), each
   with a calibrated random forest per modelled metric (``_surrogates``: projections in the
   metric's units). With none, transfer is off (``_cold``): only the baseline, with the reason.
2. ``_prior_model``: the one model of the prior studies (``_prior_model``: a GP per study on
   its normal scores, weighted by similarity), over the most similar comparable studies.
3. ``_pool``: the close and prior studies' Pareto-optimal and top trials, mapped into the
   new space (those that met the constraints and budget caps, where any did);
   ``_generated``: with one objective, configs no study tried, where the prior model
   expects the most with its doubt counted, near prior trials.
4. ``_scored`` and ``_items``: every candidate ordered by the prior model's expected value
   less half its sd (``_ranking``; a generated one goes first only when the model is
   beats the best observed one), with projections and 95 % intervals (``_projection``),
   guardrails (``_guardrails``) and a rationale from those facts (``_rationale``).
5. ``_state``: what a warm-started Study goes on using: the same prior model, as the mean
   of Ax's GP (one objective) and as the negative-transfer decision.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hpxplore._progress import Progress
from hpxplore.exceptions import InputError, count_parameter
from hpxplore.objectives import Constraint, parse_constraints, parse_objectives
from hpxplore.objectives import primary as primary_objective
from hpxplore.pareto import hypervolume_gains, pareto_front
from hpxplore.profiling import TaskProfile
from hpxplore.similarity import closest_on
from hpxplore.space import Space, parse_space, sets, space_key, validate_config
from hpxplore.transfer._cache import remembered
from hpxplore.transfer._generation import Generated, generate
from hpxplore.transfer._guardrails import guardrails
from hpxplore.transfer._mapping import MappedConfig, default_config
from hpxplore.transfer._narrowing import NarrowedSpace, narrow_space
from hpxplore.transfer._prior import PRIOR_STUDIES, transfer_prior
from hpxplore.transfer._prior_model import PriorModel
from hpxplore.transfer._projection import project
from hpxplore.transfer._ranking import (
    DOUBT,
    Candidate,
    Ranking,
    candidates,
    choose,
    projected,
    score,
)
from hpxplore.transfer._rationale import (
    BatchFacts,
    cold_start_reason,
    coverage_gap,
    coverage_sentence,
    rationale,
)
from hpxplore.transfer._recommendations import Recommendation, Recommendations
from hpxplore.transfer._state import TransferState
from hpxplore.transfer._surrogates import StudySurrogate, fitted_surrogate, logged_metrics

if TYPE_CHECKING:
    from hpxplore.registry import Registry, StudyRecord

__all__ = ["SCOPE", "recommend"]

SCOPE = 100  # comparable studies looked at, at most (the prior model takes the nearest)


def recommend(
    profile: TaskProfile,
    registry: Registry,
    space: Any,
    objectives: Any,
    constraints: Sequence[str | Constraint] | str | None = None,
    *,
    n: int = 8,
    k: int = 5,
    tags: Mapping[str, Any] | None = None,
    baseline: Mapping[str, Any] | None = None,
    max_deviation: float | Mapping[str, float] | None = None,
    budget: Mapping[str, float] | None = None,
    narrow_min_similarity: float = 0.6,
    seed: int = 0,
    progress: bool = True,
) -> Recommendations:
    """Propose up to ``n`` configurations for the task ``profile``, from its ``k`` nearest studies.

    Args:
        baseline: the proven default config (else the centre of the space); every gain is
            measured against it, and it is always in the list, last.
        max_deviation: guardrail on how far (in the unit cube; 1 = the whole range or a
            changed choice) a recommendation may move each parameter from the baseline:
            one number for all, or per parameter. A tripping recommendation is kept but
            flagged.
        budget: caps on cost metrics the prior trials recorded, e.g. ``{"fit_s": 60}``; a
            recommendation whose projected cost exceeds a cap trips the ``budget`` guardrail.
        narrow_min_similarity: ``recs.narrowed`` proposes a smaller space around the
            neighbours' best configs only from neighbours at least this similar.
        progress: show a progress bar (it takes seconds: models are fitted on the close
            studies and on the whole registry).
    """
    with Progress(6, "recommend", enabled=progress) as steps:
        return _recommend(
            profile, registry, space, objectives, constraints, n=n, k=k, tags=tags,
            baseline=baseline, max_deviation=max_deviation, budget=budget,
            narrow_min_similarity=narrow_min_similarity, seed=seed, steps=steps,
        )  # fmt: skip


def _number(value: Any, low: float, high: float = math.inf) -> bool:
    """A real number (not a bool) in ``[low, high]``."""
    return (
        isinstance(value, (int, float, np.integer, np.floating))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and low <= value <= high
    )


def _check_options(
    profile: Any,
    registry: Any,
    space: Space,
    max_deviation: Any,
    budget: Any,
    narrow_min_similarity: Any,
    seed: Any,
) -> None:
    """Every option of ``recommend`` checked before any model is fitted."""
    from hpxplore.registry import Registry

    if not isinstance(profile, TaskProfile):
        raise InputError(
            f"recommend's first argument must be a TaskProfile, got {type(profile).__name__}.",
            "Pass profile=hpx.profile_task(df, target=...).",
        )
    if not isinstance(registry, Registry):
        raise InputError(
            f"The 'registry' parameter of recommend must be an hpx.Registry, got "
            f"{type(registry).__name__} {registry!r}"[:200]
            + ".",
            f"Open it first: hpx.recommend(profile, hpx.Registry({registry!r}), ...)."
            if isinstance(registry, str)
            else "Pass registry=hpx.Registry(path_or_url).",
        )
    limits = max_deviation if isinstance(max_deviation, Mapping) else {"": max_deviation}
    if max_deviation is not None and not all(
        (not p or p in space) and _number(v, 0.0) for p, v in limits.items()
    ):
        raise InputError(
            f"The 'max_deviation' parameter of recommend must be a number >= 0 or a dict of "
            f"parameter -> number >= 0 over the space's parameters; got {max_deviation!r}"[:300]
            + ".",
            "Pass e.g. max_deviation=0.5 (half of each range) or "
            f"{{{next(iter(space))!r}: 0.25}}; leave it out for no limit.",
        )
    if budget is not None and (
        not isinstance(budget, Mapping)
        or not all(isinstance(m, str) and _number(v, -math.inf) for m, v in budget.items())
    ):
        raise InputError(
            f"The 'budget' parameter of recommend must be a dict of metric -> cap (a number); "
            f"got {budget!r}"[:300]
            + ".",
            'Pass e.g. budget={"fit_s": 60} (cost metrics the prior trials recorded).',
        )
    if budget is not None and (params := [m for m in budget if m in space]):
        raise InputError(
            f"The 'budget' parameter of recommend caps metrics; {params[0]!r} is a parameter "
            "of the space.",
            "Narrow the parameter's range in the space (or use max_deviation), and cap cost "
            'metrics the prior trials recorded with budget, e.g. budget={"fit_s": 60}.',
        )
    if not _number(narrow_min_similarity, 0.0, 1.0):
        raise InputError(
            f"The 'narrow_min_similarity' parameter of recommend must be a number in [0, 1]; "
            f"got {narrow_min_similarity!r}.",
            "Similarity is in [0, 1]; the default, 0.6, narrows from close neighbours only.",
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**32:
        raise InputError(
            f"The 'seed' parameter of recommend must be an int in [0, 2**32 - 1]; got {seed!r}.",
            "Pass e.g. seed=0.",
        )


@dataclass
class _Request:
    """What the user asked for, checked and in the library's own types."""

    profile: TaskProfile
    space: Space
    objectives: dict[str, str]
    constraints: list[Constraint]
    base: dict[str, Any]
    base_label: str
    limits: dict[str, float]
    caps: list[Constraint]
    n: int
    k: int
    tags: Mapping[str, Any] | None
    narrow_min_similarity: float
    seed: int

    @property
    def guards(self) -> list[Constraint]:
        return [*self.constraints, *self.caps]

    @property
    def modelled(self) -> dict[str, str]:
        """What the models predict: the objectives, then the guarded metrics."""
        out = dict(self.objectives)
        for c in self.guards:
            out.setdefault(c.metric, "minimize" if c.op == "<=" else "maximize")
        return out

    @property
    def primary(self) -> str:
        return primary_objective(self.objectives)[0]


@dataclass
class _Found:
    """The comparable studies and the close ones that could be modelled."""

    scope: pd.DataFrame  # comparable studies, the most similar first
    neighbours: pd.DataFrame  # the k nearest of them
    records: dict[str, StudyRecord]  # by name: the close ones, then the prior's
    fitted: list[tuple[StudySurrogate, StudyRecord, dict[str, Any]]]
    coverage: dict[str, list[str]]  # per parameter: close studies that set it
    unmeasured: list[str]
    reason: str | None  # why transfer is off, if it is
    logged: frozenset[str]  # capped metrics the surrogates model in log units

    @property
    def surrogates(self) -> list[StudySurrogate]:
        return [s for s, _, _ in self.fitted]

    @property
    def similarities(self) -> np.ndarray:
        return np.array([row["similarity"] for _, _, row in self.fitted], dtype=float)


def _recommend(
    profile: TaskProfile,
    registry: Registry,
    space: Any,
    objectives: Any,
    constraints: Any,
    *,
    steps: Progress,
    **options: Any,
) -> Recommendations:
    request = _request(profile, registry, space, objectives, constraints, **options)
    steps.step("finding similar studies")
    found = _find(request, registry)
    steps.step(f"modelling {len(found.fitted)} close studies")
    if found.reason:
        return _cold(request, registry, found)
    model = _prior_model(request, registry, found)
    steps.step("the model of the prior studies")
    pooled = _pool(request, found, model)
    steps.step(f"generating and ranking {len(pooled)} candidates")
    pooled += _generated(request, found, model, pooled)
    ranking = _scored(request, found, model, pooled)
    steps.step("projections and rationales")
    items = _items(request, found, model, pooled, ranking)
    return Recommendations(
        profile,
        items,
        found.neighbours,
        registry,
        cold_start=False,
        reason=_reason(found),
        transfer=_state(request, registry, found, model),
    )


def _request(
    profile: TaskProfile,
    registry: Registry,
    space: Any,
    objectives: Any,
    constraints: Any,
    *,
    n: int,
    k: int,
    tags: Mapping[str, Any] | None,
    baseline: Mapping[str, Any] | None,
    max_deviation: float | Mapping[str, float] | None,
    budget: Mapping[str, float] | None,
    narrow_min_similarity: float,
    seed: int,
) -> _Request:
    space = parse_space(space)
    objectives = parse_objectives(objectives)
    constraints = parse_constraints(constraints)
    count_parameter(n, "n", "recommend", 8)
    count_parameter(k, "k", "recommend", 5)
    _check_options(profile, registry, space, max_deviation, budget, narrow_min_similarity, seed)
    limits = (
        dict.fromkeys(space, float(max_deviation))
        if isinstance(max_deviation, (int, float))
        else {p: float(v) for p, v in (max_deviation or {}).items()}
    )
    return _Request(
        profile,
        space,
        dict(objectives),
        list(constraints),
        validate_config(space, baseline) if baseline is not None else default_config(space),
        "the proven baseline"
        if baseline is not None
        else "the centre of the space (no baseline given)",
        limits,
        [Constraint(str(m), "<=", float(v)) for m, v in (budget or {}).items()],
        n,
        k,
        tags,
        narrow_min_similarity,
        seed,
    )


def _find(request: _Request, registry: Registry) -> _Found:
    """The comparable studies (same tags and space, at most ``SCOPE``), the ``k`` nearest,
    and a surrogate of each close one; ``reason`` says why transfer is off, if it is."""
    scope = registry.similar(
        request.profile, k=max(request.k, SCOPE), tags=request.tags, space=request.space
    )
    neighbours = scope.head(request.k)
    close = neighbours[neighbours["in_distribution"]] if len(neighbours) else neighbours
    records = dict(zip(close["study"], registry.records(list(close["study"])), strict=True))
    unmeasured = _unmeasured(list(records.values()), request.modelled)
    capped = [
        c.metric for c in request.guards if c.op == "<=" and c.metric not in request.objectives
    ]
    logged = logged_metrics([record.trials for record in records.values()], capped)
    fitted = (
        []
        if request.primary in unmeasured
        else _fit_neighbours(records, close, request.space, request.modelled, request.seed, logged)
    )
    coverage = {
        name: [record.name for _, record, _ in fitted if sets(record.space, name, param)]
        for name, param in request.space.items()
    }
    reason = (
        cold_start_reason(neighbours, close, unmeasured) if not fitted else coverage_gap(coverage)
    )
    return _Found(scope, neighbours, records, fitted, coverage, unmeasured, reason, logged)


def _cold(request: _Request, registry: Registry, found: _Found) -> Recommendations:
    """Only the baseline, with the reason transfer is off."""
    item = Recommendation(
        rank=0,
        kind="baseline",
        config=request.base,
        rationale=f"Cold start with {request.base_label}: {found.reason}. Transfer is off.",
    )
    state = TransferState(
        request.profile,
        request.space,
        request.modelled,
        request.seed,
        narrowed=NarrowedSpace(None, f"Not narrowed: {found.reason}."),
        coverage={name: len(studies) for name, studies in found.coverage.items()},
        registry=registry,
    ).built([], None)
    return Recommendations(
        request.profile,
        [item],
        found.neighbours,
        registry,
        cold_start=True,
        reason=str(found.reason),
        transfer=state,
    )


def _prior_model(request: _Request, registry: Registry, found: _Found) -> PriorModel | None:
    """The one model of the prior studies: the ``PRIOR_STUDIES`` most similar in-distribution
    comparable studies (``_prior``), fitted once per registry version and space."""
    rows = found.scope[found.scope["in_distribution"]].head(PRIOR_STUDIES).to_dict("records")
    others = [row["study"] for row in rows if row["study"] not in found.records]
    found.records.update(zip(others, registry.records(others), strict=True))
    metrics = [m for m in request.modelled if any(m in s.models for s in found.surrogates)]
    pairs = [(found.records[row["study"]], row["similarity"]) for row in rows]
    key = (
        "prior model",
        tuple((r.version, round(float(s), 6)) for r, s in pairs),
        space_key(request.space),
        tuple(metrics),
    )

    def build() -> PriorModel | None:
        prior = transfer_prior(pairs, request.space, metrics)
        return None if prior is None else PriorModel(prior)

    return remembered(key, build)


def _pool(request: _Request, found: _Found, model: PriorModel | None) -> list[Candidate]:
    """The observed candidates: the Pareto-optimal and top trials of the close studies,
    then of the prior model's studies (those that met the constraints, where any did)."""
    providers = [record for _, record, _ in found.fitted]
    if model is not None:
        close = {record.name for record in providers}
        providers += [found.records[s] for s in model.prior.studies if s not in close]
    pool: dict[tuple, Candidate] = {}
    for record in providers:
        for cand in candidates(
            record, request.space, request.objectives, request.guards, fill=request.base
        ):
            pool.setdefault(tuple(sorted(cand.config.items())), cand)
    return list(pool.values())


def _expected(
    request: _Request, model: PriorModel | None, configs: list[dict[str, Any]], metric: str
) -> tuple[np.ndarray, np.ndarray] | None:
    """The prior model's expected normal score of ``metric`` at ``configs`` (high = better
    for the task) and its sd, with the studies weighted by similarity; ``None`` without it."""
    if model is None or model.gps(metric) is None:
        return None
    mean, sd = model.predict(metric, configs, model.weights(metric))
    sign = 1.0 if request.modelled[metric] == "maximize" else -1.0
    return sign * mean, sd


def _generated(
    request: _Request, found: _Found, model: PriorModel | None, pooled: list[Candidate]
) -> list[Candidate]:
    """Up to ``n - 3`` generated candidates (``_generation``), where the prior model expects
    the most with its doubt counted (with several objectives: the most projected hypervolume
    added to the picks before); parameters no close study sets keep the baseline's value."""
    metrics = list(request.objectives)
    if model is None or not pooled or any(model.gps(m) is None for m in metrics):
        return []
    configs = [c.config for c in pooled]
    fixed = {name: request.base[name] for name, studies in found.coverage.items() if not studies}
    inputs, owners = model.prior_inputs(request.primary)
    count = max(1, request.n - 3)
    if len(metrics) == 1:

        def robust(configs: list[dict[str, Any]]) -> np.ndarray:
            mean, sd = _expected(request, model, configs, request.primary)
            return mean - sd  # a whole sd: proposals far from the prior trials are doubted most

        starts = [configs[i] for i in np.argsort(-robust(configs), kind="stable")]
        picks = generate(starts, request.space, robust, inputs, count, request.seed, fixed)
    else:
        picks = _generated_trade_offs(request, found, model, configs, inputs, count, fixed)
    return [
        Candidate(g.config, MappedConfig(g.config), owners[g.nearest], None, g.distance)
        for g in picks
    ]


def _generated_trade_offs(
    request: _Request,
    found: _Found,
    model: PriorModel,
    configs: list[dict[str, Any]],
    inputs: np.ndarray,
    count: int,
    fixed: Mapping[str, Any],
) -> list[Generated]:
    """Generated trade-offs, chosen as a set as the observed ones are (``_ranking``): from
    the observed candidate the prior model ranks first on the first objective, each next
    pick is the generated or observed config that adds the most projected hypervolume (each
    objective's projected value, scaled over the observed candidates, their worst the
    reference); the generated ones."""
    metrics = list(request.objectives)
    weights = np.asarray(found.similarities)
    known: dict[tuple, np.ndarray] = {}

    def values(configs: list[dict[str, Any]]) -> np.ndarray:
        new = [c for c in configs if tuple(sorted(c.items())) not in known]
        if new:
            predictions = [s.predict(new) for s in found.surrogates]
            columns = [projected(found.surrogates, predictions, weights, m) for m in metrics]
            known_columns = [c for c in columns if c is not None]
            rows = np.column_stack(known_columns) if known_columns else np.zeros((len(new), 0))
            for config, row in zip(new, rows, strict=True):
                known[tuple(sorted(config.items()))] = row
        return np.array([known[tuple(sorted(c.items()))] for c in configs])

    observed = values(configs)
    if observed.shape[1] < 2:  # fewer than two objectives the neighbours predict
        return []
    low, span = observed.min(axis=0), np.ptp(observed, axis=0)
    span = np.where(span > 0, span, 1.0)

    def points(configs: list[dict[str, Any]]) -> np.ndarray:
        return (values(configs) - low) / span

    up, bounds = ["maximize"] * observed.shape[1], [0.0] * observed.shape[1]
    mean, sd = _expected(request, model, configs, request.primary)
    scaled = (observed - low) / span
    chosen = scaled[[int(np.argmax(mean - DOUBT * sd))]]
    made: list[Generated] = []
    for step in range(count):
        gains = hypervolume_gains(scaled, chosen, up, bounds)

        def added(configs: list[dict[str, Any]], chosen: np.ndarray = chosen) -> np.ndarray:
            return hypervolume_gains(points(configs), chosen, up, bounds)

        starts = [configs[i] for i in np.argsort(-gains, kind="stable")]
        apart = [request.base, *(g.config for g in made)]  # the baseline is run anyway
        got = generate(starts, request.space, added, inputs, 1, request.seed + step, fixed, apart)
        if got and got[0].score > max(gains.max(), 0.0):
            made.append(got[0])
            chosen = np.vstack([chosen, points([got[0].config])])
        elif gains.max() > 0:
            chosen = np.vstack([chosen, scaled[int(np.argmax(gains))]])
        else:
            break
    return made


def _scored(
    request: _Request, found: _Found, model: PriorModel | None, pooled: list[Candidate]
) -> Ranking:
    """Every candidate, then the baseline, scored on the neighbours and by the prior model."""
    configs = [c.config for c in pooled] + [request.base]
    expected = {
        metric: e
        for metric in request.objectives
        if (e := _expected(request, model, configs, metric)) is not None
    }
    return score(
        configs,
        found.surrogates,
        found.similarities,
        request.primary,
        list(request.objectives),
        request.guards,
        generated=np.array([c.generated for c in pooled] + [False]),
        expected=expected,
    )


def _items(
    request: _Request,
    found: _Found,
    model: PriorModel | None,
    pooled: list[Candidate],
    ranking: Ranking,
) -> list[Recommendation]:
    """The chosen candidates as recommendations, with projections, guardrails and rationale."""
    n_cand, n_ok = ranking.baseline, int(ranking.feasible[: ranking.baseline].sum())
    facts = BatchFacts(
        primary=request.primary,
        base_label=request.base_label,
        n_neighbours=len(found.fitted),
        n_prior=0 if model is None else len(model.prior.studies),
        feasible=None if n_ok == n_cand else (n_ok, n_cand),
        coverage=found.coverage,
    )
    w = found.similarities
    metrics = [m for m in request.modelled if any(m in s.models for s in found.surrogates)]
    origins = {row["study"]: row for row in found.scope.to_dict("records")}
    rows = {s.study: row for s, _, row in found.fitted}
    nearest = found.surrogates[int(np.argmax(w))].study
    own = np.array([c.study == nearest for c in pooled], dtype=bool)
    items = []
    for position, (i, kind) in enumerate(choose(ranking, w, request.n, own)):
        config = ranking.configs[i]
        projected, gain = project(ranking, found.surrogates, w, metrics, i)
        sources, mapping, drivers = (
            ([], {}, []) if kind == "baseline" else _origin(pooled[i], origins, rows)
        )
        if kind != "baseline" and pooled[i].generated:
            sources[0]["distance"] = round(float(pooled[i].distance or 0.0), 4)
        item = Recommendation(
            rank=position,
            kind=kind,
            config=config,
            rationale="",
            sources=sources,
            projected=projected,
            gain=gain,
            support=float(ranking.support[i]),
            guardrails=guardrails(
                config,
                request.base,
                request.space,
                request.limits,
                projected,
                request.constraints,
                request.caps,
                mapping,
            ),
            drivers=drivers,
            mapping=mapping,
            expected=ranking.evidence(request.primary, i),
            objectives=dict(request.objectives),
        )
        item.rationale = rationale(
            item, facts, _balance(ranking, i) if kind == "trade-off" else None
        )
        items.append(item)
    return items


def _state(
    request: _Request, registry: Registry, found: _Found, model: PriorModel | None
) -> TransferState:
    """What a warm-started Study goes on using."""
    primary = request.primary
    return TransferState(
        request.profile,
        request.space,
        request.modelled,
        request.seed,
        neighbours=[
            (s.study, float(x)) for s, x in zip(found.surrogates, found.similarities, strict=True)
        ],
        prior_studies=[]
        if model is None
        else [(p.study, p.similarity) for p in model.prior.sources],
        prior_metrics=[]
        if model is None
        else sorted(
            {m for p in model.prior.sources for m in p.scores}, key=list(request.modelled).index
        ),
        narrowed=narrow_space(
            request.space,
            [(record, float(row["similarity"])) for _, record, row in found.fitted],
            primary,
            request.objectives[primary],
            min_similarity=request.narrow_min_similarity,
        ),
        coverage={name: len(studies) for name, studies in found.coverage.items()},
        thresholds=_thresholds(request, found),
        logged=sorted(found.logged),
        registry=registry,
    ).built(found.surrogates, model)


def _thresholds(request: _Request, found: _Found) -> dict[str, float]:
    """With several objectives, each one's reference for the hypervolume (Ax's objective
    threshold) where the user gave none: the worst value on each close study's Pareto front
    (its trials that met the constraints it measured), the similarity-weighted median."""
    if len(request.objectives) < 2:
        return {}
    given = {c.metric for c in request.constraints if c.metric in request.objectives}
    nadirs, weights = [], []
    for _, record, row in found.fitted:
        if not all(m in record.trials for m in request.objectives):
            continue
        guards = [c for c in request.guards if c.metric in record.trials]
        front = pareto_front(record.trials, request.objectives, guards)
        if front.empty:
            continue
        nadirs.append(
            [
                front[m].min() if d == "maximize" else front[m].max()
                for m, d in request.objectives.items()
            ]
        )
        weights.append(float(row["similarity"]))
    if not nadirs:
        return {}
    values = np.asarray(nadirs, dtype=float)
    return {
        metric: round(_weighted_median(values[:, j], np.asarray(weights)), 6)
        for j, metric in enumerate(request.objectives)
        if metric not in given
    }


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    cumulative = np.cumsum(np.maximum(weights[order], 1e-9))
    return float(values[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def _reason(found: _Found) -> str:
    count = len(found.fitted)
    return (
        f"{count} close stud{'y' if count == 1 else 'ies'}, {coverage_sentence(found.coverage)}"
        + (
            f"; none measures {', '.join(repr(m) for m in found.unmeasured)}, so it is not projected"
            if found.unmeasured
            else ""
        )
    )


def _fit_neighbours(
    records: Mapping[str, StudyRecord],
    close: pd.DataFrame,
    space: Space,
    modelled: dict[str, str],
    seed: int,
    logged: frozenset[str],
) -> list[tuple[StudySurrogate, StudyRecord, dict[str, Any]]]:
    """(surrogate, study record, similarity row) for each close study that can be modelled."""
    primary = primary_objective(modelled)[0]
    out = []
    for row in close.to_dict("records"):
        record = records[row["study"]]
        surrogate = fitted_surrogate(record, space, modelled, seed, logged)
        if surrogate is not None and primary in surrogate.models:
            out.append((surrogate, record, row))
    return out


def _unmeasured(records: list[StudyRecord], modelled: Mapping[str, str]) -> list[str]:
    """The objectives and guarded metrics no close study records; a near-miss name raises."""
    if not records:
        return []
    measured = sorted({m for record in records for m in record.metrics})
    missing = [m for m in modelled if m not in measured]
    for metric in missing:
        close = difflib.get_close_matches(metric, measured, n=1, cutoff=0.6)
        if close:
            raise InputError(
                f"No prior study measures {metric!r} (did you mean {close[0]!r}?). The close "
                f"studies measure {', '.join(measured)}.",
                f"Fix the metric's name in objectives or constraints, e.g. {close[0]!r}.",
            )
    return missing


def _origin(
    cand: Candidate, rows: Mapping[str, Mapping[str, Any]], neighbours: Mapping[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, Any], list[str]]:
    """Sources, mapping facts and the meta-features the source study is closest on."""
    row = rows[cand.study]
    sources = [
        {
            "study": cand.study,
            "trial_index": cand.trial_index,
            "similarity": round(float(row["similarity"]), 4),
            "neighbour": cand.study in neighbours,
        }
    ]
    mapping = {
        "clipped": {p: list(v) for p, v in cand.mapped.clipped.items()},
        "filled": list(cand.mapped.filled),
        "dropped": list(cand.mapped.dropped),
    }
    return sources, mapping, closest_on(row["deviations"])


def _balance(ranking: Ranking, i: int) -> dict[str, float]:
    """A candidate's predicted rank on each objective (1 = the best)."""
    return {metric: round(float(q[i]), 4) for metric, q in (ranking.objective_q or {}).items()}
