"""The study report opened from disk in Chromium: every chart drew, the page asked the
network for nothing, it fits a phone's width and prints."""

from __future__ import annotations

import hpxplore as hpx
from tests.reports.conftest import reported  # noqa: F401  (the fixture)


def test_the_report_opens_from_disk_draws_every_chart_and_fetches_nothing(
    page,
    reported,  # noqa: F811
    tmp_path,
):
    reg, study, recs = reported
    path = hpx.report(study, recs, tmp_path / "report.html")
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(path.as_uri())
    figures = page.locator(".plotly-graph-div")
    page.wait_for_function("document.querySelectorAll('.plotly-graph-div .main-svg').length > 0")
    count = figures.count()
    assert count >= 4
    for i in range(count):  # each drew its plot: an SVG with data traces
        figures.nth(i).locator(".main-svg").first.wait_for()
        assert figures.nth(i).locator(".trace, .bars, .scatterlayer .point").count() > 0
    assert [u for u in requests if not u.startswith("file://")] == []
    assert errors == []

    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.wait_for_timeout(300)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1  # wide tables scroll in their own box, the page does not
    pdf = page.pdf(format="A4")  # print
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    audit = hpx.report(reg, path=tmp_path / "audit.html")
    page.goto(audit.as_uri())
    page.locator(".plotly-graph-div .main-svg").first.wait_for()
    assert [u for u in requests if not u.startswith("file://")] == []
