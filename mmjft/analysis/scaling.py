"""The paper's log-scaling fit (Fig. 4, Fig. 6; finding 1): performance = a + b * log10(N) per setting.

Plain array code: scipy's least-squares regression and Student-t interval, no registry, runner or config.
"""
import math
from typing import Dict, Optional, Sequence

import numpy as np
from scipy import stats


class FitError(ValueError):
    """Too little data for a fit (fewer than two distinct sizes); the message says what is there."""


def fit_log_scaling(sizes: Sequence[float], values: Sequence[float], confidence: float = 0.95) -> Dict[str, object]:
    """Least-squares fit of ``values = intercept + slope * log10(sizes)`` (every point one observation: repeated
    seeds at a size are several points).

    Args:
        sizes: data sizes (> 0), e.g. pretraining images.
        values: the metric at each size (same length).
        confidence: level of the slope's interval (Student t with n - 2 degrees of freedom).

    Returns:
        dict with ``slope``, ``intercept``, ``r2``, ``slope_stderr``, ``slope_ci`` (low, high) -- ``(nan, nan)`` with
        only two points, where the residual variance is undefined --, ``n`` (points), ``n_sizes``, ``p_value``
        (slope = 0), ``note`` (a sentence when the interval is missing, else '').

    Raises:
        FitError: fewer than two distinct sizes, or a non-positive size, or lengths that differ.
    """
    x = np.asarray(sizes, dtype=float)
    y = np.asarray(values, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise FitError(f'sizes and values must be two lists of one length: {x.shape} vs {y.shape}')
    keep = np.isfinite(y)
    x, y = x[keep], y[keep]
    if (x <= 0).any():
        raise FitError(f'data sizes must be positive: {sorted(set(x[x <= 0].tolist()))}')
    n_sizes = len(np.unique(x))
    if n_sizes < 2:
        raise FitError(f'a log-scaling fit needs at least 2 data sizes; got {n_sizes} '
                       f'({sorted(set(x.tolist()))}, {len(x)} point(s))')
    res = stats.linregress(np.log10(x), y)
    n = len(x)
    if n > 2:
        half = stats.t.ppf(0.5 + confidence / 2, n - 2) * res.stderr
        ci, note = (float(res.slope - half), float(res.slope + half)), ''
    else:
        ci, note = (math.nan, math.nan), 'two points: the line is exact, no interval'
    return dict(slope=float(res.slope), intercept=float(res.intercept), r2=float(res.rvalue ** 2),
                slope_stderr=float(res.stderr) if n > 2 else math.nan, slope_ci=ci, confidence=confidence, n=n,
                n_sizes=n_sizes, p_value=float(res.pvalue) if n > 2 else math.nan, note=note)


def predict(fit: Dict[str, object], sizes: Sequence[float]) -> np.ndarray:
    """The fitted line at ``sizes``."""
    return fit['intercept'] + fit['slope'] * np.log10(np.asarray(sizes, dtype=float))


def mean_and_spread(sizes: Sequence[float], values: Sequence[float]) -> Dict[float, tuple]:
    """Per size: (mean, standard deviation over repeats (0 for one), count) -- the curve and its error band."""
    out: Dict[float, tuple] = {}
    for size in sorted(set(float(s) for s in sizes)):
        vals = np.asarray([v for s, v in zip(sizes, values) if float(s) == size and np.isfinite(v)], dtype=float)
        if len(vals):
            out[size] = (float(vals.mean()), float(vals.std(ddof=1)) if len(vals) > 1 else 0.0, len(vals))
    return out


def format_ci(fit: Optional[Dict[str, object]]) -> str:
    if not fit or math.isnan(fit['slope_ci'][0]):
        return 'n/a'
    return f'[{fit["slope_ci"][0]:.4g}, {fit["slope_ci"][1]:.4g}]'
