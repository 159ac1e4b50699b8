"""Sobol sensitivity of each objective to each parameter, from Ax's GP surrogate.

Ax computes first- and total-order Sobol indices on its model (``ax_parameter_sens``).
Choice parameters reach the model one-hot encoded (``loss_OH_PARAM_1`` ...); their
columns are summed back into the parameter, so each row names a parameter of the
space. Before Ax has fitted a model of its own (during the initial design), a BoTorch
model is fitted on the data so far.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

from hpxplore.space import Space

__all__ = ["sobol_indices"]

# Monte-Carlo points per index (Ax's default: 10,000); docs/benchmarks.md has the trade-off.
_MC_SAMPLES = 2048


def _adapter(client: Any) -> Any:
    from ax.adapter.registry import Generators
    from ax.adapter.torch import TorchAdapter

    adapter = client._generation_strategy.adapter
    if isinstance(adapter, TorchAdapter):
        return adapter
    experiment = client._experiment
    return Generators.BOTORCH_MODULAR(experiment=experiment, data=experiment.lookup_data())


def _parameter_of(feature: str, space: Space) -> str:
    if feature in space:
        return feature
    match = re.match(r"^(.*)_OH_PARAM_\d*$", feature)
    if match and match.group(1) in space:
        return match.group(1)
    return next((p for p in space if feature.startswith(f"{p}_")), feature)


def model_fit(adapter: Any, metrics: Sequence[str]) -> dict[str, float]:
    """Each metric's leave-one-out R² of Ax's model (1: predicts unseen trials exactly; 0 or
    less: no better than their mean), as Ax's own cross-validation card computes it."""
    import numpy as np
    from ax.adapter.cross_validation import cross_validate
    from ax.utils.stats.model_fit_stats import coefficient_of_determination

    observed: dict[str, list[float]] = {m: [] for m in metrics}
    predicted: dict[str, list[float]] = {m: [] for m in metrics}
    for result in cross_validate(adapter):
        names = result.observed.data.metric_signatures
        for j, name in enumerate(names):
            if name in observed:
                k = result.predicted.metric_signatures.index(name)
                observed[name].append(result.observed.data.means[j])
                predicted[name].append(result.predicted.means[k])
    return {
        m: float(coefficient_of_determination(np.array(observed[m]), np.array(predicted[m])))
        if len(observed[m]) >= 2
        else float("nan")
        for m in metrics
    }


def sobol_indices(client: Any, space: Space, metrics: Sequence[str]) -> pd.DataFrame:
    """Columns: ``metric, parameter, first_order, total_order`` (most influential first) and
    ``fit_r2``, the model's leave-one-out R² for that metric (:func:`model_fit`).

    Monte-Carlo noise can push an estimate past what an index can be (a total order above
    1, a first order above the total); such values are clipped, and ``attrs["clipped"]``
    counts them."""
    from ax.utils.sensitivity.sobol_measures import ax_parameter_sens

    adapter = _adapter(client)
    options = {"signed": False, "num_mc_samples": _MC_SAMPLES}
    first = ax_parameter_sens(adapter, list(metrics), order="first", **options)
    total = ax_parameter_sens(adapter, list(metrics), order="total", **options)
    rows = []
    for metric in metrics:
        for feature, value in first[metric].items():
            rows.append(
                {
                    "metric": metric,
                    "parameter": _parameter_of(feature, space),
                    "first_order": float(value),
                    "total_order": float(total[metric][feature]),
                }
            )
    frame = pd.DataFrame(rows).groupby(["metric", "parameter"], as_index=False, sort=False).sum()
    raw = frame[["first_order", "total_order"]].copy()
    frame["total_order"] = frame["total_order"].clip(0.0, 1.0)
    frame["first_order"] = frame["first_order"].clip(lower=0.0).clip(upper=frame["total_order"])
    clipped = int(((frame[["first_order", "total_order"]] - raw).abs() > 1e-9).any(axis=1).sum())
    fit = model_fit(adapter, list(metrics))
    frame["fit_r2"] = [fit[m] for m in frame["metric"]]
    frame = frame.sort_values(["metric", "total_order"], ascending=[True, False])
    frame = frame.reset_index(drop=True)
    frame.attrs["clipped"] = clipped
    return frame
