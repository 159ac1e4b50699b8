"""Mapping a prior study's configuration into the new task's search space."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hpxplore.space import Choice, Int, Space

__all__ = ["MappedConfig", "default_config", "encode", "map_config"]


@dataclass(frozen=True)
class MappedConfig:
    """A config in the new space, and what had to change to get it there."""

    config: dict[str, Any]
    clipped: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # name -> (was, now)
    filled: tuple[str, ...] = ()  # new parameters the source never set (given the default)
    dropped: tuple[str, ...] = ()  # source parameters the new space lacks

    @property
    def exact(self) -> bool:
        return not (self.clipped or self.filled)


def default_config(space: Space) -> dict[str, Any]:
    """The centre of the space (geometric centre on log scales; first choice)."""
    config: dict[str, Any] = {}
    for name, p in space.items():
        if isinstance(p, Choice):
            config[name] = p.values[0]
        else:
            mid = float(np.sqrt(p.low * p.high)) if p.log else (p.low + p.high) / 2
            config[name] = round(mid) if isinstance(p, Int) else mid
    return config


def map_config(
    config: Mapping[str, Any], space: Space, fill: Mapping[str, Any] | None = None
) -> MappedConfig | None:
    """Clip ranges into the new bounds; ``None`` when a choice value does not exist there."""
    fill = dict(fill or default_config(space))
    mapped, clipped, filled = {}, {}, []
    for name, param in space.items():
        if name not in config or config[name] is None:
            mapped[name] = fill[name]
            filled.append(name)
            continue
        value = config[name]
        if isinstance(param, Choice):
            kept = param.clip(value)
            if kept is None:
                return None
            mapped[name] = kept
        else:
            now = param.clip(value)
            if now != value:
                clipped[name] = (value, now)
            mapped[name] = now
    dropped = tuple(sorted(set(config) - set(space)))
    return MappedConfig(mapped, clipped, tuple(filled), dropped)


def encode(configs: list[Mapping[str, Any]], space: Space) -> np.ndarray:
    """Configs as rows of numbers in [0, 1] (log scale where the space says; choices one-hot)."""
    columns = []
    for name, param in space.items():
        if isinstance(param, Choice):
            for value in param.values:
                columns.append([1.0 if c.get(name) == value else 0.0 for c in configs])
        else:
            columns.append([param.to_unit(param.clip(c[name])) for c in configs])
    return np.array(columns, dtype=float).T if columns else np.zeros((len(configs), 0))
