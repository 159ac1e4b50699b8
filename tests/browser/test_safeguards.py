"""03_safeguards in a real JupyterLab: the drift verdict and the negative-transfer story,
as a person sees them."""

from __future__ import annotations

import pytest

from tests.browser.test_quickstart import _run_all, _titles_fit


@pytest.mark.slow
def test_safeguards_in_a_real_browser(page, jupyter):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    _run_all(page, jupyter, "03_safeguards.ipynb")
    notebook = page.locator(".jp-NotebookPanel")
    assert notebook.locator(".jp-OutputArea-output[data-mime-type*='error']").count() == 0
    outputs = notebook.locator(".jp-OutputArea-output").all_inner_texts()
    assert not any("ConvergenceWarning" in text for text in outputs)  # nothing leaks

    # Drift: the far task's similarity chart, every bar drawn and every title whole.
    similarity = page.locator(".hpx-similarity").first
    similarity.scroll_into_view_if_needed()
    similarity.locator(".barlayer .trace").first.wait_for(timeout=30_000)
    _titles_fit(similarity)
    assert any("Cold start" in text for text in outputs)

    # Negative transfer: the monitor's events say transfer went off, and why.
    rationale = page.locator(".hpx-rationale").last
    rationale.scroll_into_view_if_needed()
    events = rationale.locator(".hpx-events").inner_text()
    assert "Monitor" in events and "off" in events.lower()
    assert "Why these recommendations" in rationale.inner_text()
    assert errors == []
