"""hpxplore: reuse what earlier hyperparameter studies learned, safely and with reasons.

Profile a new task, find similar prior studies in a registry, get transferred
configurations with their reasons, warm-start an Ax study, explore it in a notebook
dashboard and export the chosen config.

    >>> import hpxplore as hpx
    >>> profile = hpx.profile_task(df, target="y", name="churn-nov")   # doctest: +SKIP
    >>> hpx.Registry().similar(profile, k=5)                           # doctest: +SKIP

Names load lazily, so ``import hpxplore`` stays fast (no pandas, scikit-learn,
SQLAlchemy, Ax, torch, plotly or ipywidgets until used).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY = {
    "profile_task": "hpxplore.profiling",
    "TaskProfile": "hpxplore.profiling",
    "Registry": "hpxplore.registry",
    "StudyRecord": "hpxplore.registry",
    "Study": "hpxplore.study",
    "recommend": "hpxplore.transfer",
    "Recommendations": "hpxplore.transfer",
    "Budget": "hpxplore.study",
    "Float": "hpxplore.space",
    "Int": "hpxplore.space",
    "Choice": "hpxplore.space",
    "Constraint": "hpxplore.objectives",
    "HpxploreError": "hpxplore.exceptions",
    "HpxploreWarning": "hpxplore.exceptions",
    "InputError": "hpxplore.exceptions",
    "RegistryError": "hpxplore.exceptions",
    "export_config": "hpxplore.export",
    "explore": "hpxplore.widgets",
    "report": "hpxplore.reports",
}

__all__ = [
    "Budget",
    "Choice",
    "Constraint",
    "Float",
    "HpxploreError",
    "HpxploreWarning",
    "InputError",
    "Int",
    "Recommendations",
    "Registry",
    "RegistryError",
    "Study",
    "StudyRecord",
    "TaskProfile",
    "__version__",
    "explore",
    "export_config",
    "profile_task",
    "recommend",
    "report",
]

if TYPE_CHECKING:
    from hpxplore.exceptions import HpxploreError, HpxploreWarning, InputError, RegistryError
    from hpxplore.export import export_config
    from hpxplore.objectives import Constraint
    from hpxplore.profiling import TaskProfile, profile_task
    from hpxplore.registry import Registry, StudyRecord
    from hpxplore.reports import report
    from hpxplore.space import Choice, Float, Int
    from hpxplore.study import Budget, Study
    from hpxplore.transfer import Recommendations, recommend
    from hpxplore.widgets import explore


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hpxplore' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
