"""Ax's transfer-learning surrogate: a multi-task GP over prior studies' trials.

Each prior study (from the registry) becomes an Ax experiment of its own, rebuilt from
its stored trials, and is attached to the new study's experiment as a transferable
auxiliary source. The generation strategy runs the quasi-random part of the initial
design, then Ax's BOTL node: a ``MultiTaskGP`` over target and sources, with Ax's
cross-validated model selection against a single-task GP, so a source that does not
help is dropped (``use_model_selection=True``).

Ax's JSON snapshot does not keep auxiliary experiments, so a resumed study rebuilds them
from the registry (:func:`attach_sources`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from hpxplore.objectives import Constraint
from hpxplore.registry import StudyRecord
from hpxplore.space import Choice, Space, parse_space
from hpxplore.study import _ax

__all__ = ["attach_sources", "transfer_generation_strategy"]


def _source_space(record: StudyRecord, target: Space) -> Space:
    """The source's parameters that the target has too, with the source's own ranges."""
    shared = {n: p for n, p in record.space.items() if n in target and p.kind == target[n].kind}
    return parse_space(shared)


def _source_client(
    record: StudyRecord,
    target: Space,
    objectives: Mapping[str, str],
    constraints: Sequence[Constraint],
) -> Any:
    space = _source_space(record, target)
    metrics = [m for m in list(objectives) + [c.metric for c in constraints] if m in record.trials]
    settings = _ax.AxSettings(f"source:{record.name}", init_budget=1, warm_count=1, seed=0)
    client = _ax.make_client(
        settings,
        space,
        {m: d for m, d in objectives.items() if m in metrics},
        [c for c in constraints if c.metric in metrics],
    )
    for row in record.completed.to_dict("records"):
        config = {}
        for name, param in space.items():
            value = row.get(name)
            if value is None or (isinstance(value, float) and math.isnan(value)):
                break
            if isinstance(param, Choice) and value not in param.values:
                break
            config[name] = value
        else:
            values = {
                m: float(row[m])
                for m in metrics
                if row.get(m) is not None and math.isfinite(float(row[m]))
            }
            if len(values) == len(metrics):
                index = client.attach_trial(_ax.to_ax_config(space, config))
                client.complete_trial(index, raw_data=values)
    return client


def attach_sources(
    client: Any,
    sources: Sequence[StudyRecord],
    target: Space,
    objectives: Mapping[str, str],
    constraints: Sequence[Constraint],
) -> list[str]:
    """Attach prior studies to ``client``'s experiment as transferable sources."""
    from ax.core.auxiliary import AuxiliaryExperimentPurpose
    from ax.core.auxiliary_source import AuxiliarySource

    purpose = AuxiliaryExperimentPurpose.TRANSFERABLE_EXPERIMENT
    present = {
        aux.experiment.name
        for aux in client._experiment.auxiliary_experiments_by_purpose.get(purpose, [])
    }
    attached = []
    for record in sources:
        if f"source:{record.name}" in present:  # kept by the snapshot
            attached.append(record.name)
            continue
        if not set(objectives) & set(record.objectives):
            continue
        source = _source_client(record, target, objectives, constraints)
        if not source._experiment.trials:
            continue
        client._experiment.add_auxiliary_experiment(
            purpose, AuxiliarySource(experiment=source._experiment)
        )
        attached.append(record.name)
    return attached


def transfer_generation_strategy(quasi_random: int, seed: int | None) -> Any:
    """Sobol for the rest of the initial design, then BOTL with model selection."""
    from ax.adapter.registry import Generators
    from ax.adapter.transfer_learning import transfer_learning_generator_specs_constructor
    from ax.generation_strategy.generation_node import GenerationNode
    from ax.generation_strategy.generation_strategy import GenerationStrategy
    from ax.generation_strategy.generator_spec import GeneratorSpec
    from ax.generation_strategy.transition_criterion import MinTrials

    specs, selector = transfer_learning_generator_specs_constructor(use_model_selection=True)
    tl = GenerationNode(name="MultiTaskGP", generator_specs=specs, best_model_selector=selector)
    if quasi_random <= 0:
        return GenerationStrategy(name="MultiTaskGP", nodes=[tl])
    sobol = GenerationNode(
        name="Sobol",
        generator_specs=[GeneratorSpec(Generators.SOBOL, generator_kwargs={"seed": seed})],
        transition_criteria=[
            MinTrials(
                threshold=quasi_random, transition_to="MultiTaskGP", use_all_trials_in_exp=False
            )
        ],
    )
    return GenerationStrategy(name="Sobol+MultiTaskGP", nodes=[sobol, tl])
