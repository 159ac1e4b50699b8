"""The Ax session of one Study: every call the study makes to its ``ax.Client``.

A Study, its runner and its transfer policy speak to Ax only through this object, in
hpxplore's terms (configs in the space's own value types, statuses as words, new trials
as :class:`~hpxplore.trial.Trial`); ``_ax`` builds the Ax objects it needs.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from hpxplore.objectives import Constraint
from hpxplore.space import Space
from hpxplore.study import _ax
from hpxplore.study._build_lock import announce_build
from hpxplore.trial import Trial

__all__ = ["AxSession"]

_QUASI_RANDOM_NODES = {"Sobol", "CenterOfSearchSpace", "Center", "Random", "Uniform"}
_HEALTH = {0: "pass", 1: "fail", 2: "warning", 3: "info"}  # Ax's HealthcheckStatus
_STATUS = {
    "COMPLETED": "completed",
    "FAILED": "failed",
    "ABANDONED": "abandoned",
    "EARLY_STOPPED": "early_stopped",
}


class AxSession:
    """One study's ``ax.Client``, the search space it holds and the study's metrics (Ax
    knows each by ``_ax.ax_name``; this object translates both ways)."""

    def __init__(self, client: Any, space: Space, metrics: Sequence[str]) -> None:
        self.client, self.space = client, space
        self.capped = False  # the mixed optimizer's rounds capped (a transfer strategy)
        self._names = {_ax.ax_name(m): m for m in metrics}  # Ax's name -> the study's

    @classmethod
    def create(
        cls,
        settings: _ax.AxSettings,
        space: Space,
        objectives: Mapping[str, str],
        constraints: Sequence[Constraint],
    ) -> AxSession:
        metrics = [*objectives, *(c.metric for c in constraints)]
        return cls(_ax.make_client(settings, space, objectives, constraints), space, metrics)

    @classmethod
    def from_snapshot(
        cls, snapshot: Mapping[str, Any], space: Space, metrics: Sequence[str]
    ) -> AxSession:
        return cls(_ax.client_from_snapshot(snapshot), space, metrics)

    def _ax(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return {_ax.ax_name(m): v for m, v in values.items()}

    def _ours(self, name: str) -> str:
        return self._names.get(name, name)

    # -- trials ---------------------------------------------------------------------------
    def attach(self, config: Mapping[str, Any], arm_name: str | None = None) -> int:
        """Give Ax a config to run (a transferred one, or one it lost); its trial index."""
        return self.client.attach_trial(_ax.to_ax_config(self.space, config), arm_name=arm_name)

    def generate(self, count: int, *, model_next: bool) -> list[Trial]:
        """Up to ``count`` new trials from Ax's strategy, in one batch. ``model_next``: Ax is
        past its initial design, so the batch may need a model build (announced)."""
        if model_next:
            announce_build()
        start = time.perf_counter()
        batch = self.client.get_next_trials(max_trials=count)
        gen_s = (time.perf_counter() - start) / max(1, len(batch))
        trials = []
        for index, params in batch.items():
            node = self._node(index)
            trials.append(
                Trial(
                    index,
                    _ax.from_ax_config(self.space, params),
                    origin="quasi-random" if node in _QUASI_RANDOM_NODES else "model",
                    node=node,
                    gen_s=gen_s,
                )
            )
        return trials

    def _node(self, index: int) -> str | None:
        runs = self.client._experiment.trials[index].generator_runs
        if not runs:
            return None
        run = runs[0]
        return getattr(run, "_generation_node_name", None) or getattr(
            run, "generation_node_name", None
        )

    def status(self, index: int) -> str | None:
        """Ax's status of trial ``index`` as hpxplore words; ``None`` if Ax has no such trial."""
        trials = self.client._experiment.trials
        if index not in trials:
            return None
        return _STATUS.get(trials[index].status.name, "running")

    def complete(self, index: int, raw: Mapping[str, Any]) -> None:
        self.client.complete_trial(index, raw_data=self._ax(raw))

    def fail(self, index: int, reason: str | None) -> None:
        self.client.mark_trial_failed(index, failed_reason=(reason or "")[:1000])

    def early_stop(self, index: int) -> None:
        self.client.mark_trial_early_stopped(index)

    def abandon(self, index: int) -> None:
        self.client.mark_trial_abandoned(index)

    def report(self, index: int, data: Mapping[str, float], step: int) -> bool:
        """An intermediate value: give it to Ax, and say whether Ax stops the trial early."""
        self.client.attach_data(index, self._ax(data), progression=step)
        return bool(self.client.should_stop_trial_early(index))

    # -- strategy and space ---------------------------------------------------------------
    def use_early_stopping(self, strategy: Any, metric: str) -> None:
        """``strategy``: an Ax early-stopping strategy, or ``True`` for Ax's percentile one."""
        if strategy is True:
            from ax.early_stopping.strategies import PercentileEarlyStoppingStrategy

            strategy = PercentileEarlyStoppingStrategy(
                percentile_threshold=50.0,
                min_progression=1,
                min_curves=3,
                metric_signatures=[_ax.ax_name(metric)],
            )
        self.client.set_early_stopping_strategy(strategy)

    def use_strategy(self, strategy: Any) -> None:
        """Generate with ``strategy`` (a transfer one: its mixed optimizer capped)."""
        self.client.set_generation_strategy(strategy)
        self.cap_optimizer()

    def cap_optimizer(self) -> None:
        """Cap the mixed optimizer's rounds, now and whenever the space changes."""
        self.capped = True
        _ax.cap_mixed_optimizer(self.client)

    @property
    def strategy(self) -> Any:
        """Ax's generation strategy (as set, or as read from a snapshot)."""
        return self.client._generation_strategy

    def restore_default_strategy(self, init_budget: int, seed: int | None, method: str) -> None:
        _ax.restore_default_strategy(self.client, init_budget, seed, method)
        self.cap_optimizer()

    def set_goals(self, objectives: Mapping[str, str], constraints: Sequence[Constraint]) -> None:
        """Optimize ``objectives`` under ``constraints`` from now on (thresholds changed)."""
        _ax.configure_goals(self.client, objectives, constraints)

    def set_space(self, space: Space) -> None:
        """Search ``space`` from now on (e.g. a narrowed space widened back)."""
        _ax.set_search_space(self.client, space)
        self.space = space
        if self.capped:  # a narrowed space may alternate where the whole one does not
            _ax.cap_mixed_optimizer(self.client)

    def log_scaled(self) -> set[str]:
        return _ax.log_scaled(self.client)

    def snapshot(self) -> dict[str, Any]:
        return _ax.snapshot(self.client)

    # -- analyses -------------------------------------------------------------------------
    def predicted_frontier(self) -> pd.DataFrame:
        """Ax's model-predicted Pareto frontier: configs with each metric's mean and SEM."""
        rows = []
        for params, prediction, index, _arm in self.client.get_pareto_frontier(
            use_model_predictions=True
        ):
            row = {"trial_index": index, **_ax.from_ax_config(self.space, params)}
            for name, value in prediction.items():
                mean, sem = value if isinstance(value, tuple) else (value, float("nan"))
                metric = self._ours(name)
                row[metric], row[f"{metric}_sem"] = mean, sem
            rows.append(row)
        return pd.DataFrame(rows)

    def analyses(self) -> list[dict[str, Any]]:
        """Ax's own analyses of the experiment (``Client.compute_analyses``) as plain cards:
        ``title``, ``subtitle``, ``kind`` (``plot``, ``table``, ``health``, ``error``,
        ``graph``) and ``figure`` (plotly JSON), ``table`` (records) or ``status``; metric
        names are the study's. A card Ax could not compute comes back as an ``error`` card."""
        import json
        import logging

        previous = logging.root.manager.disable
        logging.disable(logging.CRITICAL)  # Ax logs each failed card's traceback
        try:
            top = self.client.compute_analyses(_overview(), display=False)
        finally:
            logging.disable(previous)
        cards = []
        for card in (leaf for group in top for leaf in group.flatten()):
            kind = type(card).__name__
            if kind == "HealthcheckAnalysisCard" and not card.is_user_facing():
                continue  # a check that passed: Ax's overview leaves it out too
            record: dict[str, Any] = {
                "title": self._named(card.title),
                "subtitle": self._named(card.subtitle or ""),
            }
            if kind == "ErrorAnalysisCard":
                record["kind"] = "error"
            elif kind == "HealthcheckAnalysisCard":
                status = json.loads(card.blob).get("status", 3)
                record.update(kind="health", status=_HEALTH.get(status, "info"))
            elif kind == "PlotlyAnalysisCard":
                record.update(kind="plot", figure=card.blob)
            elif kind == "GraphvizAnalysisCard":
                record["kind"] = "graph"
            else:
                table = getattr(card, "df", None)
                rows = [] if table is None else table.head(20).to_dict("records")
                record.update(kind="table", table=rows)
            cards.append(record)
        return cards

    def _named(self, text: str) -> str:
        """Ax's text with each metric's stand-in replaced by the study's name for it."""
        for stand_in, name in self._names.items():
            if stand_in != name:
                text = text.replace(stand_in, name)
        return text

    def sensitivity(self, objectives: Sequence[str]) -> pd.DataFrame:
        from hpxplore.study._sensitivity import sobol_indices

        frame = sobol_indices(self.client, self.space, [_ax.ax_name(m) for m in objectives])
        attrs = dict(frame.attrs)
        frame = frame.assign(metric=[self._ours(m) for m in frame["metric"]])
        frame.attrs.update(attrs)
        return frame


def _overview() -> list[Any]:
    """Ax's overview of an experiment (``OverviewAnalysis``) less its insights (Sobol
    sensitivity, slices, contours: about half its time, and the study's sensitivity view
    already shows them)."""
    from ax.analysis.diagnostics import DiagnosticAnalysis
    from ax.analysis.healthcheck.baseline_improvement import BaselineImprovementAnalysis
    from ax.analysis.healthcheck.constraints_feasibility import ConstraintsFeasibilityAnalysis
    from ax.analysis.healthcheck.metric_fetching_errors import MetricFetchingErrorsAnalysis
    from ax.analysis.healthcheck.predictable_metrics import PredictableMetricsAnalysis
    from ax.analysis.results import ResultsAnalysis
    from ax.analysis.trials import AllTrialsAnalysis

    return [
        ResultsAnalysis(),
        DiagnosticAnalysis(),
        MetricFetchingErrorsAnalysis(),
        ConstraintsFeasibilityAnalysis(),
        PredictableMetricsAnalysis(),
        BaselineImprovementAnalysis(),
        AllTrialsAnalysis(),
    ]
