"""RationaleView: why each recommendation was made, and what the monitor decided, with evidence."""

from __future__ import annotations

import json
from typing import Any

import ipywidgets as W

from hpxplore.viz import escape

__all__ = ["RationaleView"]

_HEADLINES = {
    "transfer_off": "Transfer switched off",
    "rollback_advised": "Rollback to the baseline advised",
    "neighbour_weights": "Neighbours re-weighted",
    "transfer_kept": "Transfer kept",
    "transfer_on": "Transfer surrogate on",
    "warm_start_capped": "Warm start capped",
    "space_narrowed": "Search space narrowed",
    "trial_failed": "Trial failed",
    "listener_failed": "A live view failed",
    "run_finished": "Run finished",
}


class RationaleView(W.VBox):
    """The facts behind the recommendations and the study's transfer events."""

    def __init__(self, recs: Any = None, study: Any = None, *, live: bool = True) -> None:
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
        narrowed = getattr(self.recs, "narrowed", None)
        extra = f"<p><b>Search space</b>: {escape(narrowed.rationale)}</p>" if narrowed else ""
        return f"<h4>Why these recommendations</h4><ul>{items}</ul>{extra}"

    def refresh(self) -> None:
        """Re-read the study's events (cheap: a list in memory)."""
        if self.study is None:
            self.events.value = ""
            return
        shown = [e for e in self.study.events if e.get("event") in _HEADLINES]
        if not shown:
            self.events.value = "<h4>Monitor</h4><i>No transfer event yet.</i>"
            return
        items = "".join(
            f"<li><b>{escape(_HEADLINES[e['event']])}</b>: <code>"
            f"{escape(json.dumps({k: v for k, v in e.items() if k != 'event'}, default=str))}"
            "</code></li>"
            for e in shown
        )
        self.events.value = f"<h4>Monitor</h4><ul>{items}</ul>"

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        super().close()
