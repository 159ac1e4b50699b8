"""How a number meant for people is written where precision matters: a difference shown to
the decimals of the value it is a difference of."""

from __future__ import annotations

import math

__all__ = ["signed_difference"]


def signed_difference(delta: float, like: float, sign: bool = True) -> str:
    """``delta`` to the decimals ``like`` (the value it comes from) is shown with at 4
    significant digits: ``+0.0097`` beside an accuracy of 0.8723, not ``+0.009711``; ``+0``
    when it is none. ``sign=False`` writes a magnitude."""
    if delta == 0:
        return "+0" if sign else "0"
    magnitude = abs(like) if like else abs(delta)
    decimals = max(0, 3 - math.floor(math.log10(magnitude)))
    plus = "+" if sign else ""
    text = f"{delta:{plus}.{decimals}f}"
    return text if float(text) != 0 else f"{delta:{plus}.1g}"
