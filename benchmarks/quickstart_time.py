"""What a new user waits for in the quickstart: notebook 01 at its full budget, then the
dashboard's Health tab.

    .venv/bin/python benchmarks/quickstart_time.py

Runs ``notebooks/01_quickstart.ipynb`` in a real kernel (nbclient; no browser), cell by
cell, timing each, then presses the Health tab's Compute in the same kernel
(``dashboard.health.compute()``). Targets: the notebook in <= 5 minutes on 2 cores, the
Health tab in <= 10 s. Results: ``benchmarks/results/quickstart_time.{csv,md}``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import nbformat
import pandas as pd
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results"
HEALTH = (
    "import time\nstarted = time.perf_counter()\ndashboard.health.compute()\n"
    "print(len(dashboard.health.cards), 'cards')"
)


def main() -> None:
    notebook = nbformat.read(ROOT / "notebooks" / "01_quickstart.ipynb", as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(HEALTH))
    os.environ.pop("HPX_SMALL_BUDGET", None)  # the full budget, as a user runs it
    client = NotebookClient(
        notebook,
        timeout=1800,
        kernel_name="python3",
        resources={"metadata": {"path": str(ROOT / "notebooks")}},
    )
    rows = []
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type != "code":
                continue
            started = time.perf_counter()
            client.execute_cell(cell, index)
            first = cell.source.strip().splitlines()[0][:70]
            rows.append({"cell": index, "source": first, "seconds": time.perf_counter() - started})
            print(rows[-1], flush=True)
    table = pd.DataFrame(rows).round({"seconds": 2})
    health = float(table["seconds"].iloc[-1])
    notebook_s = float(table["seconds"].iloc[:-1].sum())
    RESULTS.mkdir(exist_ok=True)
    table.to_csv(RESULTS / "quickstart_time.csv", index=False)
    header = (
        "# The quickstart's waits\n\nNotebook 01 at its full budget (30 trials, two objectives "
        "and a constraint, warm-started, inline) in a kernel on 2 cores, then the Health tab's "
        "Compute. Command: `.venv/bin/python benchmarks/quickstart_time.py`.\n\n"
        f"**Notebook: {notebook_s:.0f} s** (target <= 300 s); **Health tab: {health:.1f} s** "
        "(target <= 10 s).\n\n"
    )
    (RESULTS / "quickstart_time.md").write_text(header + table.to_markdown(index=False) + "\n")
    print(f"notebook {notebook_s:.1f} s, health {health:.1f} s")


if __name__ == "__main__":
    main()
