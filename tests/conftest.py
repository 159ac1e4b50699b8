"""Shared fixtures: registries on SQLite and on a real PostgreSQL server, real task profiles."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from sklearn import datasets

import hpxplore as hpx
from hpxplore.testing import PostgresServer, find_postgres_bin

REQUIRE_POSTGRES = os.environ.get("HPX_REQUIRE_POSTGRES") == "1"

SKLEARN_CLASSIFICATION = {
    "iris": datasets.load_iris,
    "wine": datasets.load_wine,
    "breast_cancer": datasets.load_breast_cancer,
    "digits": datasets.load_digits,
}


@pytest.fixture(scope="session")
def postgres_server():
    if find_postgres_bin() is None:
        if REQUIRE_POSTGRES:
            pytest.fail(
                "PostgreSQL is required (HPX_REQUIRE_POSTGRES=1) but not installed; "
                "run `make test`, which installs it."
            )
        pytest.skip("PostgreSQL is not installed")
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def registry_url(request, tmp_path) -> str:
    """A URL of an empty registry database, on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'registry.db'}"
    return request.getfixturevalue("postgres_server").new_database()


@pytest.fixture
def registry(registry_url):
    reg = hpx.Registry(registry_url)
    yield reg
    reg.close()


@pytest.fixture(scope="session")
def sklearn_frames() -> dict[str, pd.DataFrame]:
    return {name: load(as_frame=True).frame for name, load in SKLEARN_CLASSIFICATION.items()}


@pytest.fixture(scope="session")
def sklearn_profiles(sklearn_frames) -> dict[str, hpx.TaskProfile]:
    return {
        name: hpx.profile_task(
            df, target="target", name=name, tags={"model": "hgb"}, drop_useless=True
        )
        for name, df in sklearn_frames.items()
    }


@pytest.fixture
def space() -> dict:
    return {
        "learning_rate": hpx.Float(1e-3, 1.0, log=True),
        "max_depth": hpx.Int(2, 12),
        "loss": hpx.Choice(["log_loss", "exponential"]),
    }


@pytest.fixture
def objectives() -> dict:
    return {"accuracy": "maximize", "predict_ms": "minimize"}


def make_trials(n: int = 8, seed: int = 0) -> pd.DataFrame:
    """A plausible trials table for the ``space`` fixture."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "learning_rate": 10 ** rng.uniform(-3, 0, n),
            "max_depth": rng.integers(2, 13, n),
            "loss": rng.choice(["log_loss", "exponential"], n),
            "accuracy": rng.uniform(0.7, 1.0, n),
            "predict_ms": rng.uniform(0.5, 8.0, n),
        }
    )
