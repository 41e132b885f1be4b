"""Robust building blocks of the change-point detector: noise scale, lag-1 autocorrelation,
the variance of a mean of autocorrelated points, and normal tail probabilities.

Everything here is a pure function on numpy arrays; nothing allocates more than O(n).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
from scipy.special import stdtr

#: 1 / Phi^-1(3/4): turns a median absolute deviation into a normal standard deviation.
MAD_TO_SD = 1.482602218505602
#: Largest lag-1 autocorrelation the detector believes; beyond it the variance factor explodes.
MAX_PHI = 0.9

_NORMAL = NormalDist()


def as_finite_array(values: object, what: str = "values") -> np.ndarray:
    """``values`` as a 1-d float64 array; ``ValueError`` on NaN, infinity or a wrong shape."""
    try:
        x = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be numbers: {exc}") from None
    if x.ndim != 1:
        raise ValueError(f"{what} must be one-dimensional, got shape {x.shape}")
    if not np.isfinite(x).all():
        bad = int(np.flatnonzero(~np.isfinite(x))[0])
        raise ValueError(f"{what}[{bad}] is {x[bad]!r}: NaN and infinity are not measurements")
    return x


def median(a: np.ndarray) -> float:
    """The median of a non-empty 1-d array (np.partition, without np.median's overhead)."""
    n = a.size
    h = n // 2
    if n % 2:
        return float(np.partition(a, h)[h])
    part = np.partition(a, (h - 1, h))
    return 0.5 * float(part[h - 1] + part[h])


def robust_scale(residuals: np.ndarray) -> float:
    """Normal-consistent MAD of ``residuals`` around their median (0.0 when fewer than 2)."""
    if residuals.size < 2:
        return 0.0
    med = median(residuals)
    return MAD_TO_SD * median(np.abs(residuals - med))


def winsorized_lag1(residuals: np.ndarray, scale: float, clip: float = 3.0) -> float:
    """Lag-1 autocorrelation of residuals winsorised at ``clip`` robust sds, in [0, MAX_PHI].

    Winsorising makes it insensitive to spikes and heavy tails; a bimodal but independent
    noise gives about 0, unlike an estimate from the ratio of difference and level scales.
    The value returned is an upper one-sigma bound (bias-corrected estimate + 1/sqrt(n)):
    conservative for short histories; negative correlation is never used (it would shrink the
    variance of a mean).
    """
    n = residuals.size
    if n < 8 or scale <= 0.0:
        return 0.0
    lim = clip * scale
    w = np.minimum(np.maximum(residuals - median(residuals), -lim), lim)
    w = w - w.sum() / n
    den = float(np.dot(w, w))
    if den <= 0.0:
        return 0.0
    phi = float(np.dot(w[1:], w[:-1])) / den
    # The estimate is biased down by about (1 + 4 phi) / n and has a standard error of about
    # 1 / sqrt(n): use its upper one-sigma bound, so a short history is not trusted to be
    # independent (false alerts) while a long independent one loses little (phi ~ 0.07 at 200).
    phi = phi + (1.0 + 4.0 * max(phi, 0.0)) / n + 1.0 / math.sqrt(n)
    return min(max(phi, 0.0), MAX_PHI)


def mean_variance_factor(k: np.ndarray | int, phi: np.ndarray | float) -> np.ndarray:
    """Var(mean of k consecutive AR(1) points) / sigma^2, for k >= 1 (vectorised over k, phi).

    (1/k) * [(1 + phi) / (1 - phi) - 2 phi (1 - phi^k) / (k (1 - phi)^2)]; 1/k when phi = 0.
    """
    k = np.asarray(k, dtype=np.float64)
    phi = np.minimum(np.asarray(phi, dtype=np.float64), MAX_PHI)
    if not np.any(phi > 0.0):
        return 1.0 / k
    return (1.0 / k) * (
        (1.0 + phi) / (1.0 - phi) - 2.0 * phi * (1.0 - phi**k) / (k * (1.0 - phi) ** 2)
    )


def t_two_sided_p(t: np.ndarray | float, df: np.ndarray | float) -> np.ndarray:
    """P(|T_df| >= |t|) for a Student t with ``df`` (>= 1) degrees of freedom, vectorised.

    The noise scale behind every test is estimated from the history, so a short or strongly
    autocorrelated history gives a heavier-tailed statistic than a normal one.
    """
    return 2.0 * stdtr(np.maximum(df, 1.0), -np.abs(t))


def two_sided_p(z: float) -> float:
    """P(|N(0,1)| >= |z|)."""
    return math.erfc(abs(z) / math.sqrt(2.0))


def z_for_two_sided(p: float) -> float:
    """The |z| whose two-sided normal tail is ``p``."""
    p = min(max(p, 1e-300), 1.0)
    return _NORMAL.inv_cdf(1.0 - p / 2.0)
