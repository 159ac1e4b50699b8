"""A progress bar for the calls that take seconds (recommend, importances).

tqdm draws it when it is installed (a widget in notebooks, a line in a terminal); without
tqdm, or with ``enabled=False``, nothing is shown.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Progress"]


class Progress:
    """``total`` steps; :meth:`step` names the one starting and counts the one before."""

    def __init__(self, total: int, desc: str, *, enabled: bool = True) -> None:
        self.bar: Any = None
        self.started = False
        if not enabled:
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:
            return
        self.bar = tqdm(total=total, desc=desc, unit="step", leave=False)

    def step(self, what: str) -> None:
        if self.bar is None:
            return
        if self.started:
            self.bar.update(1)
        self.started = True
        self.bar.set_postfix_str(what, refresh=True)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.update(self.bar.total - self.bar.n)
            self.bar.close()
