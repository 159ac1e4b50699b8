"""The transfer prior inside Ax's model: a GP whose mean is what similar prior studies say.

``PriorGP`` is BoTorch's ``SingleTaskGP`` with one change, its mean: ``c + a * p(x)``, where
``p`` is the weighted mean of the prior studies' GPs of ``transfer._prior_model`` (the one
model of the prior studies that ``recommend`` also picks with), evaluated in torch from its
fitted data so that Ax's acquisition can follow its gradient; ``c``, ``a >= 0`` are the
least-squares fit of the task's standardized values on ``p`` at its trials. Ax then fits
the kernel as for any GP, which so models what the prior studies did not foresee: the
stacked residual idea of Google Vizier (Golovin et al. 2017).

The weights are that model's, recomputed at every fit from the new task's own trials (the
study's guard logs the same weights as events); a study with less than ``_MIN_SHARE`` of
them is left out, and with every study out the mean is a constant and the model is Ax's
cold GP.

It plugs into Ax's modular BoTorch generator (``Generators.BOTORCH_MODULAR``) through a
``ModelConfig``; one model per metric, so objectives and constraints all get their prior.
"""

from __future__ import annotations

import math
import uuid
import weakref
from collections.abc import Collection, Sequence
from typing import Any

import numpy as np

from hpxplore.space import Choice, Space
from hpxplore.study._ax import MODEL_NODE
from hpxplore.transfer._prior_model import MetricGPs, PriorModel

__all__ = ["PRIOR_NODE", "PriorHandle", "model_class", "point_to", "prior_generation_strategy"]

PRIOR_NODE = MODEL_NODE
_MIN_SHARE = 0.02  # studies with less of the prior's weight are left out of its mean
_CLASS: Any = None


class PriorHandle:
    """One study's model of its prior studies as its Ax models read it: held by the study
    (its ``TransferPolicy``). Ax names a model's options in its JSON snapshot, so the model
    finds the handle by ``key``, unique to this handle."""

    def __init__(self, model: PriorModel, log_scaled: Collection[str] = ()) -> None:
        self.model, self.log_scaled = model, frozenset(log_scaled)
        self.key = f"prior-{uuid.uuid4().hex}"
        _HANDLES[self.key] = self

    @property
    def prior(self) -> Any:
        return self.model.prior


# The handles alive, by key: weak, so a handle goes with the study that holds it.
_HANDLES: weakref.WeakValueDictionary[str, PriorHandle] = weakref.WeakValueDictionary()


def _study_metric(prior: Any, name: str) -> str:
    """The study's name of the metric Ax calls ``name`` (see ``_ax.ax_name``)."""
    from hpxplore.study._ax import ax_name

    metrics = {m for source in prior.sources for m in source.scores}
    return next((m for m in metrics if ax_name(m) == name), name)


def point_to(strategy: Any, handle: PriorHandle) -> None:
    """Make a generation strategy read from Ax's snapshot use ``handle`` (the one the
    snapshot names was another process's, or another study object's)."""
    for node in strategy._nodes:
        for spec in node.generator_specs:
            surrogate = spec.generator_kwargs.get("surrogate_spec")
            for config in getattr(surrogate, "model_configs", None) or []:
                if "prior" in (config.model_options or {}):
                    config.model_options["prior"] = handle.key


class Encoder:
    """Ax's model inputs (its feature names: log10 where Ax models a parameter on a log
    scale, one-hot choices as ``<name>_OH_PARAM_<index>``, other choices as their value or
    index) as the columns of ``_mapping.encode``, in torch."""

    def __init__(self, space: Space, names: Sequence[str], log_scaled: Collection[str]) -> None:
        self.steps: list[tuple[str, Any]] = []
        column = {name: i for i, name in enumerate(names)}
        for name, param in space.items():
            if isinstance(param, Choice):
                hot = [column.get(f"{name}_OH_PARAM_{i}") for i in range(len(param.values))]
                if all(i is not None for i in hot):
                    self.steps += [("copy", i) for i in hot]
                    continue
                numeric = all(isinstance(v, (int, float)) for v in param.values)
                levels = (
                    [math.log10(v) if name in log_scaled else float(v) for v in param.values]
                    if numeric
                    else [float(i) for i in range(len(param.values))]
                )
                self.steps += [("level", (column[name], levels, j)) for j in range(len(levels))]
            else:
                log_ax, log_space = name in log_scaled, param.log
                if log_ax or log_space:
                    low, high = math.log10(param.low), math.log10(param.high)
                else:
                    low, high = float(param.low), float(param.high)
                convert = "log10" if log_space and not log_ax else "none"
                self.steps.append(("range", (column[name], low, high - low or 1.0, convert)))

    def __call__(self, raw: Any) -> Any:
        import torch

        columns = []
        for kind, spec in self.steps:
            if kind == "copy":
                columns.append(raw[..., spec])
            elif kind == "level":
                i, levels, j = spec
                nearest = torch.stack([(raw[..., i] - v).abs() for v in levels]).argmin(0)
                columns.append((nearest == j).to(raw.dtype))
            else:
                i, low, width, convert = spec
                x = raw[..., i]
                x = torch.log10(x.clamp_min(1e-300)) if convert == "log10" else x
                columns.append((x - low) / width)
        return torch.stack(columns, dim=-1)


def _studies_mean(gps: MetricGPs, keep: np.ndarray) -> Any:
    """A torch function: the posterior means (S kept, *batch, n) of the kept studies' GPs
    at encoded inputs (*batch, n, D), from the model's fitted data."""
    import torch

    X = torch.tensor(gps.X[keep])  # (S, N, D)
    alpha = torch.tensor(np.where(gps.valid[keep], gps.alpha[keep], 0.0))
    scale = torch.tensor(gps.lengthscale[keep])[:, None, :]

    def mean(z: Any) -> Any:
        a = z.unsqueeze(-3) / scale  # (*batch, S, n, D)
        b = X / scale
        square = (a**2).sum(-1).unsqueeze(-1) + (b**2).sum(-1).unsqueeze(-2)
        k = torch.exp(-0.5 * (square - 2 * a @ b.transpose(-1, -2)).clamp_min(0))
        value = (k @ alpha.unsqueeze(-1)).squeeze(-1)
        return value.movedim(-2, 0)

    return mean


def model_class() -> Any:
    """``PriorGP``, defined on first use (BoTorch is imported lazily) and known to Ax's
    storage, so that a study's snapshot with this model saves and loads."""
    global _CLASS
    if _CLASS is not None:
        return _CLASS
    import torch
    from ax.storage.botorch_modular_registry import register_model
    from botorch.models import SingleTaskGP
    from gpytorch.means import Mean

    class PriorMean(Mean):
        """``c + a * sum_i w_i p_i(x)``: the prior studies' weighted posterior means, with
        ``c`` and ``a >= 0`` the least-squares fit of the task's standardized values on the
        prior at its trials (fixed: the GP's own fit then models only the residual)."""

        def __init__(
            self, gps: MetricGPs, weights: np.ndarray, encoder: Encoder, raw_X: Any, z: Any
        ) -> None:
            super().__init__()
            keep = np.flatnonzero(weights > 0)
            self.studies = [gps.studies[i] for i in keep]  # the prior studies it reads
            self._means = _studies_mean(gps, keep)  # plain tensors: not trained here
            self._encoder = encoder
            self.register_buffer("weights", torch.tensor(weights[keep], dtype=torch.double))
            self._untransform: Any = None
            self._cached: tuple[Any, Any] | None = None
            p = self._weighted(raw_X)
            spread = float(((p - p.mean()) ** 2).mean())
            fit = float(((p - p.mean()) * (z - z.mean())).mean()) / spread if spread > 0 else 0
            scale = max(0.0, fit)
            self.register_buffer("scale", torch.tensor(scale, dtype=torch.double))
            self.register_buffer("constant", z.mean() - scale * p.mean())

        def _weighted(self, raw: Any) -> Any:
            means = self._means(self._encoder(raw))  # (S, *batch, n)
            return torch.tensordot(self.weights, means, dims=([0], [0]))

        def forward(self, x: Any) -> Any:
            """At the same inputs again (the training inputs, at every step of the GP's
            fit) the prior is answered from a cache."""
            if self._cached is not None and not x.requires_grad:
                last, value = self._cached
                if last.shape == x.shape and torch.equal(last, x):
                    return value
            raw = x if self._untransform is None else self._untransform(x)
            value = self.constant + self.scale * self._weighted(raw)
            if not x.requires_grad:
                self._cached = (x.detach().clone(), value.detach())
            return value

    class PriorGP(SingleTaskGP):
        """Ax's single-task GP with the transfer prior as its mean (see the module doc)."""

        @classmethod
        def construct_inputs(
            cls, training_data: Any, *, prior: str = "", **kwargs: Any
        ) -> dict[str, Any]:
            inputs = super().construct_inputs(training_data, **kwargs)
            handle = _HANDLES.get(prior)
            if handle is None:
                return inputs
            metric = _study_metric(handle.prior, training_data.outcome_names[0])
            gps = handle.model.gps(metric)
            if gps is None:
                return inputs
            encoder = Encoder(handle.model.space, training_data.feature_names, handle.log_scaled)
            y = training_data.Y.squeeze(-1).detach().numpy()
            Z = encoder(training_data.X).detach().numpy()
            weights = gps.weights(Z, y, seed=len(y))
            shares = np.array([weights[s] for s in gps.studies])
            shares = np.where(shares >= _MIN_SHARE * shares.sum(), shares, 0.0)
            if shares.sum() <= 0:
                return inputs  # every study dropped: Ax's cold GP
            z = torch.tensor((y - y.mean()) / (y.std() or 1.0), dtype=torch.double)
            inputs["mean_module"] = PriorMean(
                gps, shares / shares.sum(), encoder, training_data.X, z
            )
            return inputs

        def __init__(
            self,
            train_X: Any,
            train_Y: Any,
            train_Yvar: Any = None,
            likelihood: Any = None,
            covar_module: Any = None,
            mean_module: Any = None,
            outcome_transform: Any = None,
            input_transform: Any = None,
        ) -> None:
            kwargs = {} if outcome_transform is None else {"outcome_transform": outcome_transform}
            super().__init__(
                train_X,
                train_Y,
                train_Yvar,
                likelihood=likelihood,
                covar_module=covar_module,
                mean_module=mean_module,
                input_transform=input_transform,
                **kwargs,
            )
            if isinstance(self.mean_module, PriorMean) and input_transform is not None:
                self.mean_module._untransform = input_transform.untransform

        def load_state_dict(self, state_dict: Any, *args: Any, **kwargs: Any) -> Any:
            """Another fit's state (Ax's cross-validation folds reuse the full fit's), with
            this model's own mean: the prior is rebuilt from each fit's data, and on a fold
            where every study dropped out the mean is Ax's constant one (or the reverse)."""
            own = {k: v for k, v in self.state_dict().items() if k.startswith("mean_module.")}
            state = {k: v for k, v in state_dict.items() if not k.startswith("mean_module.")}
            return super().load_state_dict({**state, **own}, *args, **kwargs)

    register_model(PriorGP)
    _CLASS = PriorGP
    return PriorGP


def prior_generation_strategy(settings: Any, handle: PriorHandle) -> Any:
    """Ax's own strategy (Sobol for the rest of the initial design, then its modular BoTorch
    generator), with ``PriorGP`` as the model of every metric."""
    from ax.api.utils.generation_strategy_dispatch import choose_generation_strategy
    from ax.api.utils.structs import GenerationStrategyDispatchStruct
    from ax.generators.torch.botorch_modular.surrogate import ModelConfig, SurrogateSpec

    config = ModelConfig(
        botorch_model_class=model_class(),
        model_options={"prior": handle.key},
        name="transfer prior",
    )
    struct = GenerationStrategyDispatchStruct(
        method="custom",
        initialization_budget=settings.init_budget,
        initialization_random_seed=settings.seed,
        initialize_with_center=settings.warm_count == 0,
        use_existing_trials_for_initialization=True,
    )
    strategy = choose_generation_strategy(struct, model_config=config)
    node = next(n for n in strategy._nodes if n.name == PRIOR_NODE)
    kwargs = node.generator_specs[0].generator_kwargs
    kwargs["surrogate_spec"] = SurrogateSpec(model_configs=[config], allow_batched_models=False)
    return strategy  # the session caps its mixed optimizer (the prior's rugged mean)
