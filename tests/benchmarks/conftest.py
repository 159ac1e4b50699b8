"""The benchmark data folder ($HPX_BENCH_DATA): a skip that names it, or a failure in CI."""

from __future__ import annotations

import pytest

from benchmarks.transfer.bench_data import REQUIRE_VAR, BenchDataMissing, bench_data, required


@pytest.fixture(scope="session")
def yahpo_data():
    return _folder("yahpo")


@pytest.fixture(scope="session")
def quantile_data():
    return _folder("quantile-transfer")


def _folder(part: str):
    try:
        return bench_data(part)
    except BenchDataMissing as missing:
        if required():
            pytest.fail(f"{missing} ({REQUIRE_VAR}=1: these tests may not be skipped).")
        pytest.skip(str(missing))
