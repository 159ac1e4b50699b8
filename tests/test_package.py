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


def _raises(path):
    """(line, error name, hint node) of every ``raise SomeError(...)`` in a source file."""
    import ast

    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            func = node.exc.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            args = node.exc.args
            hint = (
                args[1]
                if len(args) > 1
                else next((k.value for k in node.exc.keywords if k.arg == "hint"), None)
            )
            yield node.lineno, name, hint


def test_every_raise_in_the_package_is_an_hpxplore_error_with_a_hint():
    import ast
    from pathlib import Path

    import hpxplore.exceptions as errors

    ours = {n for n in errors.__all__ if n.endswith("Error")}
    bad = []
    for path in sorted(Path(hpx.__file__).parent.rglob("*.py")):
        for line, name, hint in _raises(path):
            where = f"{path.name}:{line}"
            if name in ("ValueError", "KeyError", "TypeError", "RuntimeError"):
                bad.append(f"{where} raises a bare {name}")
            elif name in ours and (
                hint is None or (isinstance(hint, ast.Constant) and not str(hint.value).strip())
            ):
                bad.append(f"{where} raises {name} without a hint")
    assert not bad, bad
