"""How long profiling takes, side by side with one model fit on the same frame.

    .venv/bin/python benchmarks/profiling_speed.py

For each frame size it times ``hpx.profile_task`` and one ``HistGradientBoostingClassifier``
fit (100 iterations) in the same run, and reports the ratio; it also times
``import hpxplore`` against ``import pandas`` in fresh interpreters. Results go to
``benchmarks/results/profiling_speed.{csv,md,png}``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier

import hpxplore as hpx

RESULTS = Path(__file__).parent / "results"
SIZES = [(1_000, 10), (10_000, 50), (100_000, 50), (100_000, 200)]
REPEATS = 3


def make_frame(rows: int, cols: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(rows, cols)), columns=[f"x{i}" for i in range(cols)])
    frame["city"] = rng.choice(["north", "south", "east", "west"], rows)
    frame.loc[rng.random(rows) < 0.05, "x0"] = np.nan
    frame["y"] = (frame["x1"] + frame["x2"] ** 2 + rng.normal(size=rows) > 1).astype(int)
    return frame


def best_of(fn, repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def import_seconds(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    runs = [
        float(subprocess.check_output([sys.executable, "-c", code], text=True)) for _ in range(5)
    ]
    return statistics.median(runs)


def main() -> None:
    rows = []
    for n, d in SIZES:
        frame = make_frame(n, d)
        X, y = frame.drop(columns=["y", "city"]), frame["y"]
        profile_s = best_of(lambda f=frame: hpx.profile_task(f, target="y"))
        fit_s = best_of(lambda X=X, y=y: HistGradientBoostingClassifier(max_iter=100).fit(X, y))
        rows.append(
            {
                "rows": n,
                "columns": d + 1,
                "profile_s": round(profile_s, 3),
                "hgb_fit_s": round(fit_s, 3),
                "profile_over_fit": round(profile_s / fit_s, 2),
            }
        )
        print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    imports = pd.DataFrame(
        [{"module": m, "import_s": round(import_seconds(m), 3)} for m in ("hpxplore", "pandas")]
    )
    imports["ratio_to_pandas"] = (imports["import_s"] / imports.loc[1, "import_s"]).round(2)
    print(imports.to_string(index=False))

    RESULTS.mkdir(exist_ok=True)
    table.to_csv(RESULTS / "profiling_speed.csv", index=False)
    (RESULTS / "profiling_speed.md").write_text(
        "# Profiling speed\n\nBest of 3, 2-core machine; `profile_over_fit` is profiling time over one "
        "100-iteration HistGradientBoosting fit on the same frame.\n\n"
        + table.to_markdown(index=False)
        + "\n\n## Import time (median of 5 fresh interpreters)\n\n"
        + imports.to_markdown(index=False)
        + "\n"
    )
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    labels = [f"{r}×{c}" for r, c in zip(table["rows"], table["columns"], strict=True)]
    x = np.arange(len(labels))
    ax.bar(x - 0.2, table["profile_s"], 0.4, label="hpx.profile_task")
    ax.bar(x + 0.2, table["hgb_fit_s"], 0.4, label="one HGB fit (100 iter)")
    ax.set_xticks(x, labels)
    ax.set_ylabel("seconds")
    ax.set_title("Profiling time vs one model fit")
    ax.legend()
    fig.tight_layout()
    fig.savefig(RESULTS / "profiling_speed.png", dpi=120)


if __name__ == "__main__":
    main()
