"""The audit of transfer across a registry: per tag value (and period), how often the
transferred configs helped, and whether the projections that justified them came true.

*Helped*: the transferred trial met every constraint and no feasible quasi-random trial of
its study dominates it on the objectives (``transfer_outcomes``). *Coverage*: the share of
realized objective values inside the 95 % interval their recommendation projected; near
0.95 when the projections are calibrated, and flagged when far below. The projected gain
over the baseline is set against the realized one, where the study also ran the baseline.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["COLUMNS", "FLAG_BELOW", "audit_table"]

COLUMNS = ["studies", "transferred", "helped", "feasible", "intervals", "coverage",
           "projected_gain", "realized_gain", "gains_compared", "switched_off", "flag"]  # fmt: skip
FLAG_BELOW = 0.8  # coverage below this, over at least FLAG_MIN intervals, is flagged
FLAG_MIN = 10


def audit_table(
    outcomes: pd.DataFrame,
    projections: Mapping[int, Mapping[str, Any]],
    tags: Mapping[str, Mapping[str, Any]],
    switched_off: Mapping[str, str],
    by: str,
    every: str | None = None,
) -> pd.DataFrame:
    """One row per value of the tag ``by`` (``"study"``: per study) and per period of
    ``every`` (a pandas period alias such as ``"M"``, by when the outcome was recorded). ``projections``: per
    recommendation id, its stored ``projected`` and ``gain``; ``switched_off``: the studies
    whose transfer was switched off, with the reason."""
    keys = [by] if every is None else [by, "period"]
    if outcomes.empty or "helped" not in outcomes:
        return pd.DataFrame(columns=[*keys, *COLUMNS])
    rows = _judged(outcomes, projections)
    rows[by] = (
        rows["study"]
        if by == "study"
        else [str(tags.get(s, {}).get(by, "untagged")) for s in rows["study"]]
    )
    if every is not None:
        stamps = pd.to_datetime(rows["recorded_at"])
        rows["period"] = stamps.dt.to_period(every).astype(str)
    out = []
    for key, group in rows.groupby(keys, sort=True):
        transferred = group[group["kind"] != "baseline"]
        studies = sorted(set(group["study"]))
        coverage = (
            group["inside"].sum() / group["checked"].sum() if group["checked"].sum() else np.nan
        )
        compared = transferred.dropna(subset=["projected_gain", "realized_gain"])
        out.append(
            {
                **dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True)),
                "studies": len(studies),
                "transferred": len(transferred),
                "helped": transferred["helped"].mean() if len(transferred) else np.nan,
                "feasible": transferred["feasible"].mean() if len(transferred) else np.nan,
                "intervals": int(group["checked"].sum()),
                "coverage": coverage,
                "projected_gain": compared["projected_gain"].mean(),
                "realized_gain": compared["realized_gain"].mean(),
                "gains_compared": len(compared),
                "switched_off": sum(s in switched_off for s in studies),
                "flag": _flag(coverage, int(group["checked"].sum())),
            }
        )
    return pd.DataFrame(out, columns=[*keys, *COLUMNS])


def _judged(outcomes: pd.DataFrame, projections: Mapping[int, Mapping[str, Any]]) -> pd.DataFrame:
    """The outcomes with, per row, the intervals checked and held and both gains."""
    records = outcomes.to_dict("records")
    base = {
        r["study"]: r.get("values")
        for r in records
        if r.get("kind") == "baseline" and isinstance(r.get("values"), Mapping)
    }
    rows = []
    for r in records:
        rec_id = r.get("recommendation_id")
        stored = projections.get(int(rec_id), {}) if pd.notna(rec_id) else {}
        values = r.get("values") if isinstance(r.get("values"), Mapping) else {}
        held = [
            bool(interval["low"] <= float(value) <= interval["high"])
            for metric, value in values.items()
            if value is not None
            and (interval := (stored.get("projected") or {}).get(metric))
            and "low" in interval
        ]
        metric, baseline = r.get("metric"), base.get(r["study"]) or {}
        projected = (stored.get("gain") or {}).get(metric, {}).get("mean")
        realized = (
            float(values[metric]) - float(baseline[metric])
            if values.get(metric) is not None and baseline.get(metric) is not None
            else None
        )
        rows.append(
            {
                "study": r["study"],
                "kind": r.get("kind"),
                "recorded_at": r.get("recorded_at"),
                "helped": bool(r.get("helped")) if pd.notna(r.get("helped")) else False,
                "feasible": bool(r.get("feasible")),
                "checked": len(held),
                "inside": sum(held),
                "projected_gain": np.nan if projected is None else float(projected),
                "realized_gain": np.nan if realized is None else realized,
            }
        )
    return pd.DataFrame(rows)


def _flag(coverage: float, intervals: int) -> str:
    """Why a row's calibration needs a look ('' when it does not)."""
    if intervals < FLAG_MIN or np.isnan(coverage) or coverage >= FLAG_BELOW:
        return ""
    return (
        f"only {coverage:.0%} of {intervals} realized values fell inside their projected 95 % "
        "intervals: the projections are overconfident here"
    )
