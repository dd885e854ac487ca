"""Analysis of finished runs: the log-scaling fit (pure array code) and the results table and curves built from the
result files the runs wrote. Nothing here reads training data or changes a dataset."""
from .scaling import FitError, fit_log_scaling

__all__ = ['FitError', 'fit_log_scaling']
