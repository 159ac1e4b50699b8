"""The audit log: recommendations made, the user's decisions, and transfer outcomes.

Decisions are appended, never updated: the latest decision on a recommendation counts,
and the earlier ones stay as the record of who changed their mind, when and why.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hpxplore._jsonable import jsonable
from hpxplore._provenance import current_user
from hpxplore.exceptions import InputError, RegistryError
from hpxplore.profiling import TaskProfile
from hpxplore.registry._schema import (
    DecisionRow,
    RecommendationBatchRow,
    RecommendationRow,
    TransferOutcomeRow,
)

__all__ = [
    "DECISIONS",
    "add_recommendations",
    "batch_context",
    "decide",
    "decisions",
    "link",
    "outcomes",
    "recommendations",
    "record_outcome",
]

DECISIONS = ("accepted", "rejected")


def add_recommendations(
    session: Session,
    task: TaskProfile,
    items: Sequence[Mapping[str, Any]],
    context: Mapping[str, Any] | None = None,
) -> list[int]:
    batch = uuid.uuid4().hex
    if context is not None:
        session.add(
            RecommendationBatchRow(batch=batch, task_name=task.name, context=jsonable(context))
        )
    rows = []
    for position, item in enumerate(items):
        rank = int(item.get("rank", position))
        if "config" not in item:
            raise InputError(
                f"Recommendation {rank} has no 'config'.", "Each item needs a config dict."
            )
        details = {k: v for k, v in item.items() if k not in ("config", "kind", "rank")}
        rows.append(
            RecommendationRow(
                batch=batch,
                task_name=task.name,
                fingerprint=task.fingerprint,
                rank=rank,
                kind=str(item.get("kind", "unspecified")),
                config=jsonable(dict(item["config"])),
                details=jsonable(details),
            )
        )
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows]


def decide(
    session: Session, recommendation_id: int, decision: str, reason: str, user: str | None
) -> None:
    if decision not in DECISIONS:
        raise InputError(
            f"A decision must be one of {list(DECISIONS)}, got {decision!r}.",
            "Use recs.accept(i, reason=...) or recs.reject(i, reason=...).",
        )
    if session.get(RecommendationRow, recommendation_id) is None:
        raise RegistryError(
            f"No recommendation with id {recommendation_id} in the registry.",
            "Decide on recommendations returned by hpx.recommend with the same registry.",
        )
    session.add(
        DecisionRow(
            recommendation_id=recommendation_id,
            decision=decision,
            reason=str(reason or "").replace("\x00", "\\x00"),
            user=str(user or current_user()).replace("\x00", "\\x00")[:128],
        )
    )


def link(session: Session, ids: Sequence[int], study: str) -> None:
    session.execute(
        update(RecommendationRow)
        .where(RecommendationRow.id.in_(list(ids)))
        .values(study_name=study)
    )


def decisions(session: Session, task: str | None) -> pd.DataFrame:
    query = (
        select(
            DecisionRow, RecommendationRow.task_name, RecommendationRow.kind, RecommendationRow.rank
        )
        .join(RecommendationRow, RecommendationRow.id == DecisionRow.recommendation_id)
        .order_by(DecisionRow.id)
    )
    if task is not None:
        query = query.where(RecommendationRow.task_name == task)
    records = [
        {
            "recommendation_id": d.recommendation_id,
            "task": t,
            "rank": r,
            "kind": k,
            "decision": d.decision,
            "reason": d.reason,
            "user": d.user,
            "decided_at": d.decided_at,
        }
        for d, t, k, r in session.execute(query)
    ]
    return pd.DataFrame.from_records(
        records,
        columns=[
            "recommendation_id",
            "task",
            "rank",
            "kind",
            "decision",
            "reason",
            "user",
            "decided_at",
        ],
    )


def recommendations(session: Session, task: str | None) -> pd.DataFrame:
    query = select(RecommendationRow).order_by(RecommendationRow.id)
    if task is not None:
        query = query.where(RecommendationRow.task_name == task)
    latest: dict[int, DecisionRow] = {
        d.recommendation_id: d
        for d in session.scalars(select(DecisionRow).order_by(DecisionRow.id))
    }
    records = []
    for row in session.scalars(query):
        decision = latest.get(row.id)
        records.append(
            {
                "id": row.id,
                "batch": row.batch,
                "task": row.task_name,
                "rank": row.rank,
                "kind": row.kind,
                "config": row.config,
                "details": row.details,
                "study": row.study_name,
                "decision": decision.decision if decision else None,
                "reason": decision.reason if decision else None,
                "created_at": row.created_at,
            }
        )
    frame = pd.DataFrame.from_records(
        records,
        columns=[
            "id",
            "batch",
            "task",
            "rank",
            "kind",
            "config",
            "details",
            "study",
            "decision",
            "reason",
            "created_at",
        ],
    )
    # undecided rows keep None (pandas would make a column of None and text NaN)
    for column in ("decision", "reason"):
        frame[column] = pd.Series([r[column] for r in records], index=frame.index, dtype=object)
    return frame


def record_outcome(
    session: Session,
    study: str,
    outcome: Mapping[str, Any],
    recommendation_id: int | None,
    trial_index: int | None,
) -> None:
    session.add(
        TransferOutcomeRow(
            study_name=study,
            outcome=jsonable(dict(outcome)),
            recommendation_id=recommendation_id,
            trial_index=trial_index,
        )
    )


def outcomes(session: Session) -> pd.DataFrame:
    records = [
        {
            "study": o.study_name,
            "recommendation_id": o.recommendation_id,
            "trial_index": o.trial_index,
            **o.outcome,
            "recorded_at": o.recorded_at,
        }
        for o in session.scalars(select(TransferOutcomeRow).order_by(TransferOutcomeRow.id))
    ]
    return pd.DataFrame.from_records(records)


def batch_context(session: Session, batch: str) -> dict[str, Any] | None:
    """What the ``recommend`` call behind ``batch`` modelled (``None`` for an older batch)."""
    row = session.get(RecommendationBatchRow, batch)
    return None if row is None else dict(row.context)
