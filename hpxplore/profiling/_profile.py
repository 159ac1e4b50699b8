"""TaskProfile: a task's fingerprint (meta-features, tags, data hash), frozen and JSON."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from hpxplore.exceptions import InputError

__all__ = ["TaskProfile"]

_TASK_TYPES = (None, "classification", "regression")


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


def _clean_meta_features(name: str, values: Mapping[str, Any]) -> dict[str, float]:
    if not isinstance(values, Mapping):
        raise InputError(
            f"Meta-features of {name!r} must be a dict of name -> number, got {type(values).__name__}.",
            'Write e.g. {"n_rows": 1000, "n_features": 20}.',
        )
    cleaned: dict[str, float] = {}
    for key, value in values.items():
        if value is None:
            continue  # unknown: similarity uses only what both sides have
        if hasattr(value, "item"):
            value = value.item()
        if (
            not isinstance(key, str)
            or isinstance(value, bool)
            or not isinstance(value, (int, float))
        ):
            raise InputError(
                f"Meta-feature {key!r} of {name!r} must be a number, got {value!r}.",
                "Give numbers only; leave a meta-feature out (or None) when it is unknown.",
            )
        if not math.isfinite(value):
            raise InputError(
                f"Meta-feature {key!r} of {name!r} is {value!r}.",
                "Leave it out (or None) when it is unknown; similarity then uses the others.",
            )
        cleaned[key] = float(value)
    if not cleaned:
        raise InputError(
            f"Task {name!r} has no meta-features.",
            "Give at least one, e.g. {'n_rows': 1000}, or use hpx.profile_task(df, target=...).",
        )
    return cleaned


@dataclass(frozen=True)
class TaskProfile:
    """What hpxplore knows of a task: meta-features, tags and a data fingerprint.

    Build one with :func:`hpxplore.profile_task` from a DataFrame, or with
    :meth:`TaskProfile.from_meta_features` for a task known only by its numbers.

    Example:
        >>> p = TaskProfile.from_meta_features("openml-31", {"n_rows": 1000, "n_features": 20})
        >>> TaskProfile.from_json(p.to_json()) == p
        True
    """

    name: str
    meta_features: Mapping[str, float]
    tags: Mapping[str, str] = field(default_factory=dict)
    task_type: str | None = None
    target: str | None = None
    fingerprint: str | None = None
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InputError(
                f"A task profile needs a non-empty name, got {self.name!r}.",
                'Pass name="my-task".',
            )
        if self.task_type not in _TASK_TYPES:
            raise InputError(
                f"task_type must be 'classification', 'regression' or None, got {self.task_type!r}.",
                "Leave it out (None) to have it inferred from the target.",
            )
        tags = self.tags or {}
        if not isinstance(tags, Mapping):
            raise InputError(
                f"tags must be a dict of str -> str, got {tags!r}.", 'e.g. {"model": "hgb"}'
            )
        object.__setattr__(
            self, "meta_features", _frozen(_clean_meta_features(self.name, self.meta_features))
        )
        object.__setattr__(self, "tags", _frozen({str(k): str(v) for k, v in tags.items()}))
        object.__setattr__(self, "notes", tuple(self.notes))

    @classmethod
    def from_meta_features(
        cls,
        name: str,
        meta_features: Mapping[str, Any],
        *,
        tags: Mapping[str, Any] | None = None,
        task_type: str | None = None,
    ) -> TaskProfile:
        """A profile for a task known only by (some of) its meta-features."""
        return cls(name=name, meta_features=meta_features, tags=tags or {}, task_type=task_type)

    def with_tags(self, **tags: Any) -> TaskProfile:
        """A copy with tags added or replaced."""
        merged = {**self.tags, **{k: str(v) for k, v in tags.items()}}
        return TaskProfile(**{**self.to_dict(), "tags": merged, "notes": self.notes})

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "meta_features": dict(self.meta_features),
            "tags": dict(self.tags),
            "task_type": self.task_type,
            "target": self.target,
            "fingerprint": self.fingerprint,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TaskProfile:
        known = {"name", "meta_features", "tags", "task_type", "target", "fingerprint", "notes"}
        unknown = sorted(set(data) - known)
        if unknown or "name" not in data or "meta_features" not in data:
            raise InputError(
                f"Not a task profile: keys {sorted(data)} (unknown: {unknown}).",
                "Use TaskProfile.to_dict() / to_json() to write one.",
            )
        return cls(**{**data, "notes": tuple(data.get("notes", ()))})

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> TaskProfile:
        return cls.from_dict(json.loads(text))

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v:.3g}" for k, v in list(self.meta_features.items())[:4])
        more = len(self.meta_features) - 4
        return (
            f"TaskProfile({self.name!r}, {self.task_type or 'unknown task'}, {shown}"
            f"{f', +{more} more' if more > 0 else ''}, tags={dict(self.tags)})"
        )
