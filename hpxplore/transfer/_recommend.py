"""recommend: rank prior studies' best configurations for a new task, and explain why.

1. Neighbours: the ``k`` most similar in-distribution studies (``Registry.similar``), each
   with a calibrated random forest per modelled metric (``_surrogates``). With none,
   transfer is off: only the baseline is recommended, with the reason.
2. Candidates: each neighbour's Pareto-optimal and top trials, mapped into the new space,
   scored on every neighbour and by the registry model (one forest over every comparable
   study, conditioned on the task's meta-features: ``_registry_model``), then picked
   (``_ranking``). When that model exists, every comparable study's best trials are
   candidates too, near or far: the model, not the distance, says which suit the task.
   Constraints and budget caps steer both steps: candidates are the trials that met them,
   and picks projected to meet them come first. With one objective, generated candidates
   join them (``_generation``): configs no study tried, where the consensus of the prior
   studies' GPs is highest near their trials.
3. Projections and gains with 95 % intervals (``_projection``), guardrails
   (``_guardrails``) and a rationale from those facts (``_rationale``).
4. ``recs.prior``: the most similar in-distribution studies' trials as normal scores
   (``_prior``), which the generated candidates come from and a warm-started Study keeps
   in Ax's model for the whole run.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from hpxplore._progress import Progress
from hpxplore.exceptions import InputError, count_parameter
from hpxplore.objectives import Constraint, parse_constraints, parse_objectives
from hpxplore.objectives import primary as primary_objective
from hpxplore.profiling import TaskProfile
from hpxplore.similarity import closest_on
from hpxplore.space import Space, parse_space, sets, space_key, validate_config
from hpxplore.transfer._cache import remembered
from hpxplore.transfer._generation import Consensus, generate
from hpxplore.transfer._guardrails import guardrails
from hpxplore.transfer._mapping import MappedConfig, default_config
from hpxplore.transfer._narrowing import NarrowedSpace, narrow_space
from hpxplore.transfer._prior import transfer_prior
from hpxplore.transfer._projection import project
from hpxplore.transfer._ranking import Candidate, Ranking, candidates, choose, score
from hpxplore.transfer._rationale import (
    BatchFacts,
    cold_start_reason,
    coverage_gap,
    coverage_sentence,
    rationale,
)
from hpxplore.transfer._recommendations import Recommendation, Recommendations
from hpxplore.transfer._registry_model import RegistryModel
from hpxplore.transfer._state import TransferState
from hpxplore.transfer._surrogates import StudySurrogate, fitted_surrogate

if TYPE_CHECKING:
    import pandas as pd

    from hpxplore.registry import Registry, StudyRecord

__all__ = ["SCOPE", "recommend"]

SCOPE = 100  # comparable studies the registry model and the candidates come from, at most


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
    with Progress(5, "recommend", enabled=progress) as steps:
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


def _recommend(
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
    steps: Progress,
) -> Recommendations:
    space = parse_space(space)
    objectives = parse_objectives(objectives)
    constraints = parse_constraints(constraints)
    count_parameter(n, "n", "recommend", 8)
    count_parameter(k, "k", "recommend", 5)
    _check_options(profile, registry, space, max_deviation, budget, narrow_min_similarity, seed)
    base = validate_config(space, baseline) if baseline is not None else default_config(space)
    base_label = (
        "the proven baseline"
        if baseline is not None
        else "the centre of the space (no baseline given)"
    )
    limits = (
        dict.fromkeys(space, float(max_deviation))
        if isinstance(max_deviation, (int, float))
        else {p: float(v) for p, v in (max_deviation or {}).items()}
    )
    caps = [Constraint(str(m), "<=", float(v)) for m, v in (budget or {}).items()]
    guards = [*constraints, *caps]
    modelled = dict(objectives)  # what the surrogates predict: objectives, then guarded metrics
    for c in guards:
        modelled.setdefault(c.metric, "minimize" if c.op == "<=" else "maximize")

    steps.step("finding similar studies")
    # the comparable studies (same tags and space), the most similar first, at most SCOPE
    scope = registry.similar(profile, k=max(k, SCOPE), tags=tags, space=space)
    neighbours = scope.head(k)
    close = neighbours[neighbours["in_distribution"]] if len(neighbours) else neighbours
    records = dict(zip(close["study"], registry.records(list(close["study"])), strict=True))
    unmeasured = _unmeasured(list(records.values()), modelled)
    primary = primary_objective(objectives)[0]
    steps.step(f"modelling {len(records)} close studies")
    fitted = [] if primary in unmeasured else _fit_neighbours(records, close, space, modelled, seed)
    coverage = {
        name: [record.name for _, record, _ in fitted if sets(record.space, name, param)]
        for name, param in space.items()
    }
    reason = (
        cold_start_reason(neighbours, close, unmeasured) if not fitted else coverage_gap(coverage)
    )
    counts = {name: len(studies) for name, studies in coverage.items()}
    if reason:
        item = Recommendation(
            rank=0,
            kind="baseline",
            config=base,
            rationale=f"Cold start with {base_label}: {reason}. Transfer is off.",
        )
        state = TransferState(
            profile,
            space,
            modelled,
            seed,
            narrowed=NarrowedSpace(None, f"Not narrowed: {reason}."),
            coverage=counts,
            registry=registry,
        ).built([], None, None)
        return Recommendations(
            profile, [item], neighbours, registry, cold_start=True, reason=reason, transfer=state
        )

    surrogates = [s for s, _, _ in fitted]
    rows = {s.study: row for s, _, row in fitted}
    w = np.array([row["similarity"] for row in rows.values()], dtype=float)
    metrics = [m for m in modelled if any(m in s.models for s in surrogates)]
    loaded = {record.name: record for _, record, _ in fitted}
    steps.step(f"the registry model over {len(scope)} studies")
    others = [name for name in scope["study"] if name not in records]
    records.update(zip(others, registry.records(others), strict=True))
    comparable = [records[name] for name in scope["study"]]
    model = remembered(
        (
            "registry model",
            tuple(r.version for r in comparable),
            tuple(sorted(profile.meta_features)),
            space_key(space),
            primary,
            objectives[primary],
            seed,
        ),
        lambda: RegistryModel.fit(comparable, profile, space, primary, objectives[primary], seed),
    )
    # With the registry model to rank them, every comparable study's best trials are
    # candidates, near or far: the model, not the distance, says which suit the task.
    providers = list(loaded.values())  # the close neighbours' first, as before the model
    if model is not None:
        providers += [record for record in comparable if record.name not in loaded]
    origins = {row["study"]: row for row in scope.to_dict("records")}
    pool: dict[tuple, Candidate] = {}
    for record in providers:
        for cand in candidates(record, space, objectives, guards, fill=base):
            pool.setdefault(tuple(sorted(cand.config.items())), cand)
    pooled = list(pool.values())
    by_name = {record.name: record for record in comparable}
    in_scope = scope[scope["in_distribution"]].to_dict("records")
    prior = transfer_prior(
        [(by_name[row["study"]], row["similarity"]) for row in in_scope], space, metrics
    )
    consensus = (
        Consensus.fit(prior, primary, objectives[primary])
        if prior is not None and len(objectives) == 1
        else None
    )
    steps.step(f"generating and ranking {len(pooled)} candidates")
    pooled += _generated(pooled, consensus, space, base, coverage, max(1, n - 3), seed)
    configs = [c.config for c in pooled] + [base]
    predicted = None if model is None else model.predict(configs, profile)
    ranking = score(
        configs,
        surrogates,
        w,
        primary,
        predicted,
        list(objectives),
        guards,
        generated=np.array([c.generated for c in pooled] + [False]),
        consensus=None if consensus is None else consensus(configs),
    )
    n_cand, n_ok = ranking.baseline, int(ranking.feasible[: ranking.baseline].sum())

    steps.step("projections and rationales")
    facts = BatchFacts(
        primary=primary,
        base_label=base_label,
        n_neighbours=len(surrogates),
        n_registry=None if model is None else len(model.studies),
        feasible=None if n_ok == n_cand else (n_ok, n_cand),
        coverage=coverage,
    )
    items = []
    nearest = surrogates[int(np.argmax(w))].study
    own = np.array([c.study == nearest for c in pooled], dtype=bool)
    for position, (i, kind) in enumerate(choose(ranking, w, n, own)):
        config = ranking.configs[i]
        projected, gain = project(ranking, surrogates, w, metrics, i)
        sources, mapping, drivers = (
            ([], {}, []) if kind == "baseline" else _origin(pooled[i], origins, rows)
        )
        if kind == "generated" and consensus is not None:
            sources[0].update(
                distance=round(float(pooled[i].distance or 0.0), 4),
                consensus_of=len(consensus.studies),
            )
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
                config, base, space, limits, projected, constraints, caps, mapping
            ),
            drivers=drivers,
            mapping=mapping,
            registry_quantile=None if predicted is None else round(float(predicted[i]), 4),
        )
        item.rationale = rationale(
            item, facts, _balance(ranking, i) if kind == "trade-off" else None
        )
        items.append(item)
    count = len(surrogates)
    state = TransferState(
        profile,
        space,
        modelled,
        seed,
        neighbours=[(s.study, float(x)) for s, x in zip(surrogates, w, strict=True)],
        comparable=[] if model is None else list(model.studies),
        prior_studies=[] if prior is None else [(p.study, p.similarity) for p in prior.sources],
        prior_metrics=list(metrics),
        narrowed=narrow_space(
            space,
            [(record, float(row["similarity"])) for _, record, row in fitted],
            primary,
            objectives[primary],
            min_similarity=narrow_min_similarity,
        ),
        coverage=counts,
        registry=registry,
    ).built(surrogates, model, prior)
    return Recommendations(
        profile,
        items,
        neighbours,
        registry,
        cold_start=False,
        reason=f"{count} close stud{'y' if count == 1 else 'ies'}, {coverage_sentence(coverage)}"
        + (
            f"; none measures {', '.join(repr(m) for m in unmeasured)}, so it is not projected"
            if unmeasured
            else ""
        ),
        transfer=state,
    )


def _fit_neighbours(
    records: Mapping[str, StudyRecord],
    close: pd.DataFrame,
    space: Space,
    modelled: dict[str, str],
    seed: int,
) -> list[tuple[StudySurrogate, StudyRecord, dict[str, Any]]]:
    """(surrogate, study record, similarity row) for each close study that can be modelled."""
    primary = primary_objective(modelled)[0]
    out = []
    for row in close.to_dict("records"):
        record = records[row["study"]]
        surrogate = fitted_surrogate(record, space, modelled, seed)
        if surrogate is not None and primary in surrogate.models:
            out.append((surrogate, record, row))
    return out


def _generated(
    pooled: list[Candidate],
    consensus: Consensus | None,
    space: Space,
    base: Mapping[str, Any],
    coverage: Mapping[str, Sequence[str]],
    n: int,
    seed: int,
) -> list[Candidate]:
    """Up to ``n`` generated candidates (``_generation``), best consensus first; parameters
    no close study sets keep the baseline's value."""
    if consensus is None or not pooled:
        return []
    configs = [c.config for c in pooled]
    starts = [configs[i] for i in np.argsort(-consensus(configs), kind="stable")]
    fixed = {name: base[name] for name, studies in coverage.items() if not studies}
    picks = generate(starts, space, consensus, consensus.prior_inputs, n, seed, fixed)
    return [
        Candidate(g.config, MappedConfig(g.config), consensus.owner(g.nearest), None, g.distance)
        for g in picks
    ]


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
