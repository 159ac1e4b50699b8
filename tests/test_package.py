"""The package's front door: a light import and a stable public API."""

import subprocess
import sys

import pytest

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


@pytest.mark.parametrize(
    "call",
    [
        lambda: hpx.Study("s", {"x": hpx.Float(0, 1)}, {"y": "maximize"}, init_trials=0),
        lambda: hpx.Study("s", {"x": hpx.Float(0, 1)}, {"y": "maximize"}, method="slow"),
        lambda: hpx.Study("s", {"x": hpx.Float(0, 1)}, {"y": "maximize"}).warm_start([], share=2),
        lambda: hpx.Constraint.parse("latency <= abc"),
        lambda: hpx.Constraint.parse("latency <= inf"),
        lambda: hpx.Study("s", {"": hpx.Float(0, 1)}, {"y": "maximize"}),
    ],
    ids=["init_trials", "method", "share", "bound", "infinite bound", "nameless parameter"],
)
def test_every_input_error_says_how_to_fix_it(call):
    with pytest.raises(hpx.InputError) as raised:
        call()
    assert raised.value.hint.strip()  # never an empty hint
