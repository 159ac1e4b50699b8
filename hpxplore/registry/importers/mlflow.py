"""Import an MLflow experiment (or one parent run's child runs) as a study.

Each run is a trial: its params are the config (MLflow keeps them as text; numbers,
booleans and ``None`` are read back), its latest metrics the outcomes, its status the
trial's. Without ``space``, the space is what the runs tried: a number range (on a log
scale when it spans two decades or more) or the choices seen. The experiment's tags (not
MLflow's own ``mlflow.*``) become study tags; run ids, the experiment and the tracking URI
(password hidden) go into the provenance.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from hpxplore._secrets import redact
from hpxplore.exceptions import InputError
from hpxplore.registry.importers._imported import ImportedStudy
from hpxplore.registry.importers._source import check_database
from hpxplore.space import Choice, Float, Int, Param, parse_space

__all__ = ["read_mlflow"]

_STATUS = {
    "FINISHED": "completed",
    "FAILED": "failed",
    "KILLED": "abandoned",
    "RUNNING": "running",
    "SCHEDULED": "running",
}
_PARENT = "mlflow.parentRunId"
_LOG_SPAN = 100.0  # a positive range at least this wide (high / low) is searched on a log scale


def _value(text: Any) -> Any:
    """An MLflow param (text) as the value it was: int, float, bool, None or the text."""
    if not isinstance(text, str):
        return text
    if text.strip() in ("None", ""):  # how MLflow writes Python's None ("none" is a label)
        return None
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for kind in (int, float):
        try:
            number = kind(text)
        except ValueError:
            continue
        return number if kind is int or math.isfinite(number) else None
    return text


def _inferred(values: list[Any]) -> Param:
    seen = [v for v in values if v is not None]
    numbers = [v for v in seen if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if not seen or len(numbers) < len(seen) or len(set(numbers)) < 2:
        distinct = sorted({v for v in seen}, key=str)
        return Choice(tuple(distinct) if distinct else ("none",))
    low, high = min(numbers), max(numbers)
    log = low > 0 and high / low >= _LOG_SPAN
    if all(isinstance(v, int) for v in numbers):
        return Int(int(low), int(high), log=log)
    return Float(float(low), float(high), log=log)


def read_mlflow(
    tracking_uri: str,
    experiment: str,
    objectives: Mapping[str, str],
    *,
    parent_run: str | None = None,
    space: Any = None,
) -> ImportedStudy:
    """The runs of ``experiment`` (the children of ``parent_run`` if given; else every run
    that is not the parent of others) as a study with ``objectives``."""
    try:
        from mlflow.exceptions import MlflowException
        from mlflow.tracking import MlflowClient
    except ImportError:
        raise InputError(
            "Importing MLflow experiments needs mlflow.", "pip install 'hpxplore[mlflow]'"
        ) from None
    shown = redact(str(tracking_uri))
    check_database(str(tracking_uri), "MLflow tracking store", "'sqlite:///mlflow.db'")
    try:
        client = MlflowClient(tracking_uri=str(tracking_uri))
        found = client.get_experiment_by_name(experiment)
        known = [e.name for e in client.search_experiments()] if found is None else []
    except MlflowException as exc:
        raise InputError(
            f"Cannot read the MLflow tracking store {shown!r}: {redact(exc.message)}.",
            "Pass the tracking URI your runs were logged to, e.g. 'sqlite:///mlflow.db'.",
        ) from None
    if found is None:
        raise InputError(
            f"No MLflow experiment {experiment!r} at {shown!r}.",
            f"Experiments there: {known[:20]}.",
        )
    query = f"tags.`{_PARENT}` = '{parent_run}'" if parent_run else ""
    runs = client.search_runs([found.experiment_id], filter_string=query, max_results=50_000)
    if not parent_run:  # a parent run summarizes its children: they are the trials
        parents = {r.data.tags.get(_PARENT) for r in runs}
        runs = [r for r in runs if r.info.run_id not in parents]
    if not runs:
        raise InputError(
            f"MLflow experiment {experiment!r} has no runs"
            + (f" under parent run {parent_run!r}." if parent_run else "."),
            "Log the tuning runs first, or name the parent run whose children they are.",
        )
    runs = sorted(runs, key=lambda r: (r.info.start_time or 0, r.info.run_id))
    params = [{k: _value(v) for k, v in r.data.params.items()} for r in runs]
    names = sorted({k for p in params for k in p})
    chosen = (
        parse_space(space)
        if space is not None
        else {n: _inferred([p.get(n) for p in params]) for n in names}
    )
    rows = []
    for index, (run, config) in enumerate(zip(runs, params, strict=True)):
        row: dict[str, Any] = {"trial_index": index}
        row.update({n: config.get(n) for n in chosen})
        row.update({m: float(v) for m, v in run.data.metrics.items()})
        row.update(status=_STATUS.get(run.info.status, "failed"), origin="mlflow")
        rows.append(row)
    trials = pd.DataFrame(rows)
    for metric in objectives:
        if metric not in trials:
            trials[metric] = float("nan")
    tags = {k: v for k, v in (found.tags or {}).items() if not k.startswith("mlflow.")}
    return ImportedStudy(
        name=experiment if not parent_run else f"{experiment}/{parent_run[:8]}",
        space=chosen,
        objectives=dict(objectives),
        constraints=(),
        trials=trials,
        tags=tags,
        provenance={
            "tracking_uri": shown,
            "experiment": experiment,
            "experiment_id": found.experiment_id,
            "parent_run": parent_run,
            "run_ids": [r.info.run_id for r in runs],
        },
    )
