import sqlite3
import time

import pytest

import hpxplore as hpx
from hpxplore.exceptions import NotARegistryError, RegistryConnectionError, SchemaVersionError
from hpxplore.registry import ENV_VAR, default_location
from tests.conftest import make_trials


def test_default_location_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "team.db"))
    assert default_location() == str(tmp_path / "team.db")
    reg = hpx.Registry()
    assert reg.url.endswith("team.db") and (tmp_path / "team.db").exists()
    monkeypatch.delenv(ENV_VAR)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_location() == str(tmp_path / "data" / "hpxplore" / "registry.db")


def test_sqlite_registry_uses_wal(tmp_path):
    hpx.Registry(tmp_path / "r.db")
    with sqlite3.connect(tmp_path / "r.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_file_that_is_not_a_database_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 100)
    before = path.read_bytes()
    with pytest.raises(NotARegistryError, match="not an hpxplore registry") as info:
        hpx.Registry(path)
    assert "new file" in info.value.hint
    assert path.read_bytes() == before


def test_a_foreign_database_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER)")
        conn.execute("INSERT INTO customers VALUES (1)")
    with pytest.raises(NotARegistryError, match=r"has tables \['customers'\]"):
        hpx.Registry(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [("customers",)]


def test_a_folder_is_not_a_registry(tmp_path):
    with pytest.raises(NotARegistryError, match="is a folder"):
        hpx.Registry(tmp_path)


def test_newer_schema_is_refused_with_upgrade_hint(tmp_path, sklearn_profiles, space, objectives):
    path = tmp_path / "r.db"
    hpx.Registry(path).add_study("s", sklearn_profiles["iris"], space, objectives, make_trials(2))
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE hpx_meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(SchemaVersionError, match="schema version 99") as info:
        hpx.Registry(path)
    assert "Upgrade hpxplore" in info.value.hint


def test_unreachable_server_is_named_quickly():
    start = time.perf_counter()
    with pytest.raises(RegistryConnectionError, match="Cannot connect to the registry") as info:
        hpx.Registry("postgresql+psycopg://nobody:secret@127.0.0.1:9/none")
    assert time.perf_counter() - start < 10
    assert "secret" not in str(info.value)  # the password is hidden
    assert "server is running" in info.value.hint


def test_malformed_url_and_missing_driver():
    with pytest.raises(RegistryConnectionError, match="Cannot read the registry URL"):
        hpx.Registry("postgresql+psycopg://host:notaport/db")
    with pytest.raises(RegistryConnectionError, match="No database driver"):
        hpx.Registry("nosuchdb://host/db")


def test_in_memory_registry_writes_no_file(
    tmp_path, monkeypatch, sklearn_profiles, space, objectives
):
    monkeypatch.chdir(tmp_path)
    reg = hpx.Registry(":memory:")
    reg.add_study("s", sklearn_profiles["iris"], space, objectives, make_trials(2))
    assert reg.names() == ["s"] and list(tmp_path.iterdir()) == []
