"""Search spaces: ``Float``, ``Int`` and ``Choice`` parameter specs.

A space is a plain ``dict[str, Param]``. :func:`parse_space` also takes Ax's own
``RangeParameterConfig`` / ``ChoiceParameterConfig`` objects (read by their attributes,
without importing Ax) and the JSON form the registry stores.
"""

from __future__ import annotations

import json
import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hpxplore.exceptions import InputError

__all__ = [
    "Choice",
    "Float",
    "Int",
    "Param",
    "Space",
    "describe",
    "parse_space",
    "sample_configs",
    "sets",
    "space_from_json",
    "space_key",
    "space_overlap",
    "space_to_json",
    "validate_config",
]

Scalar = str | int | float | bool


def _check_bounds(cls_name: str, low: float, high: float, log: bool) -> None:
    for label, value in (("low", low), ("high", high)):
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
        ):
            raise InputError(
                f"{cls_name}: `{label}` must be a finite number, but got {value!r}.",
                f"Write e.g. {cls_name}(0.001, 1.0).",
            )
    if not low < high:
        raise InputError(
            f"{cls_name}: `low < high` must hold, but got (low={low!r}, high={high!r}).",
            "Swap the bounds, or use Choice([value]) for a fixed value.",
        )
    if log and low <= 0:
        raise InputError(
            f"{cls_name}: a log-scaled range needs `low > 0`, but got low={low!r}.",
            "Raise `low` above zero, or drop `log=True`.",
        )


def _from_unit(low: float, high: float, log: bool, u: float) -> float:
    u = min(max(float(u), 0.0), 1.0)
    if log:
        return math.exp(math.log(low) + u * (math.log(high) - math.log(low)))
    return low + u * (high - low)


class _Range(ABC):
    """What ``Float`` and ``Int`` share: a range ``[low, high]``, maybe on a log scale."""

    low: Any
    high: Any
    log: bool
    type: str

    @abstractmethod
    def clip(self, value: float) -> Any:
        """The nearest value in the range (an Int's rounded)."""

    def to_unit(self, value: float) -> float:
        """Map a value to [0, 1] (on the log scale when ``log``)."""
        if self.log:
            return (math.log(value) - math.log(self.low)) / (
                math.log(self.high) - math.log(self.low)
            )
        return (value - self.low) / (self.high - self.low)

    def from_unit(self, u: float) -> Any:
        """The value at ``u`` in [0, 1] (an Int's nearest integer): the inverse of ``to_unit``."""
        return self.clip(_from_unit(self.low, self.high, self.log, u))

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "low": self.low, "high": self.high, "log": self.log}


@dataclass(frozen=True)
class Float(_Range):
    """A real-valued parameter in ``[low, high]``, optionally searched on a log scale."""

    low: float
    high: float
    log: bool = False

    def __post_init__(self) -> None:
        _check_bounds("Float", self.low, self.high, self.log)
        object.__setattr__(self, "low", float(self.low))
        object.__setattr__(self, "high", float(self.high))

    type = "float"

    def validate(self, name: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(
                f"Parameter {name!r} must be a number in [{self.low}, {self.high}], got {value!r}.",
                "Fix the value in the config or the trials table.",
            )
        value = float(value)
        if not math.isfinite(value) or not self.low <= value <= self.high:
            raise InputError(
                f"Parameter {name!r} = {value!r} lies outside [{self.low}, {self.high}].",
                "Widen the range in the space, or drop the trial.",
            )
        return value

    def clip(self, value: float) -> float:
        return float(min(max(float(value), self.low), self.high))


@dataclass(frozen=True)
class Int(_Range):
    """An integer parameter in ``[low, high]`` (both included), optionally log-scaled."""

    low: int
    high: int
    log: bool = False

    type = "int"

    def __post_init__(self) -> None:
        for label, value in (("low", self.low), ("high", self.high)):
            if isinstance(value, bool) or not float(value).is_integer():
                raise InputError(
                    f"Int: `{label}` must be an integer, but got {value!r}.",
                    "Use Float(...) for a real-valued parameter.",
                )
        _check_bounds("Int", self.low, self.high, self.log)
        object.__setattr__(self, "low", int(self.low))
        object.__setattr__(self, "high", int(self.high))

    def validate(self, name: str, value: Any) -> int:
        ok = not isinstance(value, bool) and isinstance(value, (int, float))
        if not ok or not math.isfinite(value) or not float(value).is_integer():
            raise InputError(
                f"Parameter {name!r} must be an integer in [{self.low}, {self.high}], got {value!r}.",
                "Fix the value in the config or the trials table.",
            )
        value = int(value)
        if not self.low <= value <= self.high:
            raise InputError(
                f"Parameter {name!r} = {value!r} lies outside [{self.low}, {self.high}].",
                "Widen the range in the space, or drop the trial.",
            )
        return value

    def clip(self, value: float) -> int:
        return int(min(max(round(float(value)), self.low), self.high))


@dataclass(frozen=True)
class Choice:
    """A categorical parameter; ``ordered=True`` for an ordinal one."""

    values: tuple[Scalar, ...]
    ordered: bool = False

    type = "choice"

    def __post_init__(self) -> None:
        values = tuple(self.values) if not isinstance(self.values, (str, bytes)) else ()
        if not values:
            raise InputError(
                f"Choice: `values` must be a non-empty list, but got {self.values!r}.",
                'Write e.g. Choice(["log_loss", "exponential"]).',
            )
        for value in values:
            if not isinstance(value, (str, int, float, bool)) or (
                isinstance(value, float) and not math.isfinite(value)
            ):
                raise InputError(
                    f"Choice: every value must be a str, int, float or bool; got {value!r}.",
                    "Encode other values as strings.",
                )
        if len(set(values)) != len(values):
            raise InputError(
                f"Choice: values must be distinct, but got {list(values)!r}.",
                "Remove the repeated values.",
            )
        object.__setattr__(self, "values", values)

    def validate(self, name: str, value: Any) -> Scalar:
        if hasattr(value, "item"):  # numpy scalar
            value = value.item()
        for allowed in self.values:
            if isinstance(allowed, bool) or isinstance(value, bool):
                if isinstance(allowed, bool) and isinstance(value, bool) and allowed == value:
                    return allowed
            elif value == allowed:
                return allowed
        raise InputError(
            f"Parameter {name!r} = {value!r} is not one of {list(self.values)!r}.",
            "Add the value to the Choice, or drop the trial.",
        )

    def clip(self, value: Any) -> Scalar | None:
        """The value itself if allowed, else ``None`` (a choice cannot be clipped)."""
        try:
            return self.validate("", value)
        except InputError:
            return None

    def to_dict(self) -> dict[str, Any]:
        return {"type": "choice", "values": list(self.values), "ordered": self.ordered}


Param = Float | Int | Choice
Space = dict[str, Param]


def _from_dict(name: str, spec: Mapping[str, Any]) -> Param:
    declared = spec.get("type")
    if declared == "float":
        return Float(spec["low"], spec["high"], log=bool(spec.get("log", False)))
    if declared == "int":
        return Int(spec["low"], spec["high"], log=bool(spec.get("log", False)))
    if declared == "choice":
        return Choice(tuple(spec["values"]), ordered=bool(spec.get("ordered", False)))
    raise InputError(
        f"Parameter {name!r}: unknown spec type {declared!r} in {dict(spec)!r}.",
        "Use 'float', 'int' or 'choice'.",
    )


def _from_ax_config(name: str, config: Any) -> Param:
    """Read Ax's RangeParameterConfig / ChoiceParameterConfig by their attributes."""
    ptype = str(getattr(config, "parameter_type", "float")).lower().rsplit(".", 1)[-1]
    if hasattr(config, "bounds"):
        low, high = config.bounds
        log = str(getattr(config, "scaling", "linear") or "linear").lower().endswith("log")
        return Int(low, high, log=log) if ptype == "int" else Float(low, high, log=log)
    return Choice(tuple(config.values), ordered=bool(getattr(config, "is_ordered", False)))


def parse_space(space: Any) -> Space:
    """Validate a space and return it as ``{name: Float | Int | Choice}``.

    Accepts a mapping of names to specs (hpxplore's, their JSON dicts, or Ax parameter
    configs) or a list of Ax parameter configs (which carry their names).
    """
    if isinstance(space, (list, tuple)):
        items = []
        for config in space:
            if not hasattr(config, "name"):
                raise InputError(
                    f"A space given as a list needs Ax parameter configs, got {config!r}.",
                    'Pass a dict instead: {"lr": hpx.Float(1e-3, 1, log=True)}.',
                )
            items.append((config.name, config))
        space = dict(items)
    if not isinstance(space, Mapping) or not space:
        raise InputError(
            f"`space` must be a non-empty dict of parameter specs, got {space!r}.",
            'Write e.g. {"learning_rate": hpx.Float(1e-3, 1.0, log=True), "max_depth": hpx.Int(2, 12)}.',
        )
    parsed: Space = {}
    for name, spec in space.items():
        if not isinstance(name, str) or not name:
            raise InputError(
                f"Parameter names must be non-empty strings, got {name!r}.",
                'Name every parameter, e.g. {"learning_rate": hpx.Float(1e-3, 1.0, log=True)}.',
            )
        if isinstance(spec, (Float, Int, Choice)):
            parsed[name] = spec
        elif isinstance(spec, Mapping):
            parsed[name] = _from_dict(name, spec)
        elif type(spec).__name__ in ("RangeParameterConfig", "ChoiceParameterConfig"):
            parsed[name] = _from_ax_config(name, spec)
        else:
            raise InputError(
                f"Parameter {name!r}: {spec!r} is not a parameter spec.",
                "Use hpx.Float, hpx.Int or hpx.Choice (or Ax's RangeParameterConfig / "
                "ChoiceParameterConfig).",
            )
    return parsed


def space_to_json(space: Space) -> dict[str, dict[str, Any]]:
    return {name: param.to_dict() for name, param in space.items()}


def space_from_json(data: Mapping[str, Mapping[str, Any]]) -> Space:
    return {name: _from_dict(name, spec) for name, spec in data.items()}


def validate_config(space: Space, config: Mapping[str, Any]) -> dict[str, Scalar]:
    """Check a configuration against a space; returns it with values normalized."""
    unknown = sorted(set(config) - set(space))
    if unknown:
        raise InputError(
            f"Unknown parameter(s) {unknown} (the space has {sorted(space)}).",
            "Remove them from the config, or add them to the space.",
        )
    missing = sorted(set(space) - set(config))
    if missing:
        raise InputError(
            f"The config lacks parameter(s) {missing}.",
            "Give a value for every parameter of the space.",
        )
    return {name: space[name].validate(name, config[name]) for name in space}


def space_key(space: Space) -> str:
    """A space as one string: equal spaces, equal keys (what caches are keyed by)."""
    return json.dumps(space_to_json(space), sort_keys=True)


def space_overlap(new: Space, prior: Space) -> float:
    """Share of the new space's parameters that the prior space has, with the same type."""
    if not new:
        return 0.0
    shared = sum(1 for name, param in new.items() if sets(prior, name, param))
    return shared / len(new)


def describe(param: Param) -> str:
    """A parameter's range in words: ``0.01 to 1 (log)``, ``4 to 6``, ``one of a, b``."""
    if isinstance(param, Choice):
        return "one of " + ", ".join(str(v) for v in param.values)
    scale = " (log)" if param.log else ""
    return f"{param.low:.4g} to {param.high:.4g}{scale}"


def sets(space: Space, name: str, like: Param) -> bool:
    """True when ``space`` has a parameter ``name`` of the same type as ``like``."""
    return name in space and space[name].type == like.type


def sample_configs(space: Space, n: int, seed: int | None = None) -> list[dict[str, Scalar]]:
    """``n`` uniform random configs of ``space`` (log-uniform on log scales), seeded.

    What a random search draws; also handy to seed a prior study.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    configs: list[dict[str, Scalar]] = []
    for _ in range(n):
        config: dict[str, Scalar] = {}
        for name, p in space.items():
            if isinstance(p, Choice):
                config[name] = p.values[int(rng.integers(len(p.values)))]
                continue
            low, high = (math.log(p.low), math.log(p.high)) if p.log else (p.low, p.high)
            value = float(rng.uniform(low, high))
            value = math.exp(value) if p.log else value
            config[name] = min(max(round(value), p.low), p.high) if isinstance(p, Int) else value
        configs.append(config)
    return configs
