"""The registry's writes that are not the user's: a running Study's trials and snapshots,
and the audit log's recommendations, links and transfer outcomes.

``Registry`` is what a user calls; a ``Study`` and ``Recommendations`` write through
``Store(registry)``, so the Registry's public methods stay the user's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from hpxplore._jsonable import jsonable
from hpxplore._provenance import now_utc
from hpxplore.objectives import Constraint
from hpxplore.profiling import TaskProfile
from hpxplore.registry import _audit
from hpxplore.registry._schema import RecommendationRow, TransferOutcomeRow, TrialRow
from hpxplore.space import Space
from hpxplore.trial import Trial

if TYPE_CHECKING:
    from hpxplore.registry._registry import Registry

__all__ = ["Store"]


class Store:
    """Writes to ``registry`` on behalf of a running study and of the audit log."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._db = registry._db

    # -- a running study ------------------------------------------------------------------
    def begin_study(
        self,
        name: str,
        profile: TaskProfile,
        space: Space,
        objectives: Mapping[str, str],
        constraints: Sequence[Constraint],
        provenance: Mapping[str, Any],
        settings: Mapping[str, Any],
    ) -> None:
        """Store a study that is about to run: no trials yet, state ``running``."""
        row = self._db.new_study_row(
            name,
            profile,
            space,
            objectives,
            constraints,
            provenance,
            source="hpxplore",
            state="running",
        )
        row.settings = jsonable(dict(settings))
        self._db.insert(row)

    def save_snapshot(self, name: str, snapshot: Mapping[str, Any]) -> None:
        """Store the optimizer's JSON snapshot of a running study (replacing the last one)."""
        with self._db.session() as session:
            row = self._db.study_row(session, name)
            row.snapshot, row.updated_at = dict(snapshot), now_utc()

    def run_state(self, name: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """A study's run settings and its last optimizer snapshot (``None`` if never saved)."""
        with self._db.session() as session:
            row = self._db.study_row(session, name)
            return dict(row.settings or {}), row.snapshot

    def trials(self, name: str) -> list[Trial]:
        """Every stored trial of study ``name``, notes included."""
        with self._db.session() as session:
            return [t.to_trial() for t in self._db.study_row(session, name).trials]

    def save_trial(self, name: str, trial: Trial) -> None:
        """Insert or replace one trial of a stored study."""
        fields = trial.stored()
        with self._db.session() as session:
            study = self._db.study_row(session, name)
            existing = session.scalar(
                select(TrialRow).where(
                    TrialRow.study_id == study.id, TrialRow.trial_index == trial.trial_index
                )
            )
            if existing is not None:
                for key, value in fields.items():
                    setattr(existing, key, value)
            else:
                session.add(TrialRow(study_id=study.id, **fields))
            study.updated_at = now_utc()

    def update_settings(self, name: str, changes: Mapping[str, Any]) -> None:
        """Add ``changes`` to a running study's stored settings (e.g. a transfer decision)."""
        with self._db.session() as session:
            study = self._db.study_row(session, name)
            study.settings = {**(study.settings or {}), **jsonable(dict(changes))}
            study.updated_at = now_utc()

    def set_state(self, name: str, state: str) -> None:
        """Mark a study ``running``, ``completed`` or ``stopped``."""
        with self._db.session() as session:
            study = self._db.study_row(session, name)
            study.state, study.updated_at = state, now_utc()

    # -- the audit log --------------------------------------------------------------------
    def add_recommendations(
        self,
        task: TaskProfile,
        items: Sequence[Mapping[str, Any]],
        context: Mapping[str, Any] | None = None,
    ) -> list[int]:
        """Store a batch of recommendations for ``task`` (and what it modelled); their ids."""
        with self._db.session() as session:
            return _audit.add_recommendations(session, task, items, context)

    def batch_context(self, batch: str) -> dict[str, Any] | None:
        with self._db.session() as session:
            return _audit.batch_context(session, batch)

    def link_recommendations(self, ids: Sequence[int], study: str) -> None:
        """Note that these recommendations seeded ``study``."""
        with self._db.session() as session:
            _audit.link(session, ids, study)

    def record_outcome(
        self,
        study: str,
        outcome: Mapping[str, Any],
        *,
        recommendation_id: int | None = None,
        trial_index: int | None = None,
    ) -> None:
        """Store what a transferred configuration gave on the new task."""
        with self._db.session() as session:
            _audit.record_outcome(session, study, outcome, recommendation_id, trial_index)

    def known_recommendations(self, ids: Sequence[int]) -> set[int]:
        """Which of ``ids`` are recommendations in this registry's audit log."""
        with self._db.session() as session:
            found = session.scalars(
                select(RecommendationRow.id).where(RecommendationRow.id.in_(list(ids)))
            )
            return {int(i) for i in found}

    def recorded_outcomes(self, study: str) -> set[int]:
        """The recommendations whose outcome in ``study`` is already recorded."""
        with self._db.session() as session:
            ids = session.scalars(
                select(TransferOutcomeRow.recommendation_id).where(
                    TransferOutcomeRow.study_name == study
                )
            )
            return {int(i) for i in ids if i is not None}
