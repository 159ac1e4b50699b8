"""recommend: rank prior studies' best configurations for a new task, and explain why.

1. Neighbours: the ``k`` most similar in-distribution studies (``Registry.similar``). With
   none, transfer is off: only the baseline is recommended, with the reason.
2. Candidates: each neighbour's Pareto-optimal and top trials, mapped into the new space.
3. A random forest per neighbour and objective predicts every candidate on every
   neighbour. A candidate's *support* is the similarity-weighted share of neighbours on
   which it is predicted among that task's top quarter; conservative picks maximize the
   weighted mean predicted quantile minus its spread (good on several neighbours beats
   lucky on one), aggressive is the best on the nearest neighbour, exploratory the most
   uncertain of the rest that still rank in the upper half.
4. Projections: the similarity-weighted mean of the neighbours' predictions, with a 95 %
   interval from the spread across neighbours and the forests' own uncertainty (the
   spread of their trees); gains are the same for the difference to the baseline, taken
   tree by tree so that what both configs share cancels out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from hpxplore.exceptions import InputError
from hpxplore.objectives import Constraint, parse_constraints, parse_objectives
from hpxplore.pareto import pareto_front
from hpxplore.profiling import TaskProfile
from hpxplore.space import Choice, Space, parse_space, validate_config
from hpxplore.transfer._mapping import default_config, map_config
from hpxplore.transfer._narrowing import NarrowedSpace, narrow_space
from hpxplore.transfer._recommendations import Recommendation, Recommendations
from hpxplore.transfer._surrogates import StudySurrogate

__all__ = ["recommend"]

_TOP_PER_STUDY = 3
_Z = 1.96


def _candidates(
    record: Any, space: Space, objectives: dict[str, str], constraints: list[Constraint]
) -> list[tuple[dict[str, Any], Any, Any]]:
    metrics = [m for m in objectives if m in record.trials]
    if not metrics:
        return []
    own = [c for c in constraints if c.metric in record.trials]
    front = pareto_front(record.trials, {m: objectives[m] for m in metrics}, own)
    first = metrics[0]
    done = record.trials[record.trials["status"] == "completed"].dropna(subset=[first])
    top = done.sort_values(first, ascending=objectives[first] == "minimize").head(_TOP_PER_STUDY)
    out = []
    for row in list(front.to_dict("records")) + list(top.to_dict("records")):
        mapped = map_config({p: row.get(p) for p in record.space}, space)
        if mapped is not None:
            out.append((mapped.config, mapped, int(row["trial_index"])))
    return out


def _weighted(values: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    mean = float(np.average(values, weights=weights))
    return mean, float(np.sqrt(np.average((values - mean) ** 2, weights=weights)))


def _interval(means: np.ndarray, stds: np.ndarray, weights: np.ndarray) -> dict[str, float]:
    mean, spread = _weighted(means, weights)
    half = _Z * float(np.sqrt(spread**2 + np.average(stds**2, weights=weights)))
    return {"mean": mean, "low": mean - half, "high": mean + half}


def _deviation(
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


def recommend(
    profile: TaskProfile,
    registry: Any,
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
    """
    space = parse_space(space)
    objectives = parse_objectives(objectives)
    constraints = parse_constraints(constraints)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InputError(
            f"The 'n' parameter of recommend must be an int in [1, inf). Got {n!r} instead.", ""
        )
    base = validate_config(space, baseline) if baseline is not None else default_config(space)
    base_label = (
        "the proven baseline"
        if baseline is not None
        else "the centre of the space (no baseline given)"
    )
    limits = (
        dict.fromkeys(space, float(max_deviation))
        if isinstance(max_deviation, (int, float))
        else dict(max_deviation or {})
    )

    caps = [Constraint(str(m), "<=", float(v)) for m, v in (budget or {}).items()]
    modelled = dict(objectives)  # what the surrogates predict: objectives, then guarded metrics
    for c in [*constraints, *caps]:
        modelled.setdefault(c.metric, "minimize" if c.op == "<=" else "maximize")

    neighbours = registry.similar(profile, k=k, tags=tags, space=space)
    close = neighbours[neighbours["in_distribution"]] if len(neighbours) else neighbours
    surrogates, weights, records = [], [], {}
    for row in close.to_dict("records"):
        record = registry.study(row["study"])
        surrogate = StudySurrogate.fit(row["study"], record.trials, space, modelled, seed=seed)
        if surrogate is not None and next(iter(objectives)) in surrogate.models:
            records[row["study"]] = (record, row)
            surrogates.append(surrogate)
            weights.append(row["similarity"])
    metrics = [m for m in modelled if any(m in s.models for s in surrogates)]
    if not surrogates:
        if len(neighbours) == 0:
            reason = "the registry holds no comparable study (same tags and search space)"
        elif close.empty:
            nearest = neighbours.iloc[0]
            reason = (
                f"no close analog: the nearest study, {nearest['study']!r}, is at distance "
                f"{nearest['distance']:.2f}, beyond the registry's {neighbours.attrs['threshold']:.2f}"
            )
        else:
            reason = "the close studies have too few completed trials on these objectives"
        item = Recommendation(
            0,
            "baseline",
            base,
            [],
            {},
            {},
            0.0,
            {},
            [],
            f"Cold start with {base_label}: {reason}. Transfer is off.",
        )
        cold = Recommendations(
            profile, [item], neighbours, registry, cold_start=True, reason=reason
        )
        cold.narrowed = NarrowedSpace(None, f"Not narrowed: {reason}.")
        return _stored(cold, registry)

    w = np.array(weights, dtype=float)
    primary = next(iter(objectives))
    pool: dict[tuple, tuple[dict[str, Any], Any, str, int]] = {}
    for study, (record, _row) in records.items():
        for config, mapped, trial in _candidates(record, space, objectives, constraints):
            pool.setdefault(tuple(sorted(config.items())), (config, mapped, study, trial))
    configs = [c for c, *_ in pool.values()] + [base]
    predictions = [s.predict(configs) for s in surrogates]
    pairs = list(zip(surrogates, predictions, strict=True))
    quantiles = np.stack([s.quantile(primary, p[primary].mean(axis=0)) for s, p in pairs])
    uncertainty = np.stack(
        [p[primary].std(axis=0) / (np.ptp(s.observed[primary]) or 1.0) for s, p in pairs]
    ).mean(axis=0)
    mean_q = np.average(quantiles, axis=0, weights=w)
    spread_q = np.sqrt(np.average((quantiles - mean_q) ** 2, axis=0, weights=w))
    support = np.average(quantiles >= 0.75, axis=0, weights=w)
    nearest = int(np.argmax(w))

    n_cand = len(configs) - 1
    chosen: list[tuple[int, str]] = []
    for i in np.argsort(-(mean_q[:n_cand] - spread_q[:n_cand]), kind="stable"):
        if len(chosen) >= max(1, n - 3):
            break
        chosen.append((int(i), "conservative"))
    taken = {i for i, _ in chosen}
    for i in np.argsort(-quantiles[nearest, :n_cand], kind="stable"):
        if int(i) not in taken and len(chosen) < n - 1:
            chosen.append((int(i), "aggressive"))
            taken.add(int(i))
            break
    upper = [
        i
        for i in np.argsort(-uncertainty[:n_cand], kind="stable")
        if int(i) not in taken and mean_q[i] >= 0.5
    ]
    for i in upper[: max(0, n - 1 - len(chosen))][:1]:
        chosen.append((int(i), "exploratory"))
    chosen.append((n_cand, "baseline"))

    items = []
    for rank, (i, kind) in enumerate(chosen):
        config = configs[i]
        projected, gain = {}, {}
        for metric in metrics:  # over the neighbours that recorded the metric
            having = [j for j, p in enumerate(predictions) if metric in p]
            trees = [predictions[j][metric][:, i] for j in having]
            projected[metric] = _interval(
                np.array([t.mean() for t in trees]), np.array([t.std() for t in trees]), w[having]
            )
            diffs = [
                predictions[j][metric][:, i] - predictions[j][metric][:, n_cand] for j in having
            ]
            gain[metric] = _interval(  # paired by tree: what both configs share cancels out
                np.array([d.mean() for d in diffs]), np.array([d.std() for d in diffs]), w[having]
            )
        if kind == "baseline":
            sources, mapping, drivers = [], {}, []
        else:
            _c, mapped, study, trial = list(pool.values())[i]
            row = records[study][1]
            sources = [
                {
                    "study": study,
                    "trial_index": trial,
                    "similarity": round(float(row["similarity"]), 4),
                }
            ]
            mapping = {
                "clipped": {p: list(v) for p, v in mapped.clipped.items()},
                "filled": list(mapped.filled),
                "dropped": list(mapped.dropped),
            }
            informative = {f: d for f, d in row["deviations"].items() if d != 0} or row[
                "deviations"
            ]
            drivers = [f for f, _ in sorted(informative.items(), key=lambda kv: abs(kv[1]))][:3]
        guardrails = _guardrails(config, base, space, limits, projected, constraints, caps, mapping)
        items.append(
            Recommendation(
                rank,
                kind,
                config,
                sources,
                projected,
                gain,
                float(support[i]),
                guardrails,
                drivers,
                _rationale(
                    kind,
                    sources,
                    drivers,
                    support[i],
                    len(surrogates),
                    primary,
                    projected,
                    gain,
                    guardrails,
                    base_label,
                ),
                mapping,
            )
        )
    recs = Recommendations(
        profile,
        items,
        neighbours,
        registry,
        cold_start=False,
        reason=f"{len(surrogates)} close stud{'y' if len(surrogates) == 1 else 'ies'}",
    )
    recs.surrogates, recs.similarities = surrogates, [float(x) for x in w]
    recs.narrowed = narrow_space(
        space,
        [(record, float(row["similarity"])) for record, row in records.values()],
        primary,
        objectives[primary],
        min_similarity=narrow_min_similarity,
    )
    return _stored(recs, registry)


def _guardrails(
    config, base, space, limits, projected, constraints, caps, mapping
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    if limits:
        deviation = _deviation(config, base, space)
        over = {p: round(d, 3) for p, d in deviation.items() if p in limits and d > limits[p]}
        out["max_deviation"] = {
            "passed": not over,
            "detail": f"moves {over} beyond the allowed deviation from the baseline"
            if over
            else "within the allowed deviation from the baseline",
        }
    labelled = [(f"constraint {c}", c) for c in constraints] + [(f"budget {c}", c) for c in caps]
    for label, c in labelled:
        if c.metric in projected:
            value = projected[c.metric]["mean"]
            out[label] = {
                "passed": c.satisfied(value),
                "detail": f"projected {c.metric} = {value:.4g}",
            }
    if mapping.get("clipped") or mapping.get("filled"):
        out["mapping"] = {"passed": False, "detail": f"adapted to the new space: {mapping}"}
    return out


def _rationale(
    kind,
    sources,
    drivers,
    support,
    n_neighbours,
    primary,
    projected,
    gain,
    guardrails,
    base_label,
) -> str:
    p, g = projected[primary], gain[primary]
    if kind == "baseline":
        head = f"Baseline: {base_label}, kept as the reference every gain is measured against."
    else:
        s = sources[0]
        head = (
            f"{kind.capitalize()}: trial {s['trial_index']} of {s['study']!r} (similarity "
            f"{s['similarity']:.2f}; close on {', '.join(drivers)}). Predicted in the top quarter "
            f"on {support:.0%} of {n_neighbours} neighbour(s), weighted by similarity."
        )
    body = (
        f" Projected {primary} {p['mean']:.4g} (95 % interval {p['low']:.4g} to {p['high']:.4g}); "
        f"{g['mean']:+.4g} vs the baseline (interval {g['low']:+.4g} to {g['high']:+.4g})."
    )
    tripped = [name for name, r in guardrails.items() if not r["passed"]]
    tail = f" Guardrails tripped: {', '.join(tripped)}." if tripped else " All guardrails passed."
    return head + body + tail


def _stored(recs: Recommendations, registry: Any) -> Recommendations:
    ids = registry.add_recommendations(recs.profile, [r.to_item() for r in recs.items])
    for item, rec_id in zip(recs.items, ids, strict=True):
        item.id = rec_id
    return recs
