"""What a training run does with images that are missing or do not decode: skip, count, log, and stop past a ceiling.

Web-scale collections always hold a few broken files; one of them must not kill a two-month run, but a mount that
went away (every read failing) must stop it quickly and say which files failed.
"""
from typing import List

from mmengine.logging import print_log


class BadImageError(RuntimeError):
    """Too many images of a dataset failed to load."""


class BadImageTracker:
    """Counts reads and failures of one process (each data loader worker keeps its own tracker).

    Args:
        max_fraction (float): the largest tolerated fraction of bad images. Defaults to 0.001 (0.1%).
        min_reads (int): the fraction is judged only once this many images were read, so one early bad file
            does not stop a run. Defaults to 1000.
        source (str): the dataset's annotation file, named in messages.
    """

    def __init__(self, max_fraction: float = 1e-3, min_reads: int = 1000, source: str = ''):
        if not 0.0 <= max_fraction <= 1.0:
            raise ValueError(f'max_bad_fraction must lie in [0, 1], got {max_fraction}')
        self.max_fraction = max_fraction
        self.min_reads = min_reads
        self.source = source
        self.reads = 0
        self.bad_paths: List[str] = []

    @property
    def num_bad(self) -> int:
        return len(self.bad_paths)

    def ok(self) -> None:
        self.reads += 1
        if self.reads == self.min_reads and self.bad_paths:
            self._judge()

    def bad(self, path: str, error: BaseException) -> None:
        """Record a failed image, log it, and raise :class:`BadImageError` past the ceiling."""
        self.reads += 1
        self.bad_paths.append(path)
        print_log(f'skipped bad image {path} ({type(error).__name__}: {error}); '
                  f'{self.num_bad} bad of {self.reads} read from {self.source}', logger='current', level=30)
        if self.reads >= self.min_reads:
            self._judge()

    def _judge(self) -> None:
        if self.num_bad > self.max_fraction * self.reads:
            shown = ', '.join(self.bad_paths[:20]) + (' ...' if self.num_bad > 20 else '')
            raise BadImageError(
                f'{self.num_bad} of {self.reads} images read from {self.source} failed to load '
                f'({self.num_bad / self.reads:.3%} > max_bad_fraction {self.max_fraction:.3%}); '
                f'stopping. Bad files: {shown}')
