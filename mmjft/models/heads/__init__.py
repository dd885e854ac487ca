from .hierarchical_multilabel_head import HierarchicalMultiLabelHead

__all__ = ['HierarchicalMultiLabelHead']
