"""Figures: pure functions from hpxplore's data (DataFrames, Recommendations) to plotly.

Each view is two steps, as in Optuna: ``*_info`` gathers what is drawn (tested as data)
and ``*_figure`` draws it. No ipywidgets here; nothing here fits a model.
"""

from hpxplore.viz._audit import audit_figure
from hpxplore.viz._events import HEADLINES, event_sentence
from hpxplore.viz._health import HealthInfo, fit_verdict, health_info
from hpxplore.viz._html import figure_html, plotly_script
from hpxplore.viz._pareto import GROUPS, ParetoInfo, pareto_figure, pareto_info
from hpxplore.viz._progress import ProgressInfo, comparison_note, progress_figure, progress_info
from hpxplore.viz._recommendations import recommendations_figure
from hpxplore.viz._sensitivity import sensitivity_figure
from hpxplore.viz._similarity import SimilarityInfo, similarity_figure, similarity_info
from hpxplore.viz._text import escape, format_config

__all__ = [
    "GROUPS",
    "HEADLINES",
    "HealthInfo",
    "ParetoInfo",
    "ProgressInfo",
    "SimilarityInfo",
    "audit_figure",
    "comparison_note",
    "escape",
    "event_sentence",
    "figure_html",
    "fit_verdict",
    "format_config",
    "health_info",
    "pareto_figure",
    "pareto_info",
    "plotly_script",
    "progress_figure",
    "progress_info",
    "recommendations_figure",
    "sensitivity_figure",
    "similarity_figure",
    "similarity_info",
]
