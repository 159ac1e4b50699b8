"""The audit report of a registry: per tag value and over time, how often transfer helped,
whether its projected intervals held, projected against realized gains, and the studies
whose transfer was switched off."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hpxplore.reports._page import Page

if TYPE_CHECKING:
    from hpxplore.registry import Registry

__all__ = ["audit_page"]

_PERIODS = {"D": "day", "W": "week", "M": "month", "Q": "quarter", "Y": "year"}


def audit_page(registry: Registry, by: str, every: str) -> Page:
    from hpxplore.registry._audit_summary import audit_table
    from hpxplore.viz import audit_figure

    log = registry._audit_log()  # read once, tabulated three ways
    table = audit_table(*log, by)
    page = Page(
        f"Transfer audit by {by}",
        f"Registry {registry.url}: {len(registry)} studies, {len(log[0])} transfer outcomes.",
    )
    page.heading(f"Per {by}")
    page.paragraph(
        "helped: the share of transferred trials that met every constraint and that no "
        "feasible quasi-random trial of their study dominates. coverage: the share of "
        "realized values inside the 95 % interval their recommendation projected (near "
        "95 % when the projections are calibrated). Gains are on the first objective, over "
        "the baseline, where the study ran the baseline too.",
        "note",
    )
    page.table(table, "No transfer outcomes recorded yet: run a warm-started study.")
    for row in table.to_dict("records"):
        if row["flag"]:
            page.paragraph(f"{by} = {row[by]}: {row['flag']}.", "flag")
    if not table.empty:
        page.figure(audit_figure(table, by))
    page.heading(f"Over time (per {_PERIODS.get(every, every)})")
    page.table(audit_table(*log, by, every), "No transfer outcomes recorded yet.")
    page.heading("Per study")
    page.table(audit_table(*log, "study"), "No transfer outcomes recorded yet.")
    page.heading("Studies whose transfer was switched off")
    page.table(registry.switched_off(), "None: transfer stayed on in every study.")
    return page
