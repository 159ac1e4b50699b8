"""Everything hpxplore says to Ax: spaces, objectives, constraints, the generation strategy.

This is the one place that builds Ax objects from hpxplore's plain ones. Ax is imported
here lazily (``import ax`` takes seconds) and its per-trial INFO logs are silenced.
"""

from __future__ import annotations

import functools
import hashlib
import json
import keyword
import logging
import math
import re
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hpxplore.objectives import Constraint
from hpxplore.space import Choice, Float, Int, Space
from hpxplore.study._build_lock import clear_stale_build_lock

if TYPE_CHECKING:
    from ax.api.client import Client

__all__ = [
    "AxSettings",
    "ax_name",
    "client_from_snapshot",
    "make_client",
    "snapshot",
    "split_constraints",
]


def _prepare() -> None:
    """Quiet Ax's logs and warnings; clear a build lock that would hang its first model trial."""
    previous = logging.root.manager.disable
    logging.disable(max(previous, logging.INFO))  # Ax logs an INFO line while it is imported
    try:
        from ax.utils.common.logger import set_stderr_log_level
    finally:
        logging.disable(previous)

    set_stderr_log_level(logging.WARNING)
    warnings.filterwarnings("ignore", module=r"ax\..*")
    warnings.filterwarnings("ignore", module=r"botorch\..*")
    warnings.filterwarnings("ignore", module=r"linear_operator\..*")
    clear_stale_build_lock()


_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@functools.lru_cache(maxsize=1024)
def ax_name(metric: str) -> str:
    """The name Ax knows ``metric`` by. Ax parses objectives and constraints with sympy, so a
    name sympy reads as anything but one plain symbol (``val-acc``, ``acc@5``, ``E``,
    ``lambda``, ``1st``) gets a stable stand-in that keeps its letters and a short hash."""
    if _PLAIN.match(metric) and not keyword.iskeyword(metric):
        import sympy

        try:
            if sympy.sympify(metric) == sympy.Symbol(metric):
                return metric
        except (sympy.SympifyError, SyntaxError, TypeError, AttributeError):
            pass
    readable = re.sub(r"[^A-Za-z0-9]+", "_", metric).strip("_")[:40] or "metric"
    return f"m_{readable}_{hashlib.sha1(metric.encode()).hexdigest()[:6]}"


@dataclass(frozen=True)
class AxSettings:
    """What a Study asks of Ax; stored with the study so a resumed one asks the same."""

    name: str
    init_budget: int
    warm_count: int
    seed: int | None
    method: str = "fast"

    @property
    def quasi_random(self) -> int:
        return self.init_budget - self.warm_count


def _parameters(space: Space) -> list[Any]:
    from ax.api.configs import ChoiceParameterConfig, RangeParameterConfig

    configs = []
    for name, param in space.items():
        if isinstance(param, (Float, Int)):
            configs.append(
                RangeParameterConfig(
                    name=name,
                    parameter_type="float" if isinstance(param, Float) else "int",
                    bounds=(param.low, param.high),
                    scaling="log" if param.log else "linear",
                )
            )
        elif isinstance(param, Choice):
            kinds = {type(v) for v in param.values}
            ptype = (
                "bool"
                if kinds == {bool}
                else "int"
                if kinds == {int}
                else "float"
                if kinds <= {int, float}
                else "str"
            )
            values = [str(v) for v in param.values] if ptype == "str" else list(param.values)
            configs.append(
                ChoiceParameterConfig(
                    name=name,
                    parameter_type=ptype,
                    values=values,
                    is_ordered=param.ordered if len(values) > 2 else None,
                )
            )
    return configs


MODEL_NODE = "MBM"  # the node name Ax's own strategy gives its model
# BoTorch's mixed optimizer alternates discrete and continuous steps until no start point
# improves, up to 64 rounds; on a rugged model (the prior's mean, or a model after the prior
# was switched off) some start point nearly always still does (docs/benchmarks.md, "What a
# user waits for"). hpxplore's transfer strategies stop it after this many.
MIXED_OPTIMIZER_ROUNDS = 8


def split_constraints(
    objectives: Mapping[str, str], constraints: Sequence[Constraint]
) -> tuple[list[Constraint], list[Constraint]]:
    """(objective thresholds, outcome constraints) as Ax will hold them.

    With several objectives, Ax turns a constraint on an objective metric into that
    objective's *threshold* (the reference point of the hypervolume); the others stay
    outcome constraints. hpxplore treats both as feasibility rules.
    """
    if len(objectives) < 2:
        return [], list(constraints)
    thresholds = [c for c in constraints if c.metric in objectives]
    return thresholds, [c for c in constraints if c.metric not in objectives]


def make_client(
    settings: AxSettings,
    space: Space,
    objectives: Mapping[str, str],
    constraints: Sequence[Constraint],
) -> Client:
    """A configured ``ax.Client``: experiment, optimization, generation strategy."""
    _prepare()
    from ax.api.client import Client

    client = Client(random_seed=settings.seed)
    client.configure_experiment(name=settings.name, parameters=_parameters(space))
    configure_goals(client, objectives, constraints)
    client.configure_generation_strategy(
        method=settings.method,
        initialization_budget=settings.init_budget,
        initialization_random_seed=settings.seed,
        # the centre point is Ax's cold-start opener; transferred configs replace it
        initialize_with_center=settings.warm_count == 0,
        use_existing_trials_for_initialization=True,
    )
    return client


def configure_goals(
    client: Client, objectives: Mapping[str, str], constraints: Sequence[Constraint]
) -> None:
    """Ax's objectives and outcome constraints (objective thresholds, with several)."""
    objective = ", ".join(
        ("-" if d == "minimize" else "") + ax_name(m) for m, d in objectives.items()
    )
    client.configure_optimization(
        objective=objective,
        outcome_constraints=[f"{ax_name(c.metric)} {c.op} {c.bound!r}" for c in constraints]
        or None,
    )


def mixed_optimizer_alternates(search_space: Any) -> bool:
    """Whether BoTorch's mixed optimizer alternates discrete and continuous steps on Ax's
    ``search_space`` (Ax's and BoTorch's own rules). Integers and ordered choices are its
    discrete dimensions (unordered choices are one-hot floats); it alternates when they have
    more combinations than it enumerates and one of them has few enough values not to be
    relaxed to a continuous one. Otherwise Ax optimizes with plain L-BFGS-B."""
    from ax.core.parameter import ChoiceParameter, ParameterType, RangeParameter
    from botorch.optim.optimize_mixed import (
        ALTERNATING_OPTIMIZER_THRESHOLD,
        MAX_CARDINALITY_FOR_LOCAL_SEARCH,
        MAX_CHOICES_ENUMERATE,
        MAX_DISCRETE_VALUES,
    )

    sizes, continuous = [], False
    for p in search_space.parameters.values():
        if isinstance(p, RangeParameter) and p.parameter_type == ParameterType.INT:
            sizes.append(int(p.upper) - int(p.lower) + 1)
        elif isinstance(p, ChoiceParameter) and p.is_ordered:
            sizes.append(len(p.values))
        elif isinstance(p, (RangeParameter, ChoiceParameter)):
            continuous = True
    if not any(size <= MAX_DISCRETE_VALUES for size in sizes):
        return False
    combinations = math.prod(sizes)
    if continuous:
        return combinations > ALTERNATING_OPTIMIZER_THRESHOLD
    return combinations > MAX_CHOICES_ENUMERATE and max(sizes) > MAX_CARDINALITY_FOR_LOCAL_SEARCH


def cap_mixed_optimizer(client: Client) -> None:
    """Stop BoTorch's mixed optimizer after ``MIXED_OPTIMIZER_ROUNDS`` rounds where it
    alternates on the experiment's space. Elsewhere the option is left out: Ax then
    optimizes with plain L-BFGS-B, which a foreign option takes off BoTorch's batched path
    (its 20 restarts become one problem of up to 2,000 iterations: docs/benchmarks.md), or,
    on a space of integers alone, with a discrete optimizer that refuses any options."""
    strategy = client._generation_strategy
    node = next(n for n in strategy._nodes if n.name == MODEL_NODE)
    gen = node.generator_specs[0].generator_gen_kwargs.setdefault("model_gen_options", {})
    optimizer = gen.setdefault("optimizer_kwargs", {})
    if mixed_optimizer_alternates(client._experiment.search_space):
        optimizer.setdefault("options", {})["maxiter_alternating"] = MIXED_OPTIMIZER_ROUNDS
        return
    options = optimizer.pop("options", {})  # Ax's discrete optimizers refuse even an empty one
    options.pop("maxiter_alternating", None)
    if options:
        optimizer["options"] = options


def restore_default_strategy(
    client: Client, init_budget: int, seed: int | None, method: str
) -> None:
    """Back to Ax's own single-task strategy (after transfer was switched off). The session
    caps its mixed optimizer as under the prior: the model then fits trials the prior
    shaped, and a generation ran 6x the rounds of a cold one (docs/benchmarks.md)."""
    client.configure_generation_strategy(
        method=method,
        initialization_budget=init_budget,
        initialization_random_seed=seed,
        initialize_with_center=False,
        use_existing_trials_for_initialization=True,
    )


def set_search_space(client: Client, space: Space) -> None:
    """Replace the experiment's search space (e.g. widen a narrowed one back)."""
    from ax.api.utils.instantiation.from_config import parameter_from_config
    from ax.core.search_space import SearchSpace

    client._experiment.search_space = SearchSpace(
        parameters=[parameter_from_config(config) for config in _parameters(space)]
    )


def snapshot(client: Client) -> dict[str, Any]:
    """Ax's own JSON snapshot of the client (experiment, data, generation strategy)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "snapshot.json"
        client.save_to_json_file(str(path))
        return json.loads(path.read_text())


def client_from_snapshot(data: Mapping[str, Any]) -> Client:
    _prepare()
    from ax.api.client import Client

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "snapshot.json"
        path.write_text(json.dumps(data))
        return Client.load_from_json_file(str(path))


def log_scaled(client: Client) -> set[str]:
    """The parameters Ax models on a log scale (ranges set so, and the ordered numeric
    choices Ax itself puts on one)."""
    parameters = client._experiment.search_space.parameters
    return {name for name, p in parameters.items() if getattr(p, "log_scale", False)}


def to_ax_config(space: Space, config: Mapping[str, Any]) -> dict[str, Any]:
    """A config in Ax's terms (string-typed choices as strings)."""
    out = {}
    for name, value in config.items():
        param = space[name]
        if isinstance(param, Choice) and any(isinstance(v, str) for v in param.values):
            value = str(value)
        out[name] = value
    return out


def from_ax_config(space: Space, config: Mapping[str, Any]) -> dict[str, Any]:
    """A config from Ax back in the space's own value types."""
    out = {}
    for name, value in config.items():
        param = space.get(name)
        if isinstance(param, Choice):
            value = next((v for v in param.values if str(v) == str(value)), value)
        out[name] = value
    return out
