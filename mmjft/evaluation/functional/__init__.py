from .map_at_k import map_at_k, map_at_k_from_topk

__all__ = ['map_at_k', 'map_at_k_from_topk']
