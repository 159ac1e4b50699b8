"""The registry's tables (SQLAlchemy 2.x ORM) and its schema version.

Every stored value is JSON (never pickle). Trials, decisions and transfer outcomes are
rows of their own so that a study can grow while it runs and the audit log only grows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from hpxplore._provenance import now_utc
from hpxplore.trial import Trial

__all__ = [
    "SCHEMA_VERSION",
    "Base",
    "DecisionRow",
    "MetaRow",
    "RecommendationBatchRow",
    "RecommendationRow",
    "StudyRow",
    "TransferOutcomeRow",
    "TrialRow",
]

SCHEMA_VERSION = 1


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class MetaRow(Base):
    """Key-value facts about the registry itself: schema version, creation time."""

    __tablename__ = "hpx_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class StudyRow(Base):
    __tablename__ = "hpx_study"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True, index=True)
    task_name: Mapped[str] = mapped_column(String(255))
    task_type: Mapped[str | None] = mapped_column(String(32))
    fingerprint: Mapped[str | None] = mapped_column(String(80))
    profile: Mapped[dict[str, Any]]
    tags: Mapped[dict[str, Any]]
    space: Mapped[dict[str, Any]]
    objectives: Mapped[dict[str, Any]]
    constraints: Mapped[list[Any]]
    provenance: Mapped[dict[str, Any]]
    source: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="completed")
    # A running study's settings and its optimizer's own JSON snapshot (for resuming).
    settings: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True, deferred=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now_utc)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now_utc)
    trials: Mapped[list[TrialRow]] = relationship(
        back_populates="study", cascade="all, delete-orphan", order_by="TrialRow.trial_index"
    )


class TrialRow(Base):
    __tablename__ = "hpx_trial"
    __table_args__ = (UniqueConstraint("study_id", "trial_index"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    study_id: Mapped[int] = mapped_column(
        ForeignKey("hpx_study.id", ondelete="CASCADE"), index=True
    )
    trial_index: Mapped[int] = mapped_column(Integer)
    config: Mapped[dict[str, Any]]
    metrics: Mapped[dict[str, Any]]
    sems: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    origin: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now_utc)
    study: Mapped[StudyRow] = relationship(back_populates="trials")

    def to_trial(self) -> Trial:
        return Trial.from_stored(
            trial_index=self.trial_index,
            config=self.config,
            metrics=self.metrics,
            sems=self.sems,
            status=self.status,
            origin=self.origin,
            error=self.error,
            extra=self.extra,
            created_at=self.created_at,
        )


class RecommendationRow(Base):
    __tablename__ = "hpx_recommendation"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch: Mapped[str] = mapped_column(String(64), index=True)
    task_name: Mapped[str] = mapped_column(String(255), index=True)
    fingerprint: Mapped[str | None] = mapped_column(String(80))
    rank: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    config: Mapped[dict[str, Any]]
    details: Mapped[dict[str, Any]]
    study_name: Mapped[str | None] = mapped_column(String(255), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now_utc)


class RecommendationBatchRow(Base):
    """What one ``recommend`` call knew beyond its items: the studies it modelled and the
    space it searched, so that its transfer state can be rebuilt from the registry."""

    __tablename__ = "hpx_recommendation_batch"
    batch: Mapped[str] = mapped_column(String(64), primary_key=True)
    task_name: Mapped[str] = mapped_column(String(255), index=True)
    context: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now_utc)


class DecisionRow(Base):
    """The audit log: one row per accept/reject, never updated (the latest one counts)."""

    __tablename__ = "hpx_decision"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("hpx_recommendation.id", ondelete="CASCADE"), index=True
    )
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    user: Mapped[str] = mapped_column(String(128))
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now_utc)


class TransferOutcomeRow(Base):
    """What an accepted recommendation gave when a study evaluated it."""

    __tablename__ = "hpx_transfer_outcome"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recommendation_id: Mapped[int | None] = mapped_column(
        ForeignKey("hpx_recommendation.id", ondelete="SET NULL"), index=True, nullable=True
    )
    study_name: Mapped[str] = mapped_column(String(255), index=True)
    trial_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
    outcome: Mapped[dict[str, Any]]
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now_utc)
