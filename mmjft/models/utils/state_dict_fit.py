"""How a checkpoint's tensors fit a model: the model keys it leaves unfilled, the keys the model lacks and the shapes
that differ, counted and named (the strict checkpoint loads of tools/test.py, --resume and ``StrictPretrained``)."""
from typing import Dict, List, Mapping, NamedTuple, Tuple

SHOWN_KEYS = 5  # keys named per kind in a message (all are counted)


class CheckpointFitError(ValueError):
    """A checkpoint that would leave model tensors unfilled, unused or mis-shaped."""


def _skipped(key: str) -> bool:
    # BN's batch counter: old checkpoints lack it and nothing in a forward pass reads it (mmengine ignores it too)
    return key.endswith('num_batches_tracked')


class StateDictFit(NamedTuple):
    """The keys that do not fit, each list in state-dict order.

    Attributes:
        missing: model keys the checkpoint lacks (they would keep their initial values).
        unexpected: checkpoint keys the model lacks (their tensors would be dropped).
        mismatched: ``(key, checkpoint shape, model shape)`` of the keys both have in other shapes.
    """
    missing: List[str]
    unexpected: List[str]
    mismatched: List[Tuple[str, tuple, tuple]]

    @classmethod
    def of(cls, model_state: Mapping, checkpoint_state: Mapping) -> 'StateDictFit':
        """Compare a model's ``state_dict()`` with the checkpoint's (keys as the model names them)."""
        missing = [k for k in model_state if k not in checkpoint_state and not _skipped(k)]
        unexpected = [k for k in checkpoint_state if k not in model_state and not _skipped(k)]
        mismatched = [(k, tuple(v.shape), tuple(model_state[k].shape)) for k, v in checkpoint_state.items()
                      if k in model_state and hasattr(v, 'shape') and tuple(v.shape) != tuple(model_state[k].shape)]
        return cls(missing, unexpected, mismatched)

    @property
    def complete(self) -> bool:
        """Every model tensor filled with a tensor of its shape, and every checkpoint tensor used."""
        return not (self.missing or self.unexpected or self.mismatched)

    def counts(self) -> str:
        return (f'{len(self.missing)} missing, {len(self.unexpected)} unexpected, {len(self.mismatched)} '
                'shape-mismatched')

    def first_keys(self, n: int = SHOWN_KEYS) -> List[str]:
        """The first ``n`` keys of each kind: missing, then shape-mismatched, then unexpected."""
        return self.missing[:n] + [k for k, _, _ in self.mismatched[:n]] + self.unexpected[:n]

    def describe(self, n: int = SHOWN_KEYS) -> str:
        """The counts and the first ``n`` keys of each kind, one kind a line."""
        def more(items):
            return f', ... ({len(items) - n} more)' if len(items) > n else ''
        lines = [self.counts()]
        if self.missing:
            lines.append('  missing from the checkpoint: ' + ', '.join(self.missing[:n]) + more(self.missing))
        if self.mismatched:
            lines.append('  shape mismatch (checkpoint vs model): ' + ', '.join(
                f'{k} {c} vs {m}' for k, c, m in self.mismatched[:n]) + more(self.mismatched))
        if self.unexpected:
            lines.append('  not in the model: ' + ', '.join(self.unexpected[:n]) + more(self.unexpected))
        return '\n'.join(lines)

    def status(self, checkpoint: str, strict: bool) -> Dict:
        """The load status a run records (``message_hub`` info ``'load_status'``): ``dict(checkpoint, strict,
        missing, unexpected, mismatched, first_keys)``, counts as ints."""
        return dict(checkpoint=str(checkpoint), strict=bool(strict), missing=len(self.missing),
                    unexpected=len(self.unexpected), mismatched=len(self.mismatched), first_keys=self.first_keys())
