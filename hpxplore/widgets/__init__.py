"""Notebook views (ipywidgets over plotly figures from ``hpxplore.viz``)."""

from hpxplore.widgets._explore import Dashboard, explore
from hpxplore.widgets._health_view import HealthView
from hpxplore.widgets._pareto_view import ParetoView
from hpxplore.widgets._progress_view import ProgressView
from hpxplore.widgets._rationale_view import RationaleView
from hpxplore.widgets._recommendation_board import RecommendationBoard, RecommendationCard
from hpxplore.widgets._sensitivity_view import SensitivityView
from hpxplore.widgets._similarity_view import SimilarityView

__all__ = [
    "Dashboard",
    "HealthView",
    "ParetoView",
    "ProgressView",
    "RationaleView",
    "RecommendationBoard",
    "RecommendationCard",
    "SensitivityView",
    "SimilarityView",
    "explore",
]
