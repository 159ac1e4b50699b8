"""Export a chosen configuration as a JSON or YAML file, with its metrics and provenance.

The file is what a training job reads: ``config`` holds exactly the parameters of the
study's search space; ``metrics`` what the trial measured; ``constraints`` and
``feasible`` whether it met them (an infeasible trial is exported with a warning, and
``broken_constraints`` says which); ``provenance`` where it came
from (study, trial, registry, task and its data fingerprint, library versions, time,
user). ``schema_version`` lets later readers tell formats apart.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from hpxplore._jsonable import jsonable
from hpxplore._provenance import current_user, now_utc
from hpxplore._secrets import redact
from hpxplore.exceptions import (
    ExportFormatError,
    ExportTargetExistsError,
    HpxploreError,
    HpxploreWarning,
    InputError,
)
from hpxplore.objectives import Constraint
from hpxplore.pareto import best
from hpxplore.trial import metric_columns

if TYPE_CHECKING:
    from hpxplore.registry import StudyRecord
    from hpxplore.study import Study

__all__ = ["EXPORT_SCHEMA_VERSION", "export_config", "export_document"]

EXPORT_SCHEMA_VERSION = 1
_FORMATS = {".json": "json", ".yaml": "yaml", ".yml": "yaml"}


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _pick_trial(
    name: str,
    trials: Any,
    objectives: Mapping[str, str],
    constraints: Sequence[Constraint],
    trial: int | None,
) -> Any:
    if trial is None:
        if len(objectives) > 1:
            raise InputError(
                f"Study {name!r} has {len(objectives)} objectives, so no single trial is best.",
                "Pass trial=<index>, e.g. one from study.pareto_frontier().",
            )
        row = best(trials, objectives, constraints)
        if row is None:
            raise HpxploreError(
                f"Study {name!r} has no completed feasible trial to export.",
                "Run more trials first (study.run), or pass trial=<index> of a completed one.",
            )
        return row
    if isinstance(trial, bool) or not isinstance(trial, int):
        raise InputError(
            f"trial must be a trial index (an int), got {trial!r}.",
            "Pass a value of study.trials['trial_index'], or leave it out for the best trial.",
        )
    rows = trials[trials["trial_index"] == trial]
    if rows.empty:
        raise InputError(
            f"Study {name!r} has no trial {trial}; its trials are 0 to {len(trials) - 1}.",
            "Pick a trial_index from study.trials.",
        )
    row = rows.iloc[0]
    if row["status"] != "completed":
        raise InputError(
            f"Trial {trial} of study {name!r} is {row['status']}, not completed: it has no "
            f"measured outcome to export.",
            "Pick a completed trial from study.trials.",
        )
    return row


def _parts(source: Study | StudyRecord) -> dict[str, Any]:
    """The facts an export needs, from a Study or a registry's StudyRecord."""
    if not all(hasattr(source, a) for a in ("name", "space", "objectives", "trials", "profile")):
        raise InputError(
            f"export_config takes a Study or a StudyRecord, got {type(source).__name__}.",
            "Pass the study you ran, or registry.record(name).",
        )
    registry = getattr(source, "registry", None)  # a Study knows its registry; a record not
    return {
        "constraints": list(getattr(source, "constraints", ())),
        "name": source.name,
        "space": source.space,
        "objectives": source.objectives,
        "trials": source.trials,
        "profile": source.profile,
        "registry": registry.url if registry is not None else None,
    }


def export_document(
    source: Study | StudyRecord, trial: int | None = None, *, registry: str | None = None
) -> dict:
    """The exported record as a dict (what :func:`export_config` writes)."""
    parts = _parts(source)
    trials, constraints = parts["trials"], parts["constraints"]
    row = _pick_trial(parts["name"], trials, parts["objectives"], constraints, trial)
    broken = [
        f"{c} (measured {row[c.metric]:.4g})" if c.metric in row else f"{c} (not measured)"
        for c in constraints
        if not c.satisfied(_number(row.get(c.metric)))
    ]
    if broken:
        warnings.warn(
            f"Trial {int(row['trial_index'])} of study {parts['name']!r} breaks "
            f"{'; '.join(broken)}; the exported file says so (feasible: false).",
            HpxploreWarning,
            stacklevel=3,
        )
    space, profile = parts["space"], parts["profile"]
    where = registry or parts["registry"]
    metrics = {}
    for column in metric_columns(parts["trials"], space):
        value = row[column]
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value == value:
            metrics[column] = float(value)
    extra = {k: row[k] for k in ("origin", "recommendation_id", "recommendation_kind") if k in row}
    return jsonable(
        {
            "schema_version": EXPORT_SCHEMA_VERSION,
            "config": {p: _plain(row[p]) for p in space},
            "metrics": metrics,
            "objectives": dict(parts["objectives"]),
            "constraints": [str(c) for c in constraints],
            "feasible": not broken,
            **({"broken_constraints": broken} if broken else {}),
            "provenance": {
                "study": parts["name"],
                "trial": int(row["trial_index"]),
                **{k: v for k, v in extra.items() if v is not None and v == v},
                "registry": redact(where) if where else None,
                "task": profile.name if profile is not None else None,
                "dataset_fingerprint": profile.fingerprint if profile is not None else None,
                "hpxplore_version": _version("hpxplore"),
                "ax_version": _version("ax-platform"),
                "exported_at": now_utc().isoformat(),
                "exported_by": current_user(),
            },
        }
    )


def _write_atomically(target: Path, text: str) -> None:
    """Written beside the target, then moved into place: a reader never sees half a file."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".hpx-export.", text=True)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temporary, _file_mode())  # as any file the user writes, not mkstemp's 0600
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _file_mode() -> int:
    """0o666 less the user's umask: the mode ``open(path, "w")`` would give a new file."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def export_config(
    source: Study | StudyRecord,
    trial: int | None = None,
    path: str | os.PathLike[str] | None = None,
    *,
    format: str | None = None,
    overwrite: bool = False,
    registry: str | None = None,
) -> dict:
    """Write trial ``trial`` of ``source`` (a Study, or ``registry.record(name)``) to ``path``.

    Args:
        trial: the trial index; default the best feasible trial (one objective only).
        path: where to write; ``.json``, ``.yaml`` or ``.yml`` (or say ``format=``).
            ``None`` writes nothing and only returns the record.
        overwrite: replace an existing file; without it an existing file is an error and
            stays as it was.
        registry: the registry URL to record, when ``source`` is a StudyRecord.

    Returns:
        The exported record: ``schema_version``, ``config``, ``metrics``, ``objectives``
        and ``provenance``.

    Example:
        >>> hpx.export_config(study, trial=12, path="chosen.yaml")   # doctest: +SKIP
    """
    document = export_document(source, trial, registry=registry)
    if path is None:
        return document
    target = Path(path)
    file_format = format or _FORMATS.get(target.suffix.lower())
    if file_format not in ("json", "yaml"):
        raise ExportFormatError(
            f"Cannot tell the export format of {str(target)!r}"
            + (
                f" (format={format!r})."
                if format is not None
                else ": its name ends in neither .json, .yaml nor .yml."
            ),
            "Name the file .json, .yaml or .yml, or pass format='json' or 'yaml'.",
        )
    try:
        exists, folder = target.exists(), target.parent.is_dir()
    except OSError as exc:  # a name too long for the file system, ...
        raise InputError(
            f"Cannot write to {str(target)[:200]!r}: {exc.strerror or exc}.",
            "Choose a shorter path in a folder that exists.",
        ) from None
    if exists and not overwrite:
        raise ExportTargetExistsError(
            f"{str(target)!r} already exists; hpxplore does not overwrite an exported config "
            f"unless asked.",
            "Pass overwrite=True, or choose another path.",
        )
    if not folder:
        raise InputError(
            f"The folder {str(target.parent)!r} does not exist.",
            "Create it, or choose another path.",
        )
    text = (
        json.dumps(document, indent=2, sort_keys=False) + "\n"
        if file_format == "json"
        else yaml.safe_dump(document, sort_keys=False)
    )
    try:
        _write_atomically(target, text)
    except OSError as exc:
        raise HpxploreError(
            f"Cannot write {str(target)[:200]!r}: {exc.strerror or exc}.",
            "Choose a shorter path, or a folder you can write to; nothing was written.",
        ) from None
    return document
