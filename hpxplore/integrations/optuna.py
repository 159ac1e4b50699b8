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
            "hpxplore_recommendation_id": item.get("recommendation_id"),
            "hpxplore_kind": item.get("recommendation_kind"),
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

    ``metric_names`` name its objectives (default: Optuna's own names, else ``value``);
    ``kwargs`` go to ``Registry.add_study`` (``provenance``, ``nan_metrics``, ...).
    """
    from hpxplore.registry.importers.optuna import read_optuna_study

    imported = read_optuna_study(study, metric_names=metric_names)
    provenance = {"imported_from": f"optuna:{study.study_name}", **kwargs.pop("provenance", {})}
    return registry.add_study(
        name or imported.name,
        profile,
        imported.space,
        imported.objectives,
        imported.trials,
        provenance=provenance,
        source="optuna",
        **kwargs,
    )
