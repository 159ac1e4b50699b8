"""The registry's database: sessions that report failures plainly, and its study rows.

Shared by :class:`~hpxplore.registry.Registry` (what users call) and
:class:`~hpxplore.registry._store.Store` (what a running Study and the audit log write).
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from hpxplore._provenance import provenance as make_provenance
from hpxplore.exceptions import (
    DuplicateStudyError,
    InputError,
    RegistryConnectionError,
    StudyNotFoundError,
)
from hpxplore.objectives import Constraint
from hpxplore.profiling import TaskProfile
from hpxplore.registry._engine import open_engine
from hpxplore.registry._schema import StudyRow
from hpxplore.space import Space, space_to_json

__all__ = ["Database"]


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        raise InputError(
            f"A study name must be a non-empty string of at most 255 characters, got {name!r}.",
            'Pass e.g. name="hgb-churn-2026-11".',
        )
    return name


class Database:
    """One registry database: its engine, URL and transactions."""

    def __init__(self, url: str | os.PathLike[str] | None, *, create: bool) -> None:
        self.engine, self._url = open_engine(url, create=create)

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return self._url.render_as_string(hide_password=True)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction; a database failure becomes a ``RegistryConnectionError``."""
        try:
            with Session(self.engine, expire_on_commit=False) as session, session.begin():
                yield session
        except OperationalError as exc:
            raise RegistryConnectionError(
                f"The registry at {self.url} failed: {str(exc.orig).strip()}",
                "Check that the database is reachable and not locked by a crashed process; "
                "nothing of this call was written.",
            ) from None

    def study_row(self, session: Session, name: str) -> StudyRow:
        """The row of study ``name``; a missing one names the close matches."""
        row = session.scalar(select(StudyRow).where(StudyRow.name == name))
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
                if session.scalar(select(StudyRow.id).where(StudyRow.name == name)) is not None:
                    raise DuplicateStudyError(
                        f"A study named {name!r} is already in the registry at {self.url}.",
                        "Pick another name, or reg.delete_study(name) first if the old one should go.",
                    )
                session.add(record)
        except IntegrityError:  # a concurrent writer took the name between check and insert
            raise DuplicateStudyError(
                f"A study named {name!r} was stored by another process at the same time.",
                "Pick another name.",
            ) from None

    def close(self) -> None:
        self.engine.dispose()
