"""Keep Optuna, reuse what the registry learned: hpxplore's transferred configs as an
Optuna study's first trials, and a finished Optuna study stored back into the registry.

    recs = hpx.recommend(profile, reg, space, objectives)
    enqueue(optuna_study, recs)              # accepted ones first, else all but rejected
    optuna_study.optimize(objective, n_trials=30)
    store(optuna_study, reg, profile)        # now a prior study for the next task
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from hpxplore.exceptions import InputError, count_parameter
from hpxplore.registry.importers.optuna import KIND, RECOMMENDATION

if TYPE_CHECKING:
    from hpxplore.profiling import TaskProfile
    from hpxplore.registry import Registry, StudyRecord
    from hpxplore.transfer import Recommendations

__all__ = ["enqueue", "store"]


def enqueue(
    study: Any,
    recs: Recommendations | Sequence[Mapping[str, Any]],
    *,
    limit: int | None = None,
) -> int:
    """Make ``recs``' configs the next trials Optuna runs, most promising first; how many.

    ``recs`` is what ``hpx.recommend`` returned (its accepted configs; if none was accepted,
    all but the rejected ones, as ``Study.warm_start`` takes them) or a list of configs.
    Each enqueued trial carries ``hpxplore_recommendation_id`` and ``hpxplore_kind`` as
    user attributes; recommendations from a registry are saved to its audit log first.
    """
    from hpxplore.transfer import Recommendations

    if not hasattr(study, "enqueue_trial"):
        raise InputError(
            f"enqueue needs an optuna.Study, got {type(study).__name__}.",
            "Pass optuna.create_study(...) or optuna.load_study(...).",
        )
    if limit is not None:
        count_parameter(limit, "limit", "enqueue", 5)
    if isinstance(recs, Recommendations):
        if recs.registry is not None:
            recs.save()
        items = recs.warm_start_items()
    else:
        items = [{"config": dict(c)} for c in recs]
    items = items[:limit] if limit is not None else items
    for item in items:
        attrs = {
            RECOMMENDATION: item.get("recommendation_id"),
            KIND: item.get("recommendation_kind"),
        }
        study.enqueue_trial(
            dict(item["config"]), user_attrs={k: v for k, v in attrs.items() if v is not None}
        )
    return len(items)


def store(
    study: Any,
    registry: Registry,
    profile: TaskProfile,
    *,
    name: str | None = None,
    metric_names: Sequence[str] | None = None,
    **kwargs: Any,
) -> StudyRecord:
    """Store an ``optuna.Study`` (in memory or not) as a prior study of ``profile``'s task.

    The study keeps its name (``name`` overrides it) and its objectives' names
    (``metric_names``, else Optuna's own from ``study.set_metric_names``): a study named
    ``no-name-...`` or with an objective called ``value`` could never transfer to a task
    that names them, so it is refused without them. Trials that :func:`enqueue` seeded
    keep their recommendation, and their outcomes go to the registry's audit log
    (``reg.outcomes()``, ``reg.audit()``). ``kwargs`` go to
    ``Registry.add_study`` (``provenance``, ``nan_metrics``, ...).
    """
    from hpxplore.registry._store import Store
    from hpxplore.registry.importers.optuna import read_optuna_study
    from hpxplore.transfer._outcomes import transfer_outcomes

    if name is None and str(study.study_name).startswith("no-name-"):
        raise InputError(
            f"The Optuna study has no name of its own ({study.study_name!r}).",
            'Pass name="churn-tpe" (or optuna.create_study(study_name=...)).',
        )
    if not metric_names and not study.metric_names:
        count = len(study.directions)
        raise InputError(
            f"The Optuna study's {count} objective(s) have no names: stored as 'value' they "
            "could never transfer to a task whose objectives are named.",
            f"Pass metric_names={['accuracy', 'predict_ms'][:count]} (one per objective, as "
            "the new task names them), or call study.set_metric_names([...]).",
        )
    imported = read_optuna_study(study, metric_names=metric_names)
    provenance = {"imported_from": f"optuna:{study.study_name}", **kwargs.pop("provenance", {})}
    stored = registry.add_study(
        name or imported.name,
        profile,
        imported.space,
        imported.objectives,
        imported.trials,
        provenance=provenance,
        source="optuna",
        **kwargs,
    )
    writer = Store(registry)
    trials = writer.trials(stored.name)
    seeded = [t.recommendation_id for t in trials if t.recommendation_id is not None]
    known = writer.known_recommendations(seeded) if seeded else set()  # another registry's: no
    judged = transfer_outcomes(trials, stored.objectives, stored.constraints, cold=("optuna",))
    for rec_id, index, outcome in judged:
        if rec_id in known:
            writer.record_outcome(stored.name, outcome, recommendation_id=rec_id, trial_index=index)
    if known:
        writer.link_recommendations(sorted(known), stored.name)
    return stored
