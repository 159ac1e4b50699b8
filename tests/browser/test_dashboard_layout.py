"""The dashboard as laid out in a real JupyterLab: whole labels, and a Pareto chart that
fills its panel while the study runs in a later cell (the kernel busy), unclicked."""

from __future__ import annotations

import json

import pytest

from tests.browser.test_quickstart import _labels_whole, _run_all

FIRST = """import hpxplore as hpx
study = hpx.Study("layout", {"x": hpx.Float(0, 1)}, {"acc": "max", "ms": "min"}, seed=0)
study.run(lambda c: {"acc": c["x"], "ms": 1 + c["x"]}, n_trials=3, executor="inline", progress=False)
reg = hpx.Registry(":memory:")
profile = hpx.TaskProfile.from_meta_features("p", {"n_rows": 100.0})
reg.add_study("p", profile, study.space, study.objectives, study.trials)
recs = hpx.recommend(profile, reg, study.space, study.objectives, progress=False)
hpx.explore(study, recs)"""
SECOND = """study.run(lambda c: {"acc": c["x"], "ms": 1 + c["x"]}, n_trials=2, executor="inline",
          progress=False)"""


def _cell(source: str) -> dict:
    return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
            "source": source}  # fmt: skip


@pytest.mark.slow
def test_dashboard_labels_are_whole_and_the_pareto_chart_fills_its_panel(page, jupyter):
    notebook = {
        "cells": [_cell(FIRST), _cell(SECOND)],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (jupyter["root"] / "notebooks" / "layout.ipynb").write_text(json.dumps(notebook))
    _run_all(page, jupyter, "layout.ipynb")
    dashboard = page.locator(".hpx-dashboard")
    tabs = dashboard.locator(".lm-TabBar-tab")
    tabs.first.wait_for()
    assert "Pareto" in dashboard.locator(".lm-TabBar-tab.lm-mod-current").inner_text()
    page.wait_for_timeout(1000)
    pareto = dashboard.locator(".hpx-pareto")
    chart = pareto.locator(".js-plotly-plot svg.main-svg").first.bounding_box()
    assert chart["width"] >= 0.9 * pareto.bounding_box()["width"]  # never clicked
    _labels_whole(dashboard.locator(".lm-TabBar-tab .lm-TabBar-tabLabel"))
    _labels_whole(dashboard.locator("button"))
    assert tabs.count() == 7
