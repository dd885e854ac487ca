from .rmsprop_tf import RMSpropTF

__all__ = ['RMSpropTF']
