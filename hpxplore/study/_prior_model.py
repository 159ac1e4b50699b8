"""The transfer prior inside Ax's model: a GP whose mean is what similar prior studies say.

``PriorGP`` is BoTorch's ``SingleTaskGP`` with one change, its mean: ``c + a * p(x)``, where
``p`` is a weighted sum of one GP per prior study (fitted once per run on that study's
normal scores, ``transfer._prior``), and ``c``, ``a >= 0`` the least-squares fit of the
task's standardized values on ``p`` at its trials; Ax then fits the kernel as for any GP,
which so models what the prior studies did not foresee: the stacked residual idea of
Google Vizier (Golovin et al. 2017).

The weights are RGPE's (Feurer et al. 2018), recomputed at every fit from the new task's
own trials: each study's GP and the task's own leave-one-out GP rank those trials; a
study's weight is the chance (over posterior samples) that it ranks them best, and a study
that ranks them worse than the task's own model almost always does is dropped (weight 0).
With every study dropped, the mean is a constant and the model is Ax's cold GP: this is the
negative-transfer guard, and each fit's weights are recorded on the prior (study events).

It plugs into Ax's modular BoTorch generator (``Generators.BOTORCH_MODULAR``) through a
``ModelConfig``; one model per metric, so objectives and constraints all get their prior.
"""

from __future__ import annotations

import math
import uuid
import weakref
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np

from hpxplore.exceptions import HpxploreError
from hpxplore.space import Choice, Space
from hpxplore.transfer._prior import TransferPrior

__all__ = [
    "PRIOR_NODE",
    "THIS_TASK",
    "PriorHandle",
    "features",
    "model_class",
    "point_to",
    "prior_generation_strategy",
    "rgpe_weights",
]

PRIOR_NODE = "MBM"  # the node name Ax's own strategy gives its model
THIS_TASK = "(this task)"
_SAMPLES = 256
_MIN_SHARE = 0.02  # studies with less of the prior's weight are left out of its mean
_NOISE = 1e-2  # of a prior study's normal scores (variance)
_PAD_NOISE = 1e6
_DROP_QUANTILE = 95.0  # a study whose median loss is above this percentile of the task's
_CLASS: Any = None


class PriorHandle:
    """One study's transfer prior as its Ax models read it: held by the study (its
    ``TransferPolicy``), with the studies' GPs fitted for it. Ax names a model's options in
    its JSON snapshot, so the model finds the handle by ``key``, unique to this handle."""

    def __init__(self, prior: TransferPrior, log_scaled: Collection[str] = ()) -> None:
        self.prior, self.log_scaled = prior, frozenset(log_scaled)
        self.key = f"prior-{uuid.uuid4().hex}"
        self.fitted: dict[tuple[str, tuple[str, ...]], _Stack] = {}  # (metric, features)
        _HANDLES[self.key] = self

    def stack(self, metric: str, names: tuple[str, ...]) -> _Stack:
        if (metric, names) not in self.fitted:
            self.fitted[metric, names] = _Stack(self.prior, metric, names, self.log_scaled)
        return self.fitted[metric, names]


# The handles alive, by key: weak, so a handle goes with the study that holds it.
_HANDLES: weakref.WeakValueDictionary[str, PriorHandle] = weakref.WeakValueDictionary()


def _study_metric(prior: TransferPrior, name: str) -> str:
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


def features(
    configs: Sequence[Mapping[str, Any]],
    space: Space,
    names: Sequence[str],
    log_scaled: Collection[str] = (),
) -> np.ndarray:
    """Configs as Ax's model inputs before normalization: log10 where Ax models a parameter
    on a log scale, one-hot choices as ``<name>_OH_PARAM_<index>``, other ordered choices as
    their value (numbers) or index."""
    columns = []
    for name in names:
        if "_OH_PARAM_" in name:
            param, index = name.rsplit("_OH_PARAM_", 1)
            value = space[param].values[int(index)]
            columns.append([float(c[param] == value) for c in configs])
            continue
        param = space[name]
        if isinstance(param, Choice) and not all(isinstance(v, (int, float)) for v in param.values):
            columns.append([float(param.values.index(c[name])) for c in configs])
        else:
            log = name in log_scaled
            columns.append([math.log10(c[name]) if log else float(c[name]) for c in configs])
    return np.array(columns, dtype=float).T


def _bounds(space: Space, names: Sequence[str], log_scaled: Collection[str]) -> np.ndarray:
    """(2, features): each feature's range in :func:`features`'s units."""
    lows, highs = [], []
    for name in names:
        if "_OH_PARAM_" in name:
            low, high = 0.0, 1.0
        else:
            param = space[name]
            values = param.values if isinstance(param, Choice) else (param.low, param.high)
            ends = features(
                [{name: min(values)}, {name: max(values)}]
                if all(isinstance(v, (int, float)) for v in values)
                else [{name: values[0]}, {name: values[-1]}],
                space,
                [name],
                log_scaled,
            )[:, 0]
            low, high = float(ends.min()), float(ends.max())
        lows.append(low)
        highs.append(high if high > low else low + 1.0)
    return np.array([lows, highs])


class _Stack:
    """Every prior study's GP for one metric, as one batched BoTorch ``SingleTaskGP``.

    Study ``i`` is batch ``i``: its configs in the unit cube and their normal scores, with
    a fixed noise (``_NOISE``; scores are ranks, not measurements). Studies with fewer
    trials are padded to the largest with points of huge noise, which the GP ignores, so
    that one marginal-likelihood fit gives every study its own lengthscales. The posterior
    mean ``m + k(x, X) @ alpha`` is then computed for all studies at once (:meth:`mean`).
    """

    def __init__(
        self,
        prior: TransferPrior,
        metric: str,
        names: Sequence[str],
        log_scaled: Collection[str] = (),
    ) -> None:
        import torch
        from botorch.fit import fit_gpytorch_mll
        from botorch.models import SingleTaskGP
        from gpytorch.kernels import RBFKernel, ScaleKernel
        from gpytorch.mlls import ExactMarginalLogLikelihood

        bounds = _bounds(prior.space, names, log_scaled)
        self.low = torch.tensor(bounds[0], dtype=torch.double)
        self.width = torch.tensor(bounds[1] - bounds[0], dtype=torch.double)
        used = [s for s in prior.sources if metric in s.scores]
        self.studies = [s.study for s in used]
        self.similarity = [s.similarity for s in used]
        self.model: Any = None
        if not used:
            return
        n = max(len(s.configs) for s in used)
        X = torch.zeros(len(used), n, len(names), dtype=torch.double)
        y = torch.zeros(len(used), n, 1, dtype=torch.double)
        noise = torch.full((len(used), n, 1), _PAD_NOISE, dtype=torch.double)
        for i, source in enumerate(used):
            rows = self._unit(
                torch.tensor(features(source.configs, prior.space, names, log_scaled))
            )
            X[i, : len(rows)], X[i, len(rows) :] = rows, rows[0]
            y[i, : len(rows), 0] = torch.tensor(source.scores[metric], dtype=torch.double)
            noise[i, : len(rows)] = _NOISE
        model = SingleTaskGP(X, y, noise, outcome_transform=None)
        fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
        model.eval()
        for parameter in model.parameters():
            parameter.requires_grad_(False)
        kernel, outputscale = model.covar_module, torch.ones(len(used), dtype=torch.double)
        if isinstance(kernel, ScaleKernel):
            kernel, outputscale = kernel.base_kernel, kernel.outputscale.detach().reshape(-1)
        if not isinstance(kernel, RBFKernel):
            raise HpxploreError(
                f"The transfer prior expects BoTorch's RBF kernel, got {type(kernel).__name__}.",
                "Run the study with transfer=None, and report this with your BoTorch version.",
            )
        self.model, self.X = model, X
        self.lengthscale = kernel.lengthscale.detach().reshape(len(used), -1)  # (S, d)
        self.outputscale = outputscale
        self.constant = model.mean_module.constant.detach().reshape(-1)
        K = outputscale[:, None, None] * self._kernel(X, X)
        K = K + torch.diag_embed(noise.squeeze(-1))
        target = (y.squeeze(-1) - self.constant[:, None]).unsqueeze(-1)
        self.alpha = torch.linalg.solve(K, target).squeeze(-1)  # (S, n)

    def _unit(self, raw: Any) -> Any:
        return (raw - self.low) / self.width

    def _kernel(self, a: Any, b: Any, keep: Any = slice(None)) -> Any:
        """RBF between ``a`` (..., S, n, d) and each study's ``b`` (S, N, d)."""
        import torch

        scale = self.lengthscale[keep][:, None, :]
        a, b = a / scale, b / scale
        square = (a**2).sum(-1).unsqueeze(-1) + (b**2).sum(-1).unsqueeze(-2)
        return torch.exp(-0.5 * (square - 2 * a @ b.transpose(-1, -2)).clamp_min(0))

    def mean(self, raw: Any, keep: Any = slice(None)) -> Any:
        """(studies in ``keep``, *batch, n): their posterior means at the raw features."""
        x = self._unit(raw).unsqueeze(-3)  # (*batch, 1, n, d)
        k = self.outputscale[keep][:, None, None] * self._kernel(x, self.X[keep], keep)
        value = (k @ self.alpha[keep].unsqueeze(-1)).squeeze(-1) + self.constant[keep][:, None]
        return value.movedim(-2, 0)

    def samples(self, raw: Any, count: int, seed: int) -> np.ndarray:
        """(studies, count, n) posterior samples of each study's GP at ``raw``."""
        import torch

        with torch.random.fork_rng():
            torch.manual_seed(seed)
            draws = self.model.posterior(self._unit(raw)).rsample(torch.Size([count]))
        return draws.squeeze(-1).movedim(1, 0).detach().numpy()


def _ranking_losses(draws: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(models, samples): pairs of the task's trials each draw orders differently from ``y``."""
    truth = np.sign(y[:, None] - y[None, :])
    guess = np.sign(draws[..., :, None] - draws[..., None, :])
    upper = np.triu(np.ones((len(y), len(y)), dtype=bool), 1)
    return ((guess != truth) & upper).sum(axis=(-1, -2))


def _loo_draws(
    unit: np.ndarray, y: np.ndarray, lengthscale: np.ndarray, count: int, rng: Any
) -> np.ndarray:
    """(count, n) draws of the task's leave-one-out predictions, from a GP on its own trials
    with the prior studies' median lengthscales (closed form, no fit)."""
    z = (y - y.mean()) / (y.std() or 1.0)
    diff = (unit[:, None, :] - unit[None, :, :]) / lengthscale
    K = np.exp(-0.5 * (diff**2).sum(-1)) + 1e-2 * np.eye(len(z))
    inverse = np.linalg.inv(K)
    diag = np.diag(inverse)
    mean = z - (inverse @ z) / diag
    sd = np.sqrt(1.0 / diag)
    return mean + sd * rng.standard_normal((count, len(z)))


def rgpe_weights(stack: _Stack, raw: Any, y: np.ndarray, seed: int = 0) -> dict[str, float]:
    """Each prior study's weight and the task's own (``THIS_TASK``), from the task's trials."""
    if len(y) < 3 or not stack.studies:
        total = sum(stack.similarity) or 1.0
        weights = {s: w / total for s, w in zip(stack.studies, stack.similarity, strict=True)}
        return {**weights, THIS_TASK: 0.0}
    rng = np.random.default_rng(seed)
    sources = _ranking_losses(stack.samples(raw, _SAMPLES, seed), y)  # (S, samples)
    lengthscale = np.median(stack.lengthscale.numpy(), axis=0)
    unit = stack._unit(raw).numpy()
    own = _ranking_losses(_loo_draws(unit, y, lengthscale, _SAMPLES, rng)[None], y)[0]
    keep = np.median(sources, axis=1) <= np.percentile(own, _DROP_QUANTILE)
    losses = np.vstack([np.where(keep[:, None], sources, np.inf), own[None]])
    best = losses == losses.min(axis=0, keepdims=True)
    share = (best / best.sum(axis=0, keepdims=True)).mean(axis=1)
    weights = dict(zip(stack.studies, map(float, share[:-1]), strict=True))
    return {**weights, THIS_TASK: float(share[-1])}


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

        def __init__(self, stack: _Stack, weights: Any, raw_X: Any, z: Any) -> None:
            super().__init__()
            self._stack = [stack]  # a list, so that the studies' GPs are not trained here
            self._keep = torch.nonzero(weights > 0).reshape(-1)  # only these are computed
            self.register_buffer("weights", weights[self._keep])
            self._untransform: Any = None
            self._cached: tuple[Any, Any] | None = None
            p = self._weighted(raw_X)
            spread = float(((p - p.mean()) ** 2).mean())
            fit = float(((p - p.mean()) * (z - z.mean())).mean()) / spread if spread > 0 else 0
            scale = max(0.0, fit)
            self.register_buffer("scale", torch.tensor(scale, dtype=torch.double))
            self.register_buffer("constant", z.mean() - scale * p.mean())

        def _weighted(self, raw: Any) -> Any:
            means = self._stack[0].mean(raw, self._keep)  # (S, *batch, n)
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
            found = handle.prior
            metric = _study_metric(found, training_data.outcome_names[0])
            stack = handle.stack(metric, tuple(training_data.feature_names))
            if not stack.studies:
                return inputs
            y = training_data.Y.squeeze(-1).detach().numpy()
            weights = rgpe_weights(stack, training_data.X, y, seed=len(y))
            found.record_weights(metric, len(y), weights)
            shares = np.array([weights[s] for s in stack.studies])
            shares = np.where(shares >= _MIN_SHARE * shares.sum(), shares, 0.0)
            if shares.sum() <= 0:
                return inputs  # every study dropped: Ax's cold GP
            z = torch.tensor((y - y.mean()) / (y.std() or 1.0), dtype=torch.double)
            shares = torch.tensor(shares / shares.sum(), dtype=torch.double)
            inputs["mean_module"] = PriorMean(stack, shares, training_data.X, z)
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
    return strategy
