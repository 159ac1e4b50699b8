"""A password in a registry URL is never shown or stored: not in a repr, an error, the CLI's
output, a log, an exported file or the registry's own rows (on a real PostgreSQL server
that checks the password)."""

from __future__ import annotations

import contextlib
import io
import logging
import time
from urllib.parse import quote

import pandas as pd
import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hpxplore as hpx
from hpxplore._secrets import redact
from hpxplore.cli import main as cli
from hpxplore.exceptions import HpxploreError
from tests.conftest import make_trials

SECRET = "S3c/r:et!W0rd"  # an unencoded "/" and ":" in it, as users type them
USER = "hpx_secret_user"

_PASSWORDS = st.text(
    alphabet=st.characters(
        blacklist_characters=" \t\n\r?#'\"", blacklist_categories=("Cs", "Cc", "Zs")
    ),
    min_size=1,
    max_size=20,
).map(lambda text: "Zq9" + text)  # long enough to be told apart from the rest of the URL


@given(password=_PASSWORDS)
@settings(max_examples=200, deadline=None)
def test_every_url_form_loses_its_password(password: str) -> None:
    forms = [
        f"postgresql+psycopg://u:{password}@db.example:5432/hpx",
        f"postgresql+psycopg://u:{quote(password, safe='')}@db.example/hpx",
        f"postgresql+psycopg://u@db.example/hpx?sslmode=require&password={password}",
        f"mysql://u@h/db?passwd={password}",
        f"host=db.example user=u password={password} dbname=hpx",
        f"No study named 'x' in the registry at postgresql://u:{password}@h/db (did you mean?)",
    ]
    for text in forms:
        shown = redact(text)
        assert password not in shown and quote(password, safe="") not in shown, (text, shown)
        assert "***" in shown


def test_urls_without_credentials_are_left_alone() -> None:
    for text in ("sqlite:////tmp/a@b/registry.db", "postgresql://u@h:5432/db?sslmode=require"):
        assert redact(text) == text


@pytest.fixture(scope="module")
def secured(postgres_server) -> dict[str, str]:
    """A database on the real server whose owner logs in with SECRET (SCRAM)."""
    database = postgres_server.new_user(USER, SECRET)
    host = f"127.0.0.1:{postgres_server.port}"
    return {
        "encoded": f"postgresql+psycopg://{USER}:{quote(SECRET, safe='')}@{host}/{database}",
        "unencoded": f"postgresql+psycopg://{USER}:{SECRET}@{host}/{database}",
        "query": f"postgresql+psycopg://{USER}@{host}/{database}?password={quote(SECRET)}",
        "database": database,
        "port": str(postgres_server.port),
    }


def _cli(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        cli(list(args))
    return out.getvalue() + err.getvalue()


def _stored_text(port: str, database: str) -> str:
    """Every row of every table of the registry, as text."""
    with psycopg.connect(f"host=127.0.0.1 port={port} user=postgres dbname={database}") as conn:
        tables = [
            r[0]
            for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
        return "\n".join(
            str(row) for table in tables for row in conn.execute(f'SELECT * FROM "{table}"')
        )


@pytest.mark.parametrize("form", ["encoded", "unencoded", "query"])
def test_a_password_is_hidden_everywhere(
    form, secured, sklearn_profiles, space, objectives, tmp_path, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    url = secured[form]
    seen: list[str] = []
    with hpx.Registry(url) as reg:  # the server checks the password: the URL form works
        name = f"wine-{form}"
        reg.add_study(
            name,
            sklearn_profiles["wine"],
            space,
            objectives,
            make_trials(),
            provenance={"source_db": url, "note": f"copied from {url}"},
        )
        seen += [repr(reg), reg.url]
        with pytest.raises(HpxploreError) as missing:
            reg.record("nope")
        seen.append(str(missing.value))
        with pytest.raises(HpxploreError) as taken:
            reg.add_study(name, sklearn_profiles["wine"], space, objectives, make_trials())
        seen.append(str(taken.value))
        exported = tmp_path / "chosen.json"
        hpx.export_config(reg.record(name), 0, exported, registry=url)
        seen.append(exported.read_text())
    seen.append(_cli("studies", "--registry", url))
    seen.append(
        _cli("export", name, "--trial", "1", "--out", str(tmp_path / "c.yaml"), "--registry", url)
    )
    seen.append((tmp_path / "c.yaml").read_text())
    seen.append(_stored_text(secured["port"], secured["database"]))
    seen.append(caplog.text)
    assert name in seen[-2]  # the rows were read
    for text in seen:
        assert SECRET not in text and quote(SECRET, safe="") not in text, text[:500]


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql+psycopg://{USER}:Wr0ng/pa+ss@127.0.0.1:{{port}}/{{database}}",
        f"postgresql+psycopg://{USER}@127.0.0.1:{{port}}/{{database}}?password=Wr0ng-pass",
        "postgresql+psycopg://u:pa/ss+W0rd@127.0.0.1:{closed}/db",
    ],
)
def test_a_wrong_password_or_a_dead_server_is_refused_without_showing_it(url, secured) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    url = url.format(port=secured["port"], database=secured["database"], closed=closed)
    with pytest.raises(hpx.RegistryError) as error:
        hpx.Registry(url)
    text = str(error.value)
    for secret in ("Wr0ng", "pa/ss+W0rd", "pa+ss"):
        assert secret not in text, text
    assert "password authentication failed" in text or "Connection refused" in text, text
    assert _cli("studies", "--registry", url).count("Wr0ng") == 0


def test_mlflow_with_a_wrong_password_fails_fast_and_says_why(secured, sklearn_profiles) -> None:
    pytest.importorskip("mlflow")
    tracking = f"postgresql://{USER}:Wr0ng/pa@127.0.0.1:{secured['port']}/{secured['database']}"
    reg = hpx.Registry(":memory:")
    started = time.monotonic()
    with pytest.raises(hpx.InputError, match="password authentication failed") as error:
        reg.import_mlflow(tracking, "exp", sklearn_profiles["wine"], {"accuracy": "max"})
    assert time.monotonic() - started < 15  # MLflow alone retries for about 100 s
    assert "Wr0ng" not in str(error.value)


def test_stored_provenance_keeps_no_credential(
    tmp_path, sklearn_profiles, space, objectives
) -> None:
    reg = hpx.Registry(tmp_path / "r.db")
    record = reg.add_study(
        "s",
        sklearn_profiles["wine"],
        space,
        objectives,
        make_trials(),
        provenance={"mlflow": f"http://me:{SECRET}@mlflow.example/", "db": [f"pwd={SECRET}"]},
    )
    assert SECRET not in str(record.provenance)
    assert SECRET not in str(reg.record("s").provenance)
    assert record.provenance["mlflow"] == "http://me:***@mlflow.example/"
    assert isinstance(reg.studies(), pd.DataFrame)
