"""Analysis of finished runs: the log-scaling fit (pure), the results table and curves, label-noise injection."""
from .scaling import FitError, fit_log_scaling

__all__ = ['FitError', 'fit_log_scaling']
