"""A lock left by a killed build of BoTorch's kernel does not hang a study.

This happened: a CI run killed while torch compiled the kernel left the lock behind, and
the next run's first multi-objective model trial waited on it until CI's time ran out.
"""

from __future__ import annotations

import logging
import os
import threading
import time

import pytest

import hpxplore as hpx
from hpxplore.study._build_lock import build_lock_path, clear_stale_build_lock
from tests.study import objectives as obj


@pytest.fixture
def lock(tmp_path, monkeypatch):
    """The kernel's lock path inside a build folder of this test's own."""
    monkeypatch.setenv("TORCH_EXTENSIONS_DIR", str(tmp_path))
    path = build_lock_path()
    assert path is not None and path.is_relative_to(tmp_path)
    return path


def _age(path, seconds: float) -> None:
    past = time.time() - seconds
    os.utime(path, (past, past))


def test_a_stale_lock_is_removed_with_a_warning_that_names_it(lock, caplog):
    lock.touch()
    _age(lock, 3600)
    with caplog.at_level(logging.WARNING, logger="hpxplore.study._build_lock"):
        assert clear_stale_build_lock() is True
    assert not lock.exists()
    assert str(lock) in caplog.text and "killed while compiling" in caplog.text


def test_no_lock_no_wait(lock, caplog):
    start = time.monotonic()
    assert clear_stale_build_lock() is False
    assert time.monotonic() - start < 1 and caplog.text == ""


def test_a_live_build_is_waited_for_and_its_lock_left_to_it(lock, caplog):
    lock.touch()
    threading.Timer(0.3, lock.unlink).start()  # the build finishes and releases its lock
    with caplog.at_level(logging.WARNING, logger="hpxplore.study._build_lock"):
        assert clear_stale_build_lock(stale_after_s=30, poll_s=0.05) is False
    assert "Waiting for" in caplog.text and "Removed" not in caplog.text


def test_a_fresh_lock_that_never_goes_is_removed_once_it_is_stale(lock):
    lock.touch()
    start = time.monotonic()
    assert clear_stale_build_lock(stale_after_s=0.5, poll_s=0.05) is True
    assert 0.3 < time.monotonic() - start < 5 and not lock.exists()


def test_a_study_clears_the_stale_lock_before_it_asks_ax(lock):
    lock.touch()
    _age(lock, 3600)
    study = hpx.Study(
        "two-objectives",
        obj.SPACE,
        {"accuracy": "maximize", "fit_ms": "minimize"},
        seed=0,
        init_trials=3,
    )
    study.run(obj.logistic, n_trials=1, executor="inline", progress=False)
    assert not lock.exists() and len(study.trials) == 1


def test_a_kernel_not_built_yet_is_announced_once_before_it_compiles(lock, capsys, monkeypatch):
    from hpxplore.study import _build_lock

    monkeypatch.setattr(_build_lock, "_announced", False)
    assert not _build_lock.kernel_built()
    _build_lock.announce_build()
    _build_lock.announce_build()
    said = capsys.readouterr().out
    assert said.count("compiles BoTorch's kernel first, once per machine (about 30 s") == 1
    lock.parent.mkdir(parents=True, exist_ok=True)
    (lock.parent / "logei_fused_ext.so").write_bytes(b"")
    monkeypatch.setattr(_build_lock, "_announced", False)
    assert _build_lock.kernel_built()
    _build_lock.announce_build()  # built: nothing to say
    assert capsys.readouterr().out == ""
