"""The command line every offline measure of the transfer benchmark shares.

An offline measure (``first_trials``, ``first_trade_offs``, ``constrained_seeds``,
``guard``, ``ceiling``) computes one table, a row or a few per held-out task, with no
optimizer run: this writes it as ``<stem>.csv`` and its report as ``<stem>.md`` under
``--out`` and prints the report; ``--report-only`` redraws the report from the CSV.
"""

from __future__ import annotations

import argparse
import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import pandas as pd

RESULTS = Path(__file__).resolve().parents[1] / "results"


def main(
    stem: str,
    doc: str,
    rows: Callable[[argparse.Namespace], Iterable[dict]],
    report: Callable[[pd.DataFrame], str],
    argv: list[str] | None = None,
    families: Sequence[str] | None = None,
) -> int:
    """Parse ``argv``, compute ``rows(args)`` (or read them back), write and print the report.

    ``doc``: the measure's module docstring (its first line describes the command);
    ``families``: the default of a ``--families`` option (none without it)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    if families is not None:
        parser.add_argument("--families", nargs="+", default=list(families))
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--report-only", action="store_true", help="redraw from the CSV")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    csv = args.out / f"{stem}.csv"
    if args.report_only:
        table = pd.read_csv(csv, dtype={"task": str})
    else:
        table = pd.DataFrame(list(rows(args)))
        args.out.mkdir(parents=True, exist_ok=True)
        table.to_csv(csv, index=False)
    text = report(table)
    (args.out / f"{stem}.md").write_text(text)
    print(text)
    return 0
