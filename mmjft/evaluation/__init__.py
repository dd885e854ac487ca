# Importing metrics registers them in mmjft.registry.METRICS.
from .functional import map_at_k, map_at_k_from_topk
from .metrics import MAPAtK

__all__ = ['map_at_k', 'map_at_k_from_topk', 'MAPAtK']
