"""What a training run does with images that are missing or do not decode: skip, count, log, and stop past a ceiling.

Web-scale collections always hold a few broken files; one of them must not kill a two-month run, but a mount that
went away (every read failing) must stop it quickly and say which files failed.

Who does what:

* the dataset (:class:`~mmjft.datasets.JFTDataset`, in each data loader worker) catches only what its loading step
  raises, skips the image (mmengine then reads another), and hands the failed paths to the main process inside the
  next sample it returns (key :data:`BAD_IMAGES_KEY`); it stops by itself only after ``max_consecutive`` failures in
  a row (storage gone), since then no sample would ever reach the main process;
* :class:`~mmjft.engine.hooks.BadImageHook` (main process) adds them up over workers, epochs, ranks and resumes, logs
  a summary, and applies the ceiling to the totals with :class:`BadImageTracker`.
"""
from typing import List, Sequence

from mmjft.structures.sample_keys import BAD_IMAGES_KEY  # noqa: F401  (re-exported: the datasets' field)


class BadImageError(RuntimeError):
    """Too many images of a dataset failed to load."""


def _shown(paths: Sequence[str], total: int, limit: int = 20) -> str:
    return ', '.join(paths[:limit]) + (' ...' if total > min(len(paths), limit) else '')


class BadImageTracker:
    """Totals of images read and failed, and the ceiling on their ratio (plain counting, no I/O).

    Args:
        max_fraction (float): the largest tolerated fraction of bad images. Defaults to 0.001 (0.1%).
        min_reads (int): the fraction is judged only once this many images were read in all, so one early bad file
            does not stop a run. Defaults to 1000.
        source (str): the dataset's annotation file, named in messages.
        keep_paths (int): how many failed paths to remember for messages. Defaults to 20.
    """

    def __init__(self, max_fraction: float = 1e-3, min_reads: int = 1000, source: str = '', keep_paths: int = 20):
        if not 0.0 <= max_fraction <= 1.0:
            raise ValueError(f'max_bad_fraction must lie in [0, 1], got {max_fraction}')
        self.max_fraction = max_fraction
        self.min_reads = min_reads
        self.source = source
        self.keep_paths = keep_paths
        self.reads = 0
        self.num_bad = 0
        self.bad_paths: List[str] = []  # the first ``keep_paths`` failures

    def add(self, reads: int, bad_paths: Sequence[str] = (), num_bad: int = None) -> None:
        """Count ``reads`` reads of which ``num_bad`` (default ``len(bad_paths)``) failed."""
        self.reads += int(reads)
        self.num_bad += len(bad_paths) if num_bad is None else int(num_bad)
        room = self.keep_paths - len(self.bad_paths)
        if room > 0:
            self.bad_paths.extend(list(bad_paths)[:room])

    @property
    def fraction(self) -> float:
        return self.num_bad / self.reads if self.reads else 0.0

    def summary(self) -> str:
        text = (f'bad images: {self.num_bad} of {self.reads} read from {self.source} ({self.fraction:.4%}; '
                f'ceiling {self.max_fraction:.3%} judged after {self.min_reads} reads)')
        return text + (f'; first: {_shown(self.bad_paths, self.num_bad)}' if self.num_bad else '')

    def check(self) -> None:
        """Raise :class:`BadImageError` when the totals are past the ceiling (once ``min_reads`` images were read)."""
        if self.reads >= self.min_reads and self.num_bad > self.max_fraction * self.reads:
            raise BadImageError(
                f'{self.num_bad} of {self.reads} images read from {self.source} failed to load '
                f'({self.fraction:.3%} > max_bad_fraction {self.max_fraction:.3%}); stopping. '
                f'Bad files: {_shown(self.bad_paths, self.num_bad)}')


class ConsecutiveBadImages:
    """One worker's failures not yet handed to the main process, and its stop after a run of failures."""

    def __init__(self, max_consecutive: int = 50, source: str = ''):
        self.max_consecutive = max_consecutive
        self.source = source
        self.pending: List[str] = []
        self.consecutive: List[str] = []

    def bad(self, path: str, error: BaseException) -> None:
        self.pending.append(path)
        self.consecutive.append(f'{path} ({type(error).__name__}: {error})')
        if len(self.consecutive) >= self.max_consecutive:
            raise BadImageError(
                f'{len(self.consecutive)} images in a row from {self.source} failed to load (is the storage '
                f'mounted?); stopping. Bad files: {_shown(self.consecutive, len(self.consecutive), 5)}')

    def take(self) -> str:
        """After a good read: the failed paths since the last good read, '\\n'-joined, and reset."""
        out = '\n'.join(self.pending)
        self.pending, self.consecutive = [], []
        return out
