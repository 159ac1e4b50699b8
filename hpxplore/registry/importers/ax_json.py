"""Import an Ax study from the JSON snapshot ``Client.save_to_json_file`` writes.

The snapshot is read as plain JSON, so importing needs no Ax installation: the
search space, the objective expression (``"acc, -ms"``), outcome constraints, and each
trial's arm parameters, status and latest data (means and SEMs).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd

from hpxplore.exceptions import InputError
from hpxplore.registry.importers._imported import ImportedStudy
from hpxplore.space import Choice, Float, Int, Space

__all__ = ["read_ax_json"]

_STATUS = {
    "COMPLETED": "completed",
    "FAILED": "failed",
    "ABANDONED": "abandoned",
    "EARLY_STOPPED": "early_stopped",
    "RUNNING": "running",
    "CANDIDATE": "running",
    "STAGED": "running",
}
_OPS = {"LEQ": "<=", "GEQ": ">="}


def _bad(path: Path, what: str) -> InputError:
    return InputError(
        f"{str(path)!r} is not an Ax Client snapshot: {what}.",
        "Write one with ax.Client.save_to_json_file(path).",
    )


def _space(raw: dict[str, Any]) -> Space:
    space: Space = {}
    for p in raw.get("parameters", []):
        ptype = p.get("parameter_type", {}).get("name", "FLOAT")
        if p["__type"] == "RangeParameter":
            cls = Int if ptype == "INT" else Float
            space[p["name"]] = cls(p["lower"], p["upper"], log=bool(p.get("log_scale")))
        elif p["__type"] == "ChoiceParameter":
            space[p["name"]] = Choice(tuple(p["values"]), ordered=bool(p.get("is_ordered")))
        elif p["__type"] == "FixedParameter":
            space[p["name"]] = Choice((p["value"],))
    return space


def _objectives(raw: dict[str, Any]) -> dict[str, str]:
    if "expression" in raw:
        out = {}
        for part in raw["expression"].split(","):
            part = part.strip()
            if not re.fullmatch(r"-?[\w.\-]+", part):
                raise InputError(
                    f"Ax objective {raw['expression']!r} is not a list of metrics.",
                    "Scalarized objectives are not imported; store the metrics instead.",
                )
            out[part.lstrip("-")] = "minimize" if part.startswith("-") else "maximize"
        return out
    if "objectives" in raw:
        return {k: v for o in raw["objectives"] for k, v in _objectives(o).items()}
    if "metric" in raw:
        return {raw["metric"]["name"]: "minimize" if raw.get("minimize") else "maximize"}
    raise InputError(
        f"Unsupported Ax objective {raw.get('__type')!r}.", "Store the metrics instead."
    )


def _latest_data(entry: dict[str, Any]) -> pd.DataFrame:
    values = entry.get("value", [])
    if not values:
        return pd.DataFrame()
    frame = pd.DataFrame(json.loads(values[-1][1]["df"]["value"]))
    if "step" in frame and frame["step"].notna().any():
        frame = (
            frame.sort_values("step").groupby(["arm_name", "metric_name"], as_index=False).last()
        )
    return frame


def read_ax_json(path: str | os.PathLike[str]) -> ImportedStudy:
    path = Path(path)
    try:
        snapshot = json.loads(path.read_text())
        experiment = snapshot["experiment"]
        space = _space(experiment["search_space"])
    except FileNotFoundError:
        raise InputError(f"No Ax snapshot at {str(path)!r}.", "Check the path.") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _bad(path, f"not JSON ({exc})") from None
    except (KeyError, TypeError) as exc:
        raise _bad(path, f"missing {exc}") from None
    opt = experiment.get("optimization_config") or {}
    objectives = _objectives(opt.get("objective", {}))
    constraints = tuple(
        f"{c['metric']['name']} {_OPS[c['op']['name']]} {c['bound']}"
        for c in opt.get("outcome_constraints", [])
        if not c.get("relative")
    )
    data = experiment.get("data_by_trial", {})
    rows = []
    for key, trial in experiment.get("trials", {}).items():
        runs = (
            [trial["generator_run"]]
            if trial.get("generator_run")
            else [s["generator_run"] for s in trial.get("generator_run_structs", [])]
        )
        metrics = _latest_data(data.get(str(key), {}))
        status = _STATUS.get(trial["status"]["name"], "failed")
        for run in runs:
            for arm in run["arms"]:
                row = dict(arm["parameters"], status=status, origin=run.get("generation_node_name"))
                if not metrics.empty:
                    mine = metrics[metrics["arm_name"] == arm["name"]]
                    row.update(dict(zip(mine["metric_name"], mine["mean"], strict=True)))
                rows.append(row)
    trials = pd.DataFrame(rows).reset_index(names="trial_index")
    return ImportedStudy(
        experiment.get("name") or path.stem, space, objectives, constraints, trials
    )
