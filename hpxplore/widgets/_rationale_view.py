"""RationaleView: why each recommendation was made, and what the monitor decided, with evidence."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as W

from hpxplore.viz import HEADLINES, escape, event_sentence
from hpxplore.widgets._cards import html_table

if TYPE_CHECKING:
    from hpxplore.study import Study
    from hpxplore.transfer import Recommendations

__all__ = ["RationaleView"]


class RationaleView(W.VBox):
    """The facts behind the recommendations and the study's transfer events."""

    def __init__(
        self, recs: Recommendations | None = None, study: Study | None = None, *, live: bool = True
    ) -> None:
        self.recs, self.study = recs, study
        self.reasons = W.HTML(self._reasons())
        self.events = W.HTML()
        self.events.add_class("hpx-events")
        super().__init__([self.reasons, self.events])
        self.add_class("hpx-rationale")
        self.refresh()
        self._unsubscribe = (
            study.on_trial(lambda _s, _i: self.refresh()) if study is not None and live else None
        )

    def _reasons(self) -> str:
        if self.recs is None:
            return "<i>No recommendations: the study was not warm-started from hpx.recommend.</i>"
        items = "".join(
            f"<li><b>#{r.rank} {escape(r.kind)}</b>: {escape(r.rationale)}</li>" for r in self.recs
        )
        return f"<h4>Why these recommendations</h4><ul>{items}</ul>{self._space()}"

    def _space(self) -> str:
        """The search space actually searched, and the narrowing proposed if it was not applied."""
        narrowed = getattr(self.recs, "narrowed", None)
        if narrowed is None:
            return ""
        applied = self.study is not None and any(
            e.get("event") == "space_narrowed" for e in self.study.events
        )
        if applied:
            head = "Search space narrowed"
        elif narrowed.space is not None:
            head = (
                "Search space: the full one. A narrower one was proposed but not applied "
                "(study.warm_start(recs, narrow=True) applies it)"
            )
        else:
            head = "Search space: the full one"
        return f"<p><b>{head}</b>. {escape(narrowed.rationale)}</p>"

    def refresh(self) -> None:
        """Re-read the study's events (cheap: a list in memory)."""
        if self.study is None:
            self.events.value = ""
            return
        shown = [e for e in self.study.events if e.get("event") in HEADLINES]
        if not shown:
            self.events.value = "<h4>Monitor</h4><i>No transfer event yet.</i>"
            return
        rows = [(HEADLINES[e["event"]], event_sentence(e)) for e in shown]
        self.events.value = f"<h4>Monitor</h4>{html_table(['event', 'what happened'], rows)}"

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        super().close()
