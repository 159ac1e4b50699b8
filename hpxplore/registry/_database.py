"""The registry's database: sessions that report failures plainly, and its study rows.

Shared by :class:`~hpxplore.registry.Registry` (what users call) and
:class:`~hpxplore.registry._store.Store` (what a running Study and the audit log write).
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DatabaseError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from hpxplore._provenance import provenance as make_provenance
from hpxplore._secrets import redact
from hpxplore.exceptions import (
    DuplicateStudyError,
    InputError,
    RegistryConnectionError,
    RegistryDamagedError,
    StudyNotFoundError,
)
from hpxplore.objectives import Constraint
from hpxplore.profiling import TaskProfile
from hpxplore.registry._engine import open_engine, secrets, shown
from hpxplore.registry._schema import StudyRow, TrialRow
from hpxplore.space import Space, space_from_json, space_to_json

__all__ = ["CatalogueEntry", "Database"]

_CHUNK = 500  # names per IN (...) query


@dataclass(frozen=True)
class CatalogueEntry:
    """What similarity reads of a stored study: its name, profile, tags and space."""

    name: str
    profile: TaskProfile
    tags: dict[str, Any]
    space: Space
    space_key: str  # the space's JSON, to tell equal spaces apart cheaply


def is_text(text: str) -> bool:
    """Whether ``text`` can be stored as text (a lone surrogate, ``"\\ud800"``, cannot)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_name(name: Any) -> str:
    if (
        not isinstance(name, str)
        or not name.strip()
        or len(name) > 255
        or "\x00" in name
        or not is_text(name)
    ):
        raise InputError(
            f"A study name must be a non-empty string of at most 255 characters, without "
            f"NUL or lone surrogates, got {name!r}"[:400]
            + ".",
            'Pass e.g. name="hgb-churn-2026-11".',
        )
    return name


def _check_text(value: Any, what: str, longest: int, example: str) -> None:
    """A value stored in a column of ``longest`` characters: the same limits on SQLite and
    PostgreSQL (which would refuse it mid-transaction)."""
    if isinstance(value, str) and (len(value) > longest or "\x00" in value or not is_text(value)):
        raise InputError(
            f"{what} must be at most {longest} characters of text, without NUL or lone "
            f"surrogates, got {value[:80]!r}" + ("..." if len(value) > 80 else "") + ".",
            f"Use a shorter one, e.g. {example}.",
        )


def _values(row: Any) -> dict[str, Any]:
    """An ORM row's column values for a bulk insert (a default fills what is unset)."""
    values = {}
    for column in row.__table__.columns:
        value = getattr(row, column.key)
        if column.key == "id" or (value is None and column.default is not None):
            continue
        values[column.key] = value
    return values


class Database:
    """One registry database: its engine, URL and transactions."""

    def __init__(self, url: str | os.PathLike[str] | None, *, create: bool) -> None:
        self.engine, self._url = open_engine(url, create=create)
        self._catalogue: tuple[tuple[int, int | None], list[CatalogueEntry]] | None = None

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return shown(self._url)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction; a database failure becomes a ``RegistryConnectionError``, damaged
        pages or rows a ``RegistryDamagedError`` (nothing of the call is written)."""
        try:
            with Session(self.engine, expire_on_commit=False) as session, session.begin():
                yield session
        except OperationalError as exc:
            reason = redact(str(exc.orig).strip(), secrets(self._url))
            read_only = "readonly" in reason or "read-only" in reason
            raise RegistryConnectionError(
                f"The registry at {self.url} failed: {reason}",
                "This registry was opened read-only: open it by its path to write to it."
                if read_only
                else "Check that the database is reachable and not locked by a crashed "
                "process; nothing of this call was written.",
            ) from None
        except DatabaseError as exc:
            raise RegistryDamagedError(
                f"The registry at {self.url} is damaged: "
                f"{redact(str(exc.orig).strip(), secrets(self._url))}.",
                "Restore it from a backup, or keep what is readable with the sqlite3 shell's "
                "'.recover' into a new file; nothing of this call was written.",
            ) from None
        except json.JSONDecodeError:
            broken = self.unreadable_studies()
            raise RegistryDamagedError(
                f"The registry at {self.url} holds stored values that are not valid JSON"
                + (f", in study {', '.join(map(repr, broken))}." if broken else "."),
                (f"reg.delete_study({broken[0]!r}) removes it; or restore" if broken else "Restore")
                + " the registry from a backup. Nothing of this call was written.",
            ) from None

    def unreadable_studies(self) -> list[str]:
        """Studies with a stored value that is not valid JSON (their own or a trial's)."""
        columns = {
            "hpx_study": ("profile", "tags", "space", "objectives", "constraints", "provenance",
                          "settings"),
            "hpx_trial": ("config", "metrics", "sems", "extra"),
        }  # fmt: skip
        broken: set[int] = set()
        with self.engine.connect() as connection:
            for table, names in columns.items():
                key = "id" if table == "hpx_study" else "study_id"
                query = text(f"SELECT {key}, {', '.join(names)} FROM {table}")
                for row in connection.execute(query):
                    for value in row[1:]:
                        try:
                            if isinstance(value, str):
                                json.loads(value)
                        except ValueError:
                            broken.add(row[0])
            named = connection.execute(text("SELECT id, name FROM hpx_study")).all()
        return sorted(name for id_, name in named if id_ in broken)

    def study_row(self, session: Session, name: str) -> StudyRow:
        """The row of study ``name``; a missing one names the close matches."""
        stored = isinstance(name, str) and is_text(name)  # else no row can have that name
        row = session.scalar(select(StudyRow).where(StudyRow.name == name)) if stored else None
        if row is None:
            known = session.scalars(select(StudyRow.name).order_by(StudyRow.name)).all()
            close = difflib.get_close_matches(str(name), known, n=3)
            raise StudyNotFoundError(
                f"No study named {name!r} in the registry at {self.url}"
                + (f" (did you mean {', '.join(map(repr, close))}?)." if close else "."),
                f"Known studies include {list(known[:10])}; reg.studies() lists them all.",
            )
        return row

    def new_study_row(
        self,
        name: str,
        profile: TaskProfile,
        space: Space,
        objectives: Mapping[str, str],
        constraints: Sequence[Constraint],
        provenance: Mapping[str, Any] | None,
        *,
        source: str,
        state: str,
    ) -> StudyRow:
        _check_name(name)
        if not isinstance(profile, TaskProfile):
            raise InputError(
                f"A study needs a TaskProfile, got {type(profile).__name__}.",
                "Make one with hpx.profile_task(df, target=...) or TaskProfile.from_meta_features.",
            )
        _check_text(profile.name, "The task's name", 255, 'name="churn-2026-11"')
        _check_text(source, "source", 32, 'source="dataframe"')
        if state not in ("running", "completed", "stopped"):
            raise InputError(
                f"state must be 'running', 'completed' or 'stopped', got {state!r}.",
                "Leave it out for a finished study ('completed').",
            )
        return StudyRow(
            name=name,
            task_name=profile.name,
            task_type=profile.task_type,
            fingerprint=profile.fingerprint,
            profile=profile.to_dict(),
            tags=dict(profile.tags),
            space=space_to_json(space),
            objectives=dict(objectives),
            constraints=[str(c) for c in constraints],
            provenance=make_provenance(provenance),
            source=source,
            state=state,
        )

    def insert(self, record: StudyRow) -> None:
        """Store a new study row (and its trials); a taken name is a ``DuplicateStudyError``."""
        name = record.name
        try:
            with self.session() as session:
                taken = session.execute(
                    select(StudyRow.state, StudyRow.settings).where(StudyRow.name == name)
                ).first()
                if taken is not None:
                    stopped = taken.state == "running" and bool(taken.settings)
                    raise DuplicateStudyError(
                        f"A study named {name!r} is already in the registry at {self.url}"
                        + (" (its run stopped before it finished)." if stopped else "."),
                        (
                            f"hpx.Study.load({name!r}, reg) resumes it; or pick"
                            if stopped
                            else "Pick"
                        )
                        + f" another name, or reg.delete_study({name!r}) first if the old one "
                        "should go.",
                    )
                session.add(record)
        except IntegrityError:  # a concurrent writer took the name between check and insert
            raise DuplicateStudyError(
                f"A study named {name!r} was stored by another process at the same time.",
                "Pick another name.",
            ) from None

    def insert_many(self, rows: Sequence[StudyRow]) -> None:
        """Store new study rows and their trials in one transaction, in bulk."""
        names = [row.name for row in rows]
        with self.session() as session:
            taken: list[str] = []
            for start in range(0, len(names), _CHUNK):
                chunk = names[start : start + _CHUNK]
                taken += session.scalars(select(StudyRow.name).where(StudyRow.name.in_(chunk)))
            if taken:
                raise DuplicateStudyError(
                    f"{len(taken)} of these studies are already in the registry at {self.url}, "
                    f"e.g. {sorted(taken)[:3]}; nothing was written.",
                    "Pick other names, or delete those studies first.",
                )
            studies = [_values(row) for row in rows]
            ids = session.scalars(
                insert(StudyRow).returning(StudyRow.id, sort_by_parameter_order=True), studies
            ).all()
            trials = [
                {**_values(t), "study_id": study_id}
                for row, study_id in zip(rows, ids, strict=True)
                for t in row.trials
            ]
            if trials:
                session.execute(insert(TrialRow), trials)

    def catalogue(self) -> list[CatalogueEntry]:
        """Every stored study's profile, tags and space, read once per registry state (a
        study is never changed in place, so the count and the newest id tell the state)."""
        with self.session() as session:
            state = tuple(
                session.execute(select(func.count(StudyRow.id), func.max(StudyRow.id))).one()
            )
            if self._catalogue is not None and self._catalogue[0] == state:
                return self._catalogue[1]
            rows = session.execute(
                select(StudyRow.name, StudyRow.profile, StudyRow.tags, StudyRow.space)
            ).all()
        entries = [
            CatalogueEntry(
                name, TaskProfile.from_dict(profile), dict(tags), space_from_json(space),
                json.dumps(space, sort_keys=True),
            )
            for name, profile, tags, space in rows
        ]  # fmt: skip
        self._catalogue = (state, entries)
        return entries

    def close(self) -> None:
        self.engine.dispose()
