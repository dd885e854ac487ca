from .map_at_k import MAPAtK

__all__ = ['MAPAtK']
