"""01_quickstart in a real JupyterLab: run it, see the charts, decide, pick a point, export."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import hpxplore as hpx

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "dashboard.png"


def _run_all(page, jupyter, notebook: str) -> None:
    page.goto(f"{jupyter['url']}/lab/tree/notebooks/{notebook}?token={jupyter['token']}&reset")
    # The kernel is ready only when the status bar says Idle (an earlier Run All is dropped).
    page.locator("#jp-main-statusbar").get_by_text(re.compile(r"\| Idle$")).wait_for(timeout=90_000)
    page.locator(".lm-MenuBar-item", has_text="Run").click()
    page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()
    page.wait_for_timeout(1000)
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-InputPrompt')];
            return prompts.length > 0 && prompts.every(p => !p.textContent.includes('[*]'));
        }""",
        timeout=600_000,
    )


def _titles_fit(panel) -> None:
    """Every chart title in ``panel`` lies inside its chart (a long one used to be cut)."""
    for plot in panel.locator(".js-plotly-plot").all():
        chart = plot.locator("svg.main-svg").first.bounding_box()
        for title in plot.locator(".gtitle, .infolayer .annotation-text").all():
            box = title.bounding_box()
            if box is not None and box["width"] > 0:
                assert box["x"] >= chart["x"] - 1, title.text_content()
                assert box["x"] + box["width"] <= chart["x"] + chart["width"] + 1, (
                    title.text_content()
                )


def _labels_whole(elements) -> None:
    """No label is cut short with an ellipsis: each is as wide as its words."""
    cut = elements.evaluate_all(
        "els => els.filter(e => e.offsetParent && e.scrollWidth > e.clientWidth + 1)"
        ".map(e => e.textContent.trim())"
    )
    assert cut == [], cut


@pytest.fixture
def busy_machine():
    """A busy-loop process beside the notebook: timings move, the notebook must not break."""
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    yield busy
    busy.kill()
    busy.wait()


@pytest.mark.slow
def test_quickstart_in_a_real_browser(page, jupyter, busy_machine):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    _run_all(page, jupyter, "01_quickstart.ipynb")
    assert busy_machine.poll() is None  # the load was there the whole run
    notebook = page.locator(".jp-NotebookPanel")
    assert notebook.locator(".jp-OutputArea-output[data-mime-type*='error']").count() == 0

    # Similarity chart drawn: one bar per neighbour in each meta-feature's trace.
    similarity = page.locator(".hpx-similarity").first
    similarity.locator(".js-plotly-plot svg.main-svg").first.wait_for()
    assert similarity.locator(".barlayer .trace").count() >= 2

    # The standalone board's gain chart is drawn.
    board = page.locator(".hpx-board").first
    board.scroll_into_view_if_needed()
    board.locator(".scatterlayer .trace .points path").first.wait_for(timeout=30_000)

    dashboard = page.locator(".hpx-dashboard")
    dashboard.scroll_into_view_if_needed()
    # Every tab's chart draws when its tab is shown, though it was built hidden.
    tab = dashboard.locator(".lm-TabBar-tab")
    tab.filter(has_text="Similarity").click()
    dashboard.locator(".hpx-similarity .barlayer .trace").first.wait_for(timeout=30_000)
    tab.filter(has_text="Recommendations").click()
    gains = dashboard.locator(".hpx-board .scatterlayer .trace .points path")
    gains.first.wait_for(timeout=30_000)
    tab.filter(has_text="Progress").click()  # the best so far, drawn with its trials
    progress = dashboard.locator(".hpx-progress")
    progress.locator(".scatterlayer .trace .js-line").first.wait_for(timeout=30_000)
    # below it, the same run against the similar studies it drew on, each on its own scale
    compared = progress.locator(".subplot.x2y2 .scatterlayer .trace .js-line")
    compared.first.wait_for(timeout=30_000)
    assert compared.count() >= 2  # this study and at least one similar study
    assert "Trials to near-best" in (
        progress.locator(".infolayer .annotation").first.text_content() or ""
    )
    _titles_fit(progress)  # both charts' titles whole, not cut at the chart's edge
    assert "on its own scale" in progress.locator(".hpx-progress-note").inner_text()
    tab.filter(has_text="Health").click()  # Ax's analyses, computed when asked
    health = dashboard.locator(".hpx-health")
    health.locator("button.hpx-health-compute").click()
    health.locator(".hpx-health-card .js-plotly-plot svg.main-svg").first.wait_for(timeout=120_000)
    summary = health.locator(".hpx-health-summary").inner_text()  # the few facts come first
    assert "completed trials meet every constraint" in summary
    assert "Ax's model of accuracy" in summary or "not fitted its model yet" in summary
    more = health.locator(".hpx-health-more")
    assert "More from Ax" in more.inner_text()
    assert health.bounding_box()["height"] < 3000  # the rest waits behind a click
    tab.filter(has_text="Sensitivity").click()
    sensitivity = dashboard.locator(".hpx-sensitivity")
    sensitivity.locator(".barlayer .trace").first.wait_for(timeout=30_000)  # computed in a cell
    assert "Ax's model fit is" in sensitivity.locator(".hpx-sensitivity-table").inner_text()
    tab.filter(has_text="Rationale").click()  # why these picks, and what the monitor did
    rationale = dashboard.locator(".hpx-rationale")
    assert "Why these recommendations" in rationale.inner_text()
    assert "Monitor" in rationale.locator(".hpx-events").inner_text()
    _labels_whole(dashboard.locator(".lm-TabBar-tab .lm-TabBar-tabLabel"))
    _labels_whole(dashboard.locator("button"))

    # Accept a recommendation in the dashboard's board; it is in the registry.
    dashboard.locator(".lm-TabBar-tab", has_text="Recommendations").click()
    card = dashboard.locator(".hpx-card").nth(1)
    card.locator(".hpx-reason input").fill("clicked in the browser")
    card.locator("button.hpx-accept").click()
    # the card may show "accepted" already (the notebook decided it): wait for this reason
    card.locator(".hpx-decision", has_text="accepted: clicked in the browser").wait_for()
    reg = hpx.Registry(jupyter["workdir"] / "registry.db")
    decided = reg.decisions(task="german-credit")
    assert "clicked in the browser" in set(decided["reason"])

    # The Pareto chart is drawn with the trials; click a point to select it.
    dashboard.locator(".lm-TabBar-tab", has_text="Pareto").click()
    pareto = dashboard.locator(".hpx-pareto")
    points = pareto.locator(".scatterlayer .trace .points path")
    points.first.wait_for()
    assert points.count() >= 8
    # Built while its tab was hidden, the chart still fills the panel once shown.
    page.wait_for_timeout(1000)
    chart = pareto.locator(".js-plotly-plot svg.main-svg").first.bounding_box()
    assert chart["width"] >= 0.9 * pareto.bounding_box()["width"]
    assert pareto.locator(".hpx-pareto-colour select").input_value() != ""  # reads "none"
    points.first.click(force=True)
    pareto.locator(".hpx-selected", has_text="Selected trial").wait_for()
    selected = int(
        re.search(r"Selected trial (\d+)", pareto.locator(".hpx-selected").inner_text())[1]
    )
    page.mouse.move(0, 0)  # no hover label over the picture
    page.wait_for_timeout(500)
    SCREENSHOT.parent.mkdir(exist_ok=True)
    dashboard.screenshot(path=str(SCREENSHOT))

    # Export: the file holds the selected trial's config and provenance.
    dashboard.locator("button.hpx-export").click()
    dashboard.locator(".hpx-export-status", has_text="Exported trial").wait_for()
    exported = yaml.safe_load((jupyter["workdir"] / "chosen.yaml").read_text())
    assert exported["provenance"]["trial"] == selected
    assert exported["provenance"]["study"] == "german-credit-hgb"
    assert errors == []
