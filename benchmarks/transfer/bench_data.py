"""Where the third-party benchmark data lives, and what to say when it is not there.

The YAHPO Gym surrogates and the quantile-transfer evaluations are not on any package
index, and they are not copied into this repository: the benchmark reads them from the
folder ``$HPX_BENCH_DATA`` names (default: ``../shared/data`` beside the project). Without
it, the families that need them are skipped with this module's message; with
``HPX_REQUIRE_BENCH_DATA=1`` (``make test`` sets it) a missing folder is an error instead.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["ENV_VAR", "REQUIRE_VAR", "BenchDataMissing", "bench_data", "required"]

ENV_VAR = "HPX_BENCH_DATA"
REQUIRE_VAR = "HPX_REQUIRE_BENCH_DATA"
DEFAULT = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SOURCES = {
    "yahpo": "YAHPO Gym's surrogates, https://github.com/slds-lmu/yahpo_data (v1.0), "
    "one folder per scenario: lcbench, rbv2_rpart, iaml_glmnet",
    "quantile-transfer": "the offline evaluations of Salinas et al. (ICML 2020), "
    "https://github.com/geoalgo/A-Quantile-based-Approach-for-Hyperparameter-Transfer-Learning"
    " (XGBoost.csv.zip, DeepAR.csv.zip)",
}


class BenchDataMissing(FileNotFoundError):
    """The benchmark data folder (or a part of it) is not where the setting says."""


def bench_data(part: str) -> Path:
    """The folder of ``part`` (``"yahpo"`` or ``"quantile-transfer"``), or a clear error."""
    root = Path(os.environ.get(ENV_VAR) or DEFAULT).expanduser()
    folder = root / part
    if not folder.is_dir():
        raise BenchDataMissing(
            f"No benchmark data at {folder}: set {ENV_VAR} to the folder that holds "
            f"{part}/ (default {DEFAULT}). Download {SOURCES[part]}."
        )
    return folder


def required() -> bool:
    """True when a missing data folder must fail rather than skip (``make test``, CI)."""
    return os.environ.get(REQUIRE_VAR) == "1"
