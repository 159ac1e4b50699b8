"""The shareable report of a study and the audit of a registry: every section a reviewer
needs, names and reasons escaped, and nothing fetched from a network."""

from __future__ import annotations

import re

import pytest

import hpxplore as hpx
from tests.reports.conftest import PAYLOAD


def test_a_study_report_holds_the_decision_and_its_evidence(reported, tmp_path):
    _reg, study, recs = reported
    chosen = int(study.pareto_frontier()["trial_index"].iloc[0])
    path = hpx.report(study, recs, tmp_path / "report.html", trial=chosen)
    page = path.read_text()
    for heading in ("The task", "Similar prior studies", "Recommendations and the decisions",
                    "The run", "What the transfer did", "The exported config", "Outcome"):  # fmt: skip
        assert heading in page
    assert "rejected by auditor" in page and "accepted by lead" in page
    assert "the close analog&#x27;s best" in page  # the reason, as stored
    assert "Projected to meet every constraint" in page
    assert page.count('class="plotly-graph-div"') >= 4  # similarity, picks, progress, front
    assert f"<th>trial</th><td>{chosen}</td>" in page  # the export's provenance
    first = recs[0]  # its table's gain is written as its card writes it
    gain = re.search(
        r"Projected loss on the neighbours .*?; (\S+) vs the baseline", first.rationale
    )
    assert gain and f"<td>{gain.group(1)}</td>" in page


def test_names_tags_and_reasons_are_escaped(reported, tmp_path):
    reg, study, recs = reported
    page = hpx.report(study, recs, tmp_path / "r.html").read_text()
    audit = hpx.report(reg, path=tmp_path / "a.html", by="team").read_text()
    for html in (page, audit):
        assert PAYLOAD not in html and "<img src=x" not in html and "<script>alert" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html  # shown, as text


def test_the_report_needs_no_network(reported, tmp_path):
    _, study, recs = reported
    page = hpx.report(study, recs, tmp_path / "r.html").read_text()
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", page)
    assert page.count("Plotly.newPlot") >= 4 and page.count("plotly.js v") == 1  # inlined once


def test_the_audit_counts_help_calibration_and_switch_offs(reported, tmp_path):
    reg, _study, _recs = reported
    table = reg.audit(by="model").set_index("model")
    outcomes = reg.outcomes()
    transferred = outcomes[(outcomes["study"] == "run-1") & (outcomes["kind"] != "baseline")]
    assert table.loc["gbm", "transferred"] == len(transferred) >= 1
    assert table.loc["gbm", "helped"] == pytest.approx(transferred["helped"].astype(bool).mean())
    assert 0 <= table.loc["gbm", "coverage"] <= 1 and table.loc["gbm", "intervals"] >= 2
    by_month = reg.audit(by="model", every="M")
    assert list(by_month.columns[:2]) == ["model", "period"] and len(by_month) == 1
    per_study = reg.audit(by="study").set_index("study")
    assert per_study.loc["run-1", "transferred"] == len(transferred)
    page = hpx.report(reg, path=tmp_path / "audit.html").read_text()
    assert "Transfer audit by model" in page and "switched off" in page
    assert "<h2>Per study</h2>" in page and "<td>run-1</td>" in page


def test_a_report_of_something_else_says_what_it_takes(tmp_path):
    with pytest.raises(hpx.InputError, match="a Study or a Registry"):
        hpx.report("study-name", path=tmp_path / "r.html")
    with pytest.raises(hpx.InputError, match="does not exist"):
        hpx.report(hpx.Registry(tmp_path / "r.db"), path=tmp_path / "nope" / "r.html")


def test_the_command_line_reports_a_stored_study_and_the_audit(reported, tmp_path, capsys):
    from hpxplore.cli import main

    reg, _study, _ = reported
    out = tmp_path / "from-cli.html"
    assert main(["report", "run-1", "--registry", reg.url, "-o", str(out)]) == 0
    page = out.read_text()
    assert "rejected by auditor" in page  # the stored batch and its decisions
    assert "Transfer prior on" in page  # the run's events, stored with the study
    assert main(["report", "--registry", reg.url, "-o", str(tmp_path / "audit.html")]) == 0
    assert "Transfer audit by model" in (tmp_path / "audit.html").read_text()
    assert main(["report", "nope", "--registry", reg.url, "-o", str(out)]) == 2
    assert "No study 'nope'" in capsys.readouterr().err
