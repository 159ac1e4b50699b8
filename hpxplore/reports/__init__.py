"""Shareable reports: one self-contained HTML file a reviewer opens without Jupyter or a
network, of a study's transfer decision (:func:`report` of a ``Study``) or of a registry's
audit (:func:`report` of a ``Registry``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hpxplore.exceptions import InputError

if TYPE_CHECKING:
    from hpxplore.transfer import Recommendations

__all__ = ["report"]


def report(
    subject: Any,
    recs: Recommendations | None = None,
    path: str | os.PathLike[str] = "report.html",
    *,
    trial: int | None = None,
    by: str = "model",
    every: str = "M",
) -> Path:
    """Write the report of ``subject`` to ``path`` and return the path.

    A ``Study``: its task, the similar studies, every recommendation with its projections,
    guardrails, rationale and decisions (``recs``; default the batch stored for its task),
    the run, the transfer's events, the exported config (``trial``; with one objective the
    best feasible one by default) and the outcome. A ``Registry``: its audit per value of
    the tag ``by`` and per period ``every`` (``Registry.audit``)."""
    from hpxplore.registry import Registry
    from hpxplore.study import Study

    if isinstance(subject, Study):
        from hpxplore.reports._study import study_page

        page = study_page(subject, recs if recs is not None else _stored(subject), trial)
    elif isinstance(subject, Registry):
        from hpxplore.reports._audit import audit_page

        page = audit_page(subject, by, every)
    else:
        raise InputError(
            f"report() takes a Study or a Registry, got {type(subject).__name__}.",
            "Pass the study you ran (hpx.report(study, recs)) or a registry for its audit.",
        )
    target = Path(path)
    if not target.parent.exists():
        raise InputError(
            f"Cannot write the report to {target}: the folder {target.parent} does not exist.",
            "Create the folder first, or pass another path.",
        )
    target.write_text(page.render(), encoding="utf-8")
    return target


def _stored(study: Any) -> Recommendations | None:
    """The recommendations stored for the study's task, if its registry has any."""
    from hpxplore.exceptions import HpxploreError
    from hpxplore.transfer import Recommendations

    if study.registry is None or study.profile is None:
        return None
    try:
        return Recommendations.load(study.registry, study.profile)
    except HpxploreError:
        return None
