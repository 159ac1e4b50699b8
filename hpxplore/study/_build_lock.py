"""A stale build lock of BoTorch's fused kernel must not hang a study.

The first time a process asks Ax for a multi-objective model trial, BoTorch compiles a
small C++ kernel with ``torch.utils.cpp_extension.load`` (about 30 s on 2 cores) into a
per-user build folder. Torch guards that build with a lock file and waits for it to
disappear, forever. A process killed mid-build (an interrupted notebook kernel, a
cancelled CI job) leaves the lock behind, and from then on every multi-objective study
on that machine hangs at its first model trial without a word.

Before a study talks to Ax, :func:`clear_stale_build_lock` waits for a lock that a live
build may still be holding, and removes it, saying where and why, once it is older than
any build takes. :func:`announce_build` says so before a study's first multi-objective
model trial when the kernel is not built yet, and :func:`build_kernel` builds it ahead
(``make install`` does, so a notebook never waits on it).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

__all__ = [
    "STALE_AFTER_S",
    "announce_build",
    "build_kernel",
    "build_lock_path",
    "clear_stale_build_lock",
    "kernel_built",
]

log = logging.getLogger(__name__)

EXTENSION = "logei_fused_ext"  # botorch.acquisition.multi_objective.logei
STALE_AFTER_S = 300.0  # ten times the build's time on 2 cores


def build_lock_path() -> Path | None:
    """Where torch keeps the lock of BoTorch's kernel build (honours TORCH_EXTENSIONS_DIR)."""
    try:
        from torch.utils.cpp_extension import _get_build_directory
    except ImportError:  # a torch that lays out its builds differently: nothing to clear
        return None
    return Path(_get_build_directory(EXTENSION, verbose=False)) / "lock"


def clear_stale_build_lock(stale_after_s: float = STALE_AFTER_S, poll_s: float = 0.5) -> bool:
    """Wait for a live build's lock to go; remove it once it is ``stale_after_s`` old.

    Returns True when a stale lock was removed.
    """
    lock = build_lock_path()
    if lock is None:
        return False
    warned = False
    while True:
        try:
            age = time.time() - lock.stat().st_mtime
        except FileNotFoundError:
            return False
        if age >= stale_after_s:
            lock.unlink(missing_ok=True)
            log.warning(
                "Removed %s, a %.0f s old lock of BoTorch's kernel build: a process was "
                "killed while compiling it, and torch would have waited for it forever.",
                lock,
                age,
            )
            return True
        if not warned:
            log.warning(
                "Waiting for %s: another process is compiling BoTorch's kernel, or one was "
                "killed doing so; the lock is removed when it is %.0f s old.",
                lock,
                stale_after_s,
            )
            warned = True
        time.sleep(min(poll_s, stale_after_s - age))


_announced = False


def kernel_built() -> bool:
    """True when BoTorch's kernel is compiled in this machine's build folder."""
    lock = build_lock_path()
    return lock is None or (lock.parent / f"{EXTENSION}.so").exists()


def announce_build() -> None:
    """Say, once per process, that the next model trial first compiles BoTorch's kernel."""
    global _announced
    if _announced or kernel_built():
        return
    _announced = True
    print(
        "hpxplore: the first multi-objective model trial compiles BoTorch's kernel first, "
        "once per machine (about 30 s on 2 cores); `make install` builds it ahead.",
        flush=True,
    )


def build_kernel(*, verbose: bool = False) -> bool:
    """Compile BoTorch's kernel now (what its first use would do); True when it is built."""
    start = time.perf_counter()
    clear_stale_build_lock()
    from botorch.acquisition.multi_objective import logei

    loader = getattr(logei, "_try_load_fused_kernel", None)
    if loader is not None:
        loader()
    built = kernel_built()
    if verbose:
        where = build_lock_path()
        print(
            f"BoTorch's multi-objective kernel is built in {where.parent if where else '?'} "
            f"({time.perf_counter() - start:.0f} s)."
            if built
            else "BoTorch's kernel could not be built (no C++ compiler or ninja?): "
            "multi-objective studies use BoTorch's slower pure-Python path."
        )
    return built
