from .label_hierarchy import LabelHierarchy, load_classes
from .sample_keys import BAD_IMAGES_KEY, EXIF_ORIENTATION_KEY, SAMPLE_SEED_KEY, STREAM_POSITION_KEY

__all__ = ['LabelHierarchy', 'load_classes', 'BAD_IMAGES_KEY', 'EXIF_ORIENTATION_KEY', 'SAMPLE_SEED_KEY',
           'STREAM_POSITION_KEY']
