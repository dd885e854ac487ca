from .gpu_decode import JpegDecodeDataPreprocessor, apply_exif_orientation, resize

__all__ = ['JpegDecodeDataPreprocessor', 'apply_exif_orientation', 'resize']
