"""The one model of the prior studies: what they say about the new task, as plain data.

Per modelled metric, one GP per prior study (``_prior``: its trials' normal scores, so
tasks on different scales pool), each with its own lengthscales and noise, fitted together
by maximum a posteriori (one L-BFGS run over the summed, independent likelihoods) with
BoTorch's defaults: its log-normal priors (the lengthscales' scaled with the dimension), no
outputscale, started from the priors' modes. Configs are encoded once, by
``_mapping.encode`` (the unit cube, choices one-hot).

The studies' *weights* start from their similarity and move with the new task's own trials
(RGPE, Feurer et al. 2018): over posterior samples, the share of draws in which a study
orders those trials best, the task's own leave-one-out GP competing; ties go by similarity,
and a study that orders them worse than the task's own model does in most draws is dropped
(stricter than the paper's 95th percentile, which with 20 interpolating GPs hardly fires).
Everything that reads the prior studies reads this model: ``recommend`` (generating,
ordering and projecting its picks), the mean of Ax's GP in ``study/`` (one objective), and the one
negative-transfer decision (:meth:`PriorModel.verdict`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.stats import norm

from hpxplore.transfer._mapping import encode
from hpxplore.transfer._prior import TransferPrior

__all__ = ["PRIOR_SHARE_OFF", "THIS_TASK", "MetricGPs", "PriorModel", "Verdict"]

THIS_TASK = "(this task)"
PRIOR_SHARE_OFF = 0.1  # the prior studies' weight below which transfer is switched off
MIN_TRIALS_OFF = 5  # the task's completed trials before the weights can switch it off
STREAK = 4  # ... and after how many trials in a row below it (calibrated: guard.md)
_SAMPLES = 256
_DROP_QUANTILE = 50.0  # a study whose median loss is above this percentile of the task's
# own model's losses is dropped (calibrated with STREAK: guard.md)
_PAD_NOISE = 1e6  # padding rows (studies with fewer trials) are ignored through this noise
_BOUNDS = {"lengthscale": (0.025, 50.0), "noise": (1e-4, 1.0)}
_NOISE_PRIOR = (-4.0, 1.0)  # BoTorch's log-normal noise prior: (loc, scale) of the log


@dataclass
class MetricGPs:
    """Every prior study's GP for one metric (scores: high = a high value of the metric).

    Study ``i`` is batch row ``i``; rows past a study's own trials are padding."""

    metric: str
    studies: list[str]
    similarity: np.ndarray  # (S,)
    X: np.ndarray  # (S, n, D) encoded configs
    valid: np.ndarray  # (S, n) False on padding
    lengthscale: np.ndarray  # (S, D); no outputscale: normal scores have unit variance
    noise: np.ndarray  # (S,)
    alpha: np.ndarray  # (S, n): K^-1 y
    K_inv: np.ndarray  # (S, n, n)

    @classmethod
    def fit(cls, prior: TransferPrior, metric: str) -> MetricGPs | None:
        """``None`` when no prior study measured ``metric``."""
        used = [s for s in prior.sources if metric in s.scores]
        if not used:
            return None
        inputs = [encode(s.configs, prior.space) for s in used]
        S, n, D = len(used), max(len(x) for x in inputs), inputs[0].shape[1]
        X, y = np.zeros((S, n, D)), np.zeros((S, n))
        valid = np.zeros((S, n), dtype=bool)
        for i, (rows, source) in enumerate(zip(inputs, used, strict=True)):
            X[i, : len(rows)], X[i, len(rows) :] = rows, rows[0]
            y[i, : len(rows)] = source.scores[metric]
            valid[i, : len(rows)] = True
        theta = _fit_hyperparameters(X, y, valid)
        lengthscale, noise = _unpack(theta, S, D)
        K = _covariance(X, X, lengthscale) + _noise_matrix(noise, valid)
        K_inv = np.linalg.inv(K)
        alpha = np.einsum("sij,sj->si", K_inv, y)
        return cls(
            metric,
            [s.study for s in used],
            np.array([s.similarity for s in used], dtype=float),
            X,
            valid,
            lengthscale,
            noise,
            alpha,
            K_inv,
        )

    def cross(self, Z: np.ndarray) -> np.ndarray:
        """(S, m, n): each study's prior covariance between ``Z`` and its trials."""
        return _covariance(np.broadcast_to(Z, (len(self.X), *Z.shape)), self.X, self.lengthscale)

    def predict(self, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(S, m) posterior means and variances of each study's GP at encoded configs ``Z``."""
        k = self.cross(Z)
        mean = np.einsum("smn,sn->sm", k, self.alpha)
        var = 1.0 - np.einsum("smn,snk,smk->sm", k, self.K_inv, k)
        return mean, np.maximum(var, 1e-12)

    def samples(self, Z: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
        """(S, count, m) joint posterior draws of each study's GP at ``Z``."""
        k = self.cross(Z)
        mean = np.einsum("smn,sn->sm", k, self.alpha)
        Zs = np.broadcast_to(Z, (len(self.X), *Z.shape))
        prior = _covariance(Zs, Zs, self.lengthscale)
        cov = prior - np.einsum("smn,snk,sjk->smj", k, self.K_inv, k)
        cov = (cov + cov.transpose(0, 2, 1)) / 2 + 1e-6 * np.eye(len(Z))
        try:
            L = np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:  # the same config twice: a square root all the same
            values, vectors = np.linalg.eigh(cov)
            L = vectors * np.sqrt(np.clip(values, 0.0, None))[:, None, :]
        draws = rng.standard_normal((len(self.X), len(Z), count))
        return (mean[:, :, None] + L @ draws).transpose(0, 2, 1)

    def weights(self, Z: np.ndarray, y: np.ndarray, seed: int = 0) -> dict[str, float]:
        """Each study's weight and the task's own (``THIS_TASK``) from its trials ``Z``, ``y``
        (values of the metric): the similarities, normalized, while under 3 trials."""
        prior = np.maximum(self.similarity, 0.0) + 1e-6
        if len(y) < 3:
            return {
                **dict(zip(self.studies, map(float, prior / prior.sum()), strict=True)),
                THIS_TASK: 0.0,
            }
        rng = np.random.default_rng(seed)
        studies = _ranking_losses(self.samples(Z, _SAMPLES, rng), y)  # (S, samples)
        own = _ranking_losses(_loo_draws(Z, y, np.median(self.lengthscale, 0), rng)[None], y)[0]
        keep = np.median(studies, axis=1) <= np.percentile(own, _DROP_QUANTILE)
        losses = np.vstack([np.where(keep[:, None], studies, np.inf), own[None]])
        best = losses == losses.min(axis=0, keepdims=True)
        tie = np.append(prior, np.median(prior))[:, None]  # ties go by similarity
        share = (best * tie / (best * tie).sum(axis=0, keepdims=True)).mean(axis=1)
        return {
            **dict(zip(self.studies, map(float, share[:-1]), strict=True)),
            THIS_TASK: float(share[-1]),
        }


@dataclass(frozen=True)
class Verdict:
    """The negative-transfer decision after ``trials`` of the task's trials: off when the
    prior studies keep less than ``PRIOR_SHARE_OFF`` of the weight on every metric judged
    (the objectives and the constrained metrics: feasibility counts), after each of the last
    ``STREAK`` trials."""

    off: bool
    trials: int
    weights: dict[str, dict[str, float]] = field(default_factory=dict)  # metric -> per study
    reason: str = ""
    threshold: float = PRIOR_SHARE_OFF

    @property
    def shares(self) -> dict[str, float]:
        """Metric -> the prior studies' total weight now (all but the task's own)."""
        return _shares(self.weights)


@dataclass
class PriorModel:
    """The prior studies' GPs per metric (fitted on first use) and their weights."""

    prior: TransferPrior
    fitted: dict[str, MetricGPs | None] = field(default_factory=dict)

    @property
    def space(self) -> Any:
        return self.prior.space

    def gps(self, metric: str) -> MetricGPs | None:
        if metric not in self.fitted:
            self.fitted[metric] = MetricGPs.fit(self.prior, metric)
        return self.fitted[metric]

    def encode(self, configs: Sequence[Mapping[str, Any]]) -> np.ndarray:
        return encode(list(configs), self.space)

    def prior_inputs(self, metric: str) -> tuple[np.ndarray, list[str]]:
        """Every prior trial of ``metric``'s studies, encoded, and the study of each row."""
        gps = self.gps(metric)
        if gps is None:
            return np.zeros((0, 0)), []
        rows = [gps.X[i][gps.valid[i]] for i in range(len(gps.studies))]
        owners = [s for s, r in zip(gps.studies, rows, strict=True) for _ in range(len(r))]
        return np.vstack(rows), owners

    def weights(
        self, metric: str, configs: Sequence[Mapping[str, Any]] = (), values: Any = (), seed=0
    ) -> dict[str, float]:
        """The studies' weights for ``metric`` after the task's trials (see the module doc)."""
        gps = self.gps(metric)
        if gps is None:
            return {}
        y = np.asarray(values, dtype=float)
        return gps.weights(self.encode(configs) if len(y) else np.zeros((0, 0)), y, seed)

    def predict(
        self, metric: str, configs: Sequence[Mapping[str, Any]], weights: Mapping[str, float]
    ) -> tuple[np.ndarray, np.ndarray]:
        """The weighted mixture's mean and sd of ``metric``'s normal score at ``configs``: what
        the prior studies, as weighted, expect here and how sure they are (their spread
        across studies counted)."""
        gps = self.gps(metric)
        if gps is None:
            return np.zeros(len(configs)), np.ones(len(configs))
        w = np.array([weights.get(s, 0.0) for s in gps.studies])
        w = w / w.sum() if w.sum() > 0 else np.full(len(w), 1 / len(w))
        mean, var = gps.predict(self.encode(configs))
        mixed = w @ mean
        return mixed, np.sqrt(np.maximum(w @ (var + mean**2) - mixed**2, 1e-12))

    def verdict(
        self,
        metrics: Sequence[str],
        configs: Sequence[Mapping[str, Any]],
        values: Mapping[str, Any],
        seed: int = 0,
    ) -> Verdict:
        """Whether to switch transfer off, from the weights on each of ``metrics`` after the
        task's completed ``configs`` and their ``values`` (metric -> one value each), and
        after each of the ``STREAK - 1`` trials before."""
        n = len(configs)
        history = [
            self.weights_of(metrics, configs[:m], values, max(seed + m - n, 0))
            for m in range(max(3, n - STREAK + 1), n + 1)
        ]
        shared = [_shares(h) for h in history]
        shares = shared[-1] if shared else {}
        off = (
            n >= MIN_TRIALS_OFF
            and len(history) == STREAK
            and all(h and max(h.values()) < PRIOR_SHARE_OFF for h in shared)
        )
        reason = (
            "the prior studies' weight stayed below "
            f"{PRIOR_SHARE_OFF:.0%} on every metric for {STREAK} trials in a row, up to "
            f"{n} trials ("
            + ", ".join(f"{m} {s:.0%}" for m, s in shares.items())
            + "): they order this task's trials worse than its own model does"
            if off
            else ""
        )
        return Verdict(off, n, history[-1] if history else {}, reason)

    def weights_of(
        self,
        metrics: Sequence[str],
        configs: Sequence[Mapping[str, Any]],
        values: Mapping[str, Any],
        seed: int,
    ) -> dict[str, dict[str, float]]:
        """Each metric's weights (each study's and the task's own) after the first
        ``len(configs)`` of the task's trials."""
        weights: dict[str, dict[str, float]] = {}
        for metric in metrics:
            if metric not in values:
                continue
            w = self.weights(metric, configs, list(values[metric])[: len(configs)], seed)
            if w:
                weights[metric] = w
        return weights

    def shares(
        self,
        metrics: Sequence[str],
        configs: Sequence[Mapping[str, Any]],
        values: Mapping[str, Any],
        seed: int,
    ) -> dict[str, float]:
        """Each metric's prior share of the weight after the first ``len(configs)``."""
        return _shares(self.weights_of(metrics, configs, values, seed))


def _shares(weights: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """The prior studies' total weight on each metric: all but the task's own."""
    return {m: round(1.0 - w[THIS_TASK], 3) for m, w in weights.items()}


def beats_probability(
    mean: np.ndarray, sd: np.ndarray, against: float, against_sd: float
) -> np.ndarray:
    """P(score > the ``against`` config's score), treating the two as independent normals."""
    return norm.cdf((mean - against) / np.sqrt(sd**2 + against_sd**2))


# -- the GPs' algebra -------------------------------------------------------------------
def _covariance(A: np.ndarray, B: np.ndarray, lengthscale: np.ndarray) -> np.ndarray:
    """(S, a, b) RBF covariance, unit outputscale, of each study's ``A`` (S, a, D) and
    ``B`` (S, b, D)."""
    a, b = A / lengthscale[:, None, :], B / lengthscale[:, None, :]
    square = (a**2).sum(-1)[:, :, None] + (b**2).sum(-1)[:, None, :]
    square = np.maximum(square - 2 * a @ b.transpose(0, 2, 1), 0.0)
    return np.exp(-0.5 * square)


def _noise_matrix(noise: np.ndarray, valid: np.ndarray) -> np.ndarray:
    return np.einsum(
        "sn,nk->snk", np.where(valid, noise[:, None], _PAD_NOISE), np.eye(valid.shape[1])
    )


def _unpack(theta: np.ndarray, S: int, D: int) -> tuple[np.ndarray, np.ndarray]:
    """Lengthscales and noise of every study."""
    log = theta.reshape(S, D + 1)
    return np.exp(log[:, :D]), np.exp(log[:, D])


def _fit_hyperparameters(X: np.ndarray, y: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Log lengthscales and noise of every study, by maximum a posteriori with BoTorch's
    default priors (log-normal, the lengthscales' scaled with the dimension), from their
    modes as BoTorch starts."""
    S, n, D = X.shape
    square = (X[:, :, None, :] - X[:, None, :, :]) ** 2  # (S, n, n, D)
    priors = np.array([_lengthscale_prior(D)] * D + [_NOISE_PRIOR])  # (D + 1, 2): loc, scale
    eye = np.eye(n)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        lengthscale, noise = _unpack(theta, S, D)
        R = np.exp(-0.5 * (square / lengthscale[:, None, None, :] ** 2).sum(-1))
        K = R + _noise_matrix(noise, valid)
        L = np.linalg.cholesky(K)
        K_inv = np.linalg.inv(K)
        alpha = np.einsum("sij,sj->si", K_inv, y)
        nll = 0.5 * np.einsum("si,si->", y, alpha) + np.log(np.diagonal(L, axis1=1, axis2=2)).sum()
        W = 0.5 * (K_inv - alpha[:, :, None] * alpha[:, None, :])  # d nll / dK
        grad = np.zeros((S, D + 1))
        grad[:, :D] = np.einsum("sij,sijd->sd", W * R, square) / lengthscale**2
        grad[:, D] = noise * np.einsum("sii->s", W * (valid[:, :, None] * eye))
        # -log of each log-normal density, as GPyTorch adds it: (log x - loc)^2 / 2s^2 + log x
        log = theta.reshape(S, D + 1)
        nll += (0.5 * ((log - priors[:, 0]) / priors[:, 1]) ** 2 + log).sum()
        grad += (log - priors[:, 0]) / priors[:, 1] ** 2 + 1.0
        return float(nll), grad.ravel()

    start = np.tile(priors[:, 0] - priors[:, 1] ** 2, (S, 1))  # the priors' modes
    bounds = [_BOUNDS["lengthscale"]] * D + [_BOUNDS["noise"]]
    bounds = [(math.log(low), math.log(high)) for low, high in bounds] * S
    result = minimize(
        loss, start.ravel(), jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 500}
    )
    return result.x


def _lengthscale_prior(D: int) -> tuple[float, float]:
    """BoTorch's dimension-scaled log-normal lengthscale prior: (loc, scale) of the log."""
    return math.sqrt(2) + 0.5 * math.log(D), math.sqrt(3)


def _ranking_losses(draws: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(models, samples): pairs of the task's trials each draw orders differently from ``y``."""
    truth = np.sign(y[:, None] - y[None, :])
    guess = np.sign(draws[..., :, None] - draws[..., None, :])
    upper = np.triu(np.ones((len(y), len(y)), dtype=bool), 1)
    return ((guess != truth) & upper).sum(axis=(-1, -2))


def _loo_draws(
    Z: np.ndarray, y: np.ndarray, lengthscale: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """(samples, n) draws of the task's leave-one-out predictions, from a GP on its own trials
    with the prior studies' median lengthscales (closed form, no fit)."""
    z = (y - y.mean()) / (y.std() or 1.0)
    diff = (Z[:, None, :] - Z[None, :, :]) / lengthscale
    K = np.exp(-0.5 * (diff**2).sum(-1)) + 1e-2 * np.eye(len(z))
    inverse = np.linalg.inv(K)
    diag = np.diag(inverse)
    mean = z - (inverse @ z) / diag
    return mean + np.sqrt(1.0 / diag) * rng.standard_normal((_SAMPLES, len(z)))
