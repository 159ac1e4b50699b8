"""Calling the user's ``evaluate(config)`` safely, and reading what it returns.

``evaluate`` runs in a worker (a process of the pool, a Dask worker, or inline) through
:func:`call_evaluate`, which never raises: an exception becomes a failed outcome with its
reason. :func:`parse_result` then checks the returned metrics in the parent.
"""

from __future__ import annotations

import inspect
import math
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hpxplore.exceptions import InputError

__all__ = [
    "Outcome",
    "TrialFailure",
    "call_evaluate",
    "check_signature",
    "parse_result",
    "wants_reporter",
]


class TrialFailure(Exception):
    """A trial's result cannot be used; the message is the reason stored with it."""


@dataclass
class Outcome:
    """What came back from one evaluation."""

    ok: bool
    result: Any = None
    error: str | None = None
    seconds: float = 0.0
    stopped_early: bool = False


class EarlyStop(Exception):
    """Raised inside ``report`` when Ax decides to stop the trial."""


def wants_reporter(evaluate: Callable[..., Any]) -> bool:
    """True when ``evaluate`` takes a second argument: the ``report(step, metrics)`` callback."""
    try:
        params = [
            p
            for p in inspect.signature(evaluate).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        return False
    return len(params) >= 2


def check_signature(evaluate: Callable[..., Any]) -> None:
    """Refuse an ``evaluate`` that cannot be called as ``(config)`` or ``(config, report)``."""
    try:
        signature = inspect.signature(evaluate)
    except (TypeError, ValueError):
        return  # a builtin or an extension: nothing to check
    names = list(signature.parameters)
    shape = f"{getattr(evaluate, '__name__', 'evaluate')}({', '.join(names)})"
    fix = (
        "hpxplore calls evaluate(config) -> {metric: value}, or evaluate(config, report) "
        "to report intermediate values. Bind anything else first, e.g. "
        "study.run(lambda config: evaluate(df, config), ...) or functools.partial."
    )
    if "config" in names[1:] or "params" in names[1:]:
        raise InputError(
            f"evaluate must take the config first; {shape} takes it as argument "
            f"{max(names.index(n) for n in ('config', 'params') if n in names) + 1}.",
            fix,
        )
    for args in ((None,), (None, None)):
        try:
            signature.bind(*args)
        except TypeError:
            continue
        return
    raise InputError(f"evaluate cannot be called with a config: it is {shape}.", fix)


def call_evaluate(
    evaluate: Callable[..., Any] | bytes,
    config: dict[str, Any],
    report: Callable[[int, Mapping[str, float]], bool] | None = None,
) -> Outcome:
    """Run one evaluation; never raises. ``evaluate`` may come cloudpickled (bytes)."""
    start = time.perf_counter()
    try:
        if isinstance(evaluate, bytes):
            import cloudpickle

            evaluate = cloudpickle.loads(evaluate)
        if report is not None and wants_reporter(evaluate):

            def _report(step: int, metrics: Mapping[str, float]) -> None:
                if report(int(step), dict(metrics)):
                    raise EarlyStop

            try:
                result = evaluate(dict(config), _report)
            except EarlyStop:
                return Outcome(ok=True, seconds=time.perf_counter() - start, stopped_early=True)
        else:
            result = evaluate(dict(config))
    except Exception as exc:  # the user's code: any failure is the trial's, not the run's
        frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        where = f" (at {frame.name}, line {frame.lineno})" if frame else ""
        return Outcome(
            ok=False,
            error=f"{type(exc).__name__}: {exc}{where}",
            seconds=time.perf_counter() - start,
        )
    return Outcome(ok=True, result=result, seconds=time.perf_counter() - start)


def _number(metric: str, value: Any) -> float:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TrialFailure(f"metric {metric!r} is {value!r}, not a number")
    if not math.isfinite(value):
        raise TrialFailure(f"metric {metric!r} is {value!r}")
    return float(value)


def parse_result(result: Any, required: list[str]) -> tuple[dict[str, float], dict[str, float]]:
    """``{metric: value}`` or ``{metric: (mean, sem)}`` -> (means, sems); raises TrialFailure."""
    if not isinstance(result, Mapping):
        raise TrialFailure(
            f"evaluate returned {type(result).__name__}, not a dict of metric -> value "
            f"(expected the metrics {required})"
        )
    means, sems = {}, {}
    for metric, value in result.items():
        if isinstance(value, (tuple, list)) and len(value) == 2:
            means[str(metric)] = _number(metric, value[0])
            sems[str(metric)] = _number(f"{metric} (sem)", value[1])
        else:
            means[str(metric)] = _number(metric, value)
    missing = [m for m in required if m not in means]
    if missing:
        raise TrialFailure(f"evaluate did not return the metric(s) {missing} (got {sorted(means)})")
    return means, sems
