from .jpeg_bytes import EXIF_ORIENTATION_KEY, LoadJpegBytes, PackJpegInputs, check_jpeg

__all__ = ['EXIF_ORIENTATION_KEY', 'LoadJpegBytes', 'PackJpegInputs', 'check_jpeg']
