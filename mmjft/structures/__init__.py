from .label_hierarchy import LabelHierarchy, load_classes

__all__ = ['LabelHierarchy', 'load_classes']
