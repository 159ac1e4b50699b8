"""A damaged, hand-edited or read-only registry is refused with what is wrong and the fix,
and nothing in it is changed."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import pytest

import hpxplore as hpx
from hpxplore.cli import main as cli
from hpxplore.exceptions import RegistryDamagedError, RegistryReadOnlyError
from tests.conftest import make_trials


@pytest.fixture
def stored(tmp_path, sklearn_profiles, space, objectives) -> Path:
    """A registry file of three studies."""
    path = tmp_path / "r.db"
    with hpx.Registry(path) as reg:
        for i, task in enumerate(["wine", "iris", "breast_cancer"]):
            reg.add_study(
                f"{task}-hgb", sklearn_profiles[task], space, objectives, make_trials(8, i)
            )
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _edit(path: Path, *statements: str) -> None:
    with sqlite3.connect(path) as connection:
        for statement in statements:
            connection.execute(statement)
    connection.close()


def test_a_row_of_invalid_json_names_its_study_and_the_fix(stored, sklearn_profiles) -> None:
    _edit(stored, "UPDATE hpx_study SET profile = '{bad' WHERE name = 'iris-hgb'")
    reg = hpx.Registry(stored)
    for call in (reg.studies, lambda: reg.similar(sklearn_profiles["wine"])):
        with pytest.raises(RegistryDamagedError) as error:
            call()
        assert "in study 'iris-hgb'" in error.value.message
        assert "reg.delete_study('iris-hgb')" in error.value.hint
    out = io.StringIO()
    with contextlib.redirect_stderr(out):
        assert cli(["studies", "--registry", str(stored)]) == 2  # an error line, no traceback
    assert "iris-hgb" in out.getvalue() and "Traceback" not in out.getvalue()
    reg.delete_study("iris-hgb")  # the hint works, and the other studies are all there
    assert list(reg.studies()["study"]) == ["breast_cancer-hgb", "wine-hgb"]
    assert len(reg.trials("wine-hgb")) == 8


def test_an_unreadable_schema_version_is_refused(stored) -> None:
    _edit(stored, "UPDATE hpx_meta SET value = 'abc' WHERE key = 'schema_version'")
    with pytest.raises(RegistryDamagedError, match="unreadable schema version 'abc'"):
        hpx.Registry(stored)


def test_a_registry_that_lost_a_table_is_not_opened_or_changed(stored) -> None:
    _edit(stored, "DROP TABLE hpx_trial")
    before = _digest(stored)
    with pytest.raises(RegistryDamagedError, match=r"lost table\(s\) \['hpx_trial'\]") as error:
        hpx.Registry(stored)
    assert "backup" in error.value.hint
    assert _digest(stored) == before  # not recreated empty behind the user's back
    with sqlite3.connect(stored) as connection:
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
    assert "hpx_trial" not in tables


def test_damaged_pages_are_a_registry_error_wherever_they_are_read(stored) -> None:
    with sqlite3.connect(stored) as connection:  # fold the WAL in: every page in the file
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(stored.read_bytes())
    page = 4096
    for start in range(2 * page, len(data), page):  # every page but the first two
        data[start : start + 64] = bytes(range(64))
    stored.write_bytes(bytes(data))
    with pytest.raises(RegistryDamagedError) as error, hpx.Registry(stored) as reg:
        reg.studies()
        reg.record("wine-hgb")
    assert "malformed" in error.value.message and ".recover" in error.value.hint


def _read_only_mount(folder: Path) -> Path | None:
    """A read-only tmpfs at ``folder`` holding a copy of nothing yet; None where mounting
    is not allowed (not root)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return None
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "hpx-ro", str(folder)])
    return folder if done.returncode == 0 else None


def test_a_registry_on_a_read_only_file_system_says_so_and_opens_read_only(stored) -> None:
    mount = _read_only_mount(Path(tempfile.mkdtemp()) / "ro")
    if mount is None:
        pytest.skip("mounting a read-only file system needs root")
    try:
        with sqlite3.connect(stored) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copy(stored, mount / "r.db")
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        with pytest.raises(RegistryReadOnlyError) as error:
            hpx.Registry(mount / "r.db")
        assert "read-only" in error.value.message and "server" not in error.value.hint
        url = error.value.hint.split("hpx.Registry(")[1].split(")")[0].strip("'")
        with hpx.Registry(url) as reg:  # the hint's URL reads it
            assert len(reg.studies()) == 3 and len(reg.trials("wine-hgb")) == 8
            with pytest.raises(hpx.RegistryError, match="opened read-only"):
                reg.delete_study("wine-hgb")
    finally:
        subprocess.run(["umount", str(mount)])
