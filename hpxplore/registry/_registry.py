"""Registry: every prior study (task profile, space, objectives, trials, provenance) in one
SQL database, plus the audit log of recommendations and decisions."""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import pandas as pd
from sqlalchemy import Integer, delete, func, select
from sqlalchemy.orm import selectinload

from hpxplore.exceptions import DuplicateStudyError, InputError
from hpxplore.objectives import (
    Constraint,
    parse_constraints,
    parse_objectives,
    required_metrics,
)
from hpxplore.profiling import TaskProfile
from hpxplore.registry import _audit
from hpxplore.registry._audit_summary import audit_table
from hpxplore.registry._database import Database, is_text
from hpxplore.registry._records import StudyRecord
from hpxplore.registry._schema import MetaRow, StudyRow, TrialRow
from hpxplore.similarity import nearest
from hpxplore.space import parse_space, space_from_json, space_overlap
from hpxplore.trial import from_frame, to_frame

__all__ = ["Registry"]

_CHUNK = 500  # names per IN (...) query
_KEPT = 1_000  # studies records() keeps, the most recently read
_STUDY_ARGUMENTS: dict[str, Any] = {  # add_study's arguments, with their defaults
    "name": None,
    "profile": None,
    "space": None,
    "objectives": None,
    "trials": None,
    "constraints": None,
    "provenance": None,
    "source": "dataframe",
    "state": "completed",
    "nan_metrics": "error",
}


def _record(row: StudyRow) -> StudyRecord:
    space = space_from_json(row.space)
    objectives = dict(row.objectives)
    constraints = tuple(parse_constraints(row.constraints))
    trials = [t.to_trial() for t in row.trials]
    metrics = required_metrics(objectives, constraints)
    return StudyRecord(
        name=row.name,
        profile=TaskProfile.from_dict(row.profile),
        space=space,
        objectives=objectives,
        constraints=constraints,
        provenance=dict(row.provenance),
        source=row.source,
        state=row.state,
        created_at=row.created_at,
        trials=to_frame(trials, space, metrics, constraints),
        updated_at=row.updated_at,
    )


class Registry:
    """The store of prior studies that transfer draws on.

    Args:
        url: a SQLAlchemy URL (``"postgresql+psycopg://user@host/db"``), a file path for an
            SQLite registry, or ``None`` for the default file (``$HPXPLORE_REGISTRY``, else
            ``~/.local/share/hpxplore/registry.db``).
        create: ``False`` to open only a registry that exists (a ``NoRegistryError``
            otherwise) instead of creating the file, its folders and the tables.

    Example:
        >>> reg = Registry(tmp_path / "registry.db")      # doctest: +SKIP
        >>> reg.add_study("iris-hgb", profile, space, {"accuracy": "maximize"}, trials)  # doctest: +SKIP
        >>> reg.similar(new_profile, k=3)                  # doctest: +SKIP
    """

    def __init__(self, url: str | os.PathLike[str] | None = None, *, create: bool = True) -> None:
        self._db = Database(url, create=create)
        self._read: OrderedDict[str, tuple[Any, StudyRecord]] = OrderedDict()  # by records()

    # -- plumbing -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return self._db.url

    @property
    def schema_version(self) -> int:
        with self._db.session() as session:
            return int(session.get(MetaRow, "schema_version").value)

    def __repr__(self) -> str:
        return f"Registry({self.url!r})"

    def close(self) -> None:
        """Release the database connections."""
        self._db.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- studies --------------------------------------------------------------------------
    def add_study(
        self,
        name: str,
        profile: TaskProfile,
        space: Any,
        objectives: Any,
        trials: pd.DataFrame,
        *,
        constraints: Sequence[str | Constraint] | str | None = None,
        provenance: Mapping[str, Any] | None = None,
        source: str = "dataframe",
        state: str = "completed",
        nan_metrics: str = "error",
    ) -> StudyRecord:
        """Store a finished (or running) study with its trials, in one transaction.

        ``trials`` has one row per trial and one column per parameter and per metric;
        optional columns ``trial_index``, ``status`` (``completed``/``failed``/...),
        ``origin`` and ``error``. Everything is validated before anything is written.
        """
        row = self._study_row(
            name, profile, space, objectives, trials, constraints, provenance, source, state,
            nan_metrics,
        )  # fmt: skip
        self._db.insert(row)
        return self.record(name)

    def add_studies(self, studies: Iterable[Mapping[str, Any]]) -> int:
        """Store many studies in one transaction: the bulk path for a large import.

        Each item holds :meth:`add_study`'s arguments by name (``name``, ``profile``,
        ``space``, ``objectives``, ``trials``, and optionally ``constraints``,
        ``provenance``, ``source``, ``state``, ``nan_metrics``). Every study is validated
        before anything is written, and either all are stored or none. Returns the count.
        """
        rows = []
        for i, item in enumerate(studies):
            if not isinstance(item, Mapping):
                raise InputError(
                    f"add_studies: item {i} is a {type(item).__name__}, not a mapping.",
                    "Pass dicts of add_study's arguments, e.g. {'name': ..., 'profile': ..., "
                    "'space': ..., 'objectives': ..., 'trials': ...}.",
                )
            missing = [
                k for k in ("name", "profile", "space", "objectives", "trials") if k not in item
            ]
            unknown = sorted(set(item) - set(_STUDY_ARGUMENTS))
            if missing or unknown:
                raise InputError(
                    f"add_studies: item {i} "
                    + (f"lacks {missing}" if missing else f"has unknown keys {unknown}")
                    + ".",
                    f"Each item holds add_study's arguments by name: {list(_STUDY_ARGUMENTS)}.",
                )
            rows.append(self._study_row(**{k: item.get(k, d) for k, d in _STUDY_ARGUMENTS.items()}))
        names = [row.name for row in rows]
        repeated = (
            sorted({n for n in names if names.count(n) > 1}) if len(set(names)) < len(names) else []
        )
        if repeated:
            raise DuplicateStudyError(
                f"add_studies: the names {repeated[:5]} are given more than once.",
                "Give every study its own name.",
            )
        self._db.insert_many(rows)
        return len(rows)

    def _study_row(
        self,
        name: str,
        profile: TaskProfile,
        space: Any,
        objectives: Any,
        trials: pd.DataFrame,
        constraints: Any,
        provenance: Mapping[str, Any] | None,
        source: str,
        state: str,
        nan_metrics: str,
    ) -> StudyRow:
        """A validated study row with its trial rows, not yet written."""
        parsed_space = parse_space(space)
        parsed_objectives = parse_objectives(objectives)
        parsed_constraints = parse_constraints(constraints)
        parsed = from_frame(
            trials, parsed_space, parsed_objectives, parsed_constraints, nan_metrics=nan_metrics
        )
        row = self._db.new_study_row(
            name,
            profile,
            parsed_space,
            parsed_objectives,
            parsed_constraints,
            provenance,
            source=source,
            state=state,
        )
        row.trials = [TrialRow(**t.stored()) for t in parsed]
        return row

    def record(self, name: str) -> StudyRecord:
        """The stored study ``name`` with all its trials (a :class:`StudyRecord`)."""
        with self._db.session() as session:
            return _record(self._db.study_row(session, name))

    def records(self, names: Sequence[str]) -> list[StudyRecord]:
        """The stored studies ``names``, in that order, read at once (unknown names raise).

        A study unchanged since this registry last read it is not read again."""
        found: dict[str, StudyRecord] = {}
        with self._db.session() as session:
            for start in range(0, len(names), _CHUNK):
                chunk = list(names[start : start + _CHUNK])
                states = dict(
                    session.execute(
                        select(StudyRow.name, StudyRow.updated_at).where(StudyRow.name.in_(chunk))
                    ).all()
                )
                stale = [n for n in states if self._read.get(n, (None,))[0] != states[n]]
                if stale:
                    query = (
                        select(StudyRow)
                        .where(StudyRow.name.in_(stale))
                        .options(selectinload(StudyRow.trials))
                    )
                    for row in session.scalars(query):
                        self._read[row.name] = (row.updated_at, _record(row))
                        self._read.move_to_end(row.name)
                found.update({n: self._read[n][1] for n in states})
            for name in names:
                if name not in found:
                    self._db.study_row(session, name)  # raises, naming the close matches
        while len(self._read) > _KEPT:
            self._read.popitem(last=False)
        return [replace(found[name], trials=found[name].trials.copy()) for name in names]

    def trials(self, name: str) -> pd.DataFrame:
        """The trials of study ``name``: parameters, metrics, status, origin."""
        return self.record(name).trials

    def names(self) -> list[str]:
        with self._db.session() as session:
            return list(session.scalars(select(StudyRow.name).order_by(StudyRow.name)))

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str) or not is_text(name):
            return False  # no stored name is anything but text
        with self._db.session() as session:
            return session.scalar(select(StudyRow.id).where(StudyRow.name == name)) is not None

    def __len__(self) -> int:
        with self._db.session() as session:
            return int(session.scalar(select(func.count(StudyRow.id))))

    def studies(self, *, tags: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """One row per stored study: task, trial counts, objectives, tags, provenance dates."""
        counts = (
            select(
                TrialRow.study_id,
                func.count(TrialRow.id).label("n"),
                func.sum((TrialRow.status == "completed").cast(Integer)).label("done"),
            )
            .group_by(TrialRow.study_id)
            .subquery()
        )
        with self._db.session() as session:
            rows = session.execute(
                select(StudyRow, counts.c.n, counts.c.done)
                .outerjoin(counts, counts.c.study_id == StudyRow.id)
                .order_by(StudyRow.name)
            ).all()
        records = [
            {
                "study": s.name,
                "task": s.task_name,
                "task_type": s.task_type,
                "n_trials": int(n or 0),
                "n_completed": int(done or 0),
                "objectives": dict(s.objectives),
                "constraints": list(s.constraints),
                "parameters": sorted(s.space),
                "tags": dict(s.tags),
                "source": s.source,
                "state": s.state,
                "created_at": s.created_at,
            }
            for s, n, done in rows
            if _tags_match(s.tags, tags)
        ]
        columns = [
            "study",
            "task",
            "task_type",
            "n_trials",
            "n_completed",
            "objectives",
            "constraints",
            "parameters",
            "tags",
            "source",
            "state",
            "created_at",
        ]
        return pd.DataFrame.from_records(records, columns=columns)

    def delete_study(self, name: str) -> None:
        """Remove a study and its trials (recommendations and decisions stay in the audit log)."""
        with self._db.session() as session:
            study = session.scalar(select(StudyRow.id).where(StudyRow.name == name))
            if study is None:
                self._db.study_row(session, name)  # names the close matches
            # row by row, not through the ORM: a study with damaged values can go too
            session.execute(delete(TrialRow).where(TrialRow.study_id == study))
            session.execute(delete(StudyRow).where(StudyRow.id == study))

    def profiles(self, *, tags: Mapping[str, Any] | None = None) -> dict[str, TaskProfile]:
        """Study name -> the profile of its task, optionally only studies with these tags."""
        with self._db.session() as session:
            rows = session.execute(select(StudyRow.name, StudyRow.profile, StudyRow.tags)).all()
        return {n: TaskProfile.from_dict(p) for n, p, t in rows if _tags_match(t, tags)}

    # -- similarity -----------------------------------------------------------------------
    def similar(
        self,
        profile: TaskProfile,
        k: int = 5,
        *,
        tags: Mapping[str, Any] | None = None,
        space: Any = None,
        min_space_overlap: float = 0.5,
        weights: Mapping[str, float] | None = None,
        bandwidth: float = 1.0,
        quantile: float = 0.95,
    ) -> pd.DataFrame:
        """The ``k`` stored studies whose tasks are most similar to ``profile``.

        Columns: ``study, task, similarity`` (in [0, 1]), ``distance, in_distribution``
        (False: no close analog), ``n_shared, contributions`` (each meta-feature's share of
        the distance), ``deviations`` (signed, in robust spreads), ``shared_features``,
        ``tags`` and ``space_overlap``. ``tags`` keeps only studies whose tags match
        (e.g. ``{"model": "hgb"}``); ``space`` keeps only studies whose search space covers
        at least ``min_space_overlap`` of its parameters. See :mod:`hpxplore.similarity`.
        """
        wanted = parse_space(space) if space is not None else None
        catalogue = self._db.catalogue()
        kept, overlaps, study_tags = {}, {}, {}
        overlap_of: dict[str, float] = {}  # per distinct stored space: registries repeat a few
        for entry in catalogue:
            if not _tags_match(entry.tags, tags):
                continue
            if wanted:
                if entry.space_key not in overlap_of:
                    overlap_of[entry.space_key] = space_overlap(wanted, entry.space)
                overlap = overlap_of[entry.space_key]
            else:
                overlap = 1.0
            if overlap < min_space_overlap:
                continue
            kept[entry.name] = entry.profile
            overlaps[entry.name], study_tags[entry.name] = overlap, entry.tags
        frame = nearest(profile, kept, k=k, weights=weights, bandwidth=bandwidth, quantile=quantile)
        attrs = dict(frame.attrs)
        frame = frame.assign(
            tags=[study_tags[s] for s in frame["study"]],
            space_overlap=[overlaps[s] for s in frame["study"]],
        )
        frame.attrs.update(attrs, candidates=len(kept))
        return frame

    # -- importers ------------------------------------------------------------------------
    def import_csv(
        self,
        path: str | os.PathLike[str],
        name: str,
        profile: TaskProfile,
        space: Any,
        objectives: Any,
        **kwargs: Any,
    ) -> StudyRecord:
        """Store a study from a CSV trials table (see :meth:`add_study` for its columns)."""
        from hpxplore.registry.importers.table import read_trials_csv

        return self.add_study(
            name, profile, space, objectives, read_trials_csv(path), source="csv", **kwargs
        )

    def import_ax(
        self,
        path: str | os.PathLike[str],
        profile: TaskProfile,
        *,
        name: str | None = None,
        **kwargs: Any,
    ) -> StudyRecord:
        """Store a study from an Ax ``Client.save_to_json_file`` snapshot."""
        from hpxplore.registry.importers.ax_json import read_ax_json

        return self._add_imported(read_ax_json(path), profile, name, str(path), "ax", kwargs)

    def import_optuna(
        self,
        storage: str,
        study_name: str,
        profile: TaskProfile,
        *,
        name: str | None = None,
        metric_names: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> StudyRecord:
        """Store a study from an Optuna storage (URL or storage object) and study name."""
        from hpxplore.registry.importers.optuna import read_optuna

        study = read_optuna(storage, study_name, metric_names=metric_names)
        return self._add_imported(study, profile, name, f"optuna:{study_name}", "optuna", kwargs)

    def import_mlflow(
        self,
        tracking_uri: str,
        experiments: str | Sequence[str],
        profiles: TaskProfile | Mapping[str, TaskProfile],
        objectives: Any,
        *,
        parent_run: str | None = None,
        space: Any = None,
        **kwargs: Any,
    ) -> list[StudyRecord]:
        """Store MLflow experiments as studies, all in one transaction.

        Each experiment's runs are the trials (with ``parent_run``, that run's children):
        params are the config, the latest metrics the outcomes. ``profiles``: the task
        profile of each experiment (one profile for one experiment). ``space``: the search
        space; by default what the runs tried. Experiment tags join the study's tags; run
        ids and the tracking URI (password hidden) are in its provenance.
        """
        from hpxplore.registry.importers.mlflow import read_mlflow

        names = [experiments] if isinstance(experiments, str) else list(experiments)
        if isinstance(profiles, TaskProfile):
            if len(names) != 1:
                raise InputError(
                    f"One profile for {len(names)} experiments.",
                    "Pass profiles={experiment: hpx.profile_task(...)} with one per experiment.",
                )
            profiles = {names[0]: profiles}
        missing = [n for n in names if n not in profiles]
        if missing:
            raise InputError(
                f"No task profile for the MLflow experiment(s) {missing}.",
                "Pass profiles={experiment: hpx.profile_task(...)} for each experiment.",
            )
        items = []
        for experiment in names:
            study = read_mlflow(
                tracking_uri, experiment, parse_objectives(objectives), parent_run=parent_run,
                space=space,
            )  # fmt: skip
            items.append(self._imported(study, profiles[experiment], None, "mlflow", dict(kwargs)))
        self.add_studies(items)
        return self.records([item["name"] for item in items])

    def _add_imported(
        self,
        study: Any,
        profile: TaskProfile,
        name: str | None,
        origin: str,
        source: str,
        kwargs: dict[str, Any],
    ) -> StudyRecord:
        item = self._imported(study, profile, name, source, kwargs, origin)
        return self.add_study(**item)

    @staticmethod
    def _imported(
        study: Any,
        profile: TaskProfile,
        name: str | None,
        source: str,
        kwargs: dict[str, Any],
        origin: str | None = None,
    ) -> dict[str, Any]:
        """``add_study``'s arguments for what an importer read."""
        provenance = {
            "imported_from": origin or f"{source}:{study.name}",
            **study.provenance,
            **kwargs.pop("provenance", {}),
        }
        if study.tags:  # the source's tags join the task's own (which win)
            profile = replace(profile, tags={**study.tags, **profile.tags})
        return {
            "name": name or study.name,
            "profile": profile,
            "space": study.space,
            "objectives": study.objectives,
            "trials": study.trials,
            "constraints": study.constraints,
            "provenance": provenance,
            "source": source,
            **kwargs,
        }

    # -- recommendations, decisions and outcomes (the audit log) ---------------------------
    def decide(
        self, recommendation_id: int, decision: str, *, reason: str = "", user: str | None = None
    ) -> None:
        """Record that a recommendation was ``"accepted"`` or ``"rejected"``, and why."""
        with self._db.session() as session:
            _audit.decide(session, recommendation_id, decision, reason, user)

    def recommendations(self, *, task: str | None = None) -> pd.DataFrame:
        """Stored recommendations with their latest decision."""
        with self._db.session() as session:
            return _audit.recommendations(session, task)

    def decisions(self, *, task: str | None = None) -> pd.DataFrame:
        """The audit log: every accept/reject, oldest first."""
        with self._db.session() as session:
            return _audit.decisions(session, task)

    def outcomes(self) -> pd.DataFrame:
        """Transfer outcomes, one row each."""
        with self._db.session() as session:
            return _audit.outcomes(session)

    def audit(self, by: str = "model", *, every: str | None = None) -> pd.DataFrame:
        """Whether transfer helped and whether its projections held, per value of the tag
        ``by`` (e.g. model family; ``"study"``: per study) and, with ``every`` (a pandas
        period such as ``"M"``), per period in which the outcomes were recorded.

        Columns: ``studies``; ``transferred`` (trials of transferred recommendations);
        ``helped`` (their share that met every constraint and that no feasible quasi-random
        trial of their study dominates on the objectives); ``feasible`` (their share that
        met every constraint); ``intervals, coverage`` (realized objective values checked
        against their recommendation's projected 95 % interval, and the share inside it:
        near 0.95 when the projections are calibrated); ``projected_gain, realized_gain,
        gains_compared`` (the mean projected gain over the baseline on the first objective
        against the mean realized one, where the study ran the baseline too);
        ``switched_off`` (studies whose transfer was switched off, :meth:`switched_off`);
        ``flag`` (why the calibration needs a look, or empty).
        """
        return audit_table(*self._audit_log(), by, every)

    def _audit_log(self) -> tuple[pd.DataFrame, dict, dict, dict]:
        """What :meth:`audit` reads, once: the outcomes, each recommendation's stored
        details by id, each study's tags, and the switched-off studies with the reason."""
        outcomes = self.outcomes()
        with self._db.session() as session:
            tags = dict(session.execute(select(StudyRow.name, StudyRow.tags)).all())
        projections = {
            int(row["id"]): row["details"] or {}
            for row in self.recommendations().to_dict("records")
        }
        stopped = self.switched_off()
        return (
            outcomes,
            projections,
            tags,
            dict(zip(stopped["study"], stopped["reason"], strict=True)),
        )

    def switched_off(self) -> pd.DataFrame:
        """The studies whose transfer was switched off: ``study, reason, trials`` (the
        completed trials it had judged)."""
        with self._db.session() as session:
            rows = session.execute(select(StudyRow.name, StudyRow.settings)).all()
        found = []
        for name, settings in rows:
            off = (settings or {}).get("transfer_off")
            if off:
                evidence = off.get("evidence") or {}
                found.append({"study": name, "reason": off.get("reason", ""),
                              "trials": evidence.get("trials")})  # fmt: skip
        return pd.DataFrame(found, columns=["study", "reason", "trials"])


def _tags_match(stored: Mapping[str, Any], wanted: Mapping[str, Any] | None) -> bool:
    return all(str(stored.get(k)) == str(v) for k, v in (wanted or {}).items())
