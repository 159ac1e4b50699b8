"""The package's front door: a light import and a stable public API."""

import subprocess
import sys

import hpxplore as hpx

HEAVY = ["ax", "torch", "plotly", "ipywidgets", "sklearn", "sqlalchemy", "pandas"]


def test_import_loads_no_heavy_library():
    code = f"import sys, hpxplore; print([m for m in {HEAVY!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_public_names_resolve():
    for name in hpx.__all__:
        assert getattr(hpx, name) is not None
    assert hpx.Registry.__module__.startswith("hpxplore.registry")


def test_errors_show_message_and_hint():
    error = hpx.HpxploreError("The thing is wrong.", "Call fix_it().")
    assert str(error) == "The thing is wrong.\nHint: Call fix_it()."
    assert issubclass(hpx.InputError, ValueError)
