from .map_at_k import map_at_k, map_at_k_from_topk, mean_ap, per_class_ap_at_k

__all__ = ['map_at_k', 'map_at_k_from_topk', 'per_class_ap_at_k', 'mean_ap']
