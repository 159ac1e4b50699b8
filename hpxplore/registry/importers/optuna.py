"""Import an Optuna study from its storage (an RDB URL, a journal file, or a storage object)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from hpxplore.exceptions import InputError
from hpxplore.registry.importers._imported import ImportedStudy
from hpxplore.registry.importers._source import check_database
from hpxplore.space import Choice, Float, Int, Space

__all__ = ["KIND", "RECOMMENDATION", "read_optuna", "read_optuna_study"]

# the user attributes integrations.optuna.enqueue gives a trial it seeds from a recommendation
RECOMMENDATION, KIND = "hpxplore_recommendation_id", "hpxplore_kind"

_STATUS = {
    "COMPLETE": "completed",
    "FAIL": "failed",
    "PRUNED": "early_stopped",
    "RUNNING": "running",
    "WAITING": "running",
}


def _space(distributions: dict[str, Any]) -> Space:
    space: Space = {}
    for name, d in distributions.items():
        distribution = type(d).__name__
        if distribution == "FloatDistribution":
            space[name] = Float(d.low, d.high, log=d.log) if d.low < d.high else Choice((d.low,))
        elif distribution == "IntDistribution":
            space[name] = Int(d.low, d.high, log=d.log) if d.low < d.high else Choice((d.low,))
        elif distribution == "CategoricalDistribution":
            space[name] = Choice(tuple(d.choices))
        else:
            raise InputError(
                f"Optuna parameter {name!r} has an unsupported distribution {distribution}.",
                "Import a study whose parameters are float, int or categorical distributions.",
            )
    return space


def read_optuna(
    storage: Any, study_name: str, *, metric_names: Sequence[str] | None = None
) -> ImportedStudy:
    """The Optuna study ``study_name`` in ``storage`` (a URL or storage object)."""
    optuna = _optuna()
    if isinstance(storage, str):
        check_database(storage, "Optuna storage", "'sqlite:///optuna.db'")
    try:
        study = optuna.load_study(study_name=study_name, storage=storage)
    except KeyError:
        names = [s.study_name for s in optuna.get_all_study_summaries(storage)]
        raise InputError(
            f"No Optuna study {study_name!r} in that storage.", f"Studies there: {names}."
        ) from None
    return read_optuna_study(study, metric_names=metric_names)


def _optuna() -> Any:
    try:
        import optuna
    except ImportError:
        raise InputError(
            "Importing Optuna studies needs optuna.", "pip install 'hpxplore[optuna]'"
        ) from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def read_optuna_study(study: Any, *, metric_names: Sequence[str] | None = None) -> ImportedStudy:
    """An ``optuna.Study`` object (in memory or in any storage) as a study."""
    _optuna()
    study_name = study.study_name
    names = list(
        metric_names
        or study.metric_names
        or (
            ["value"]
            if len(study.directions) == 1
            else [f"value_{i}" for i in range(len(study.directions))]
        )
    )
    if len(names) != len(study.directions):
        raise InputError(
            f"Optuna study {study_name!r} has {len(study.directions)} objective(s), got metric names {names}.",
            "Pass one name per objective in metric_names.",
        )
    objectives = {
        n: "minimize" if d.name == "MINIMIZE" else "maximize"
        for n, d in zip(names, study.directions, strict=True)
    }
    distributions: dict[str, Any] = {}
    rows = []
    for trial in study.get_trials(deepcopy=False):
        distributions.update(trial.distributions)
        attrs = trial.user_attrs
        row = {
            "trial_index": trial.number,
            **trial.params,
            "status": _STATUS.get(trial.state.name, "failed"),
            "origin": "transferred" if RECOMMENDATION in attrs else "optuna",
            "recommendation_id": attrs.get(RECOMMENDATION),
            "recommendation_kind": attrs.get(KIND),
        }
        if trial.values is not None:
            row.update(dict(zip(names, trial.values, strict=True)))
        rows.append(row)
    if not rows:
        raise InputError(f"Optuna study {study_name!r} has no trials.", "Run it first.")
    trials = pd.DataFrame(rows)
    for name in names:
        if name not in trials:
            trials[name] = float("nan")
    return ImportedStudy(study_name, _space(distributions), objectives, (), trials)
