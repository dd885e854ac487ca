"""JPEG bytes for the tests of the encoded-bytes path (LoadJpegBytes, JpegDecodeDataPreprocessor)."""
import io

import numpy as np
from PIL import Image


def photo(size=(500, 375), seed=0, mode='RGB', exif_orientation=None, fmt='JPEG', quality=90):
    """A smooth, photo-like image of ``size`` (w, h) (tools/benchmarks/pipeline.py's recipe) in Pillow ``mode``, encoded as
    ``fmt``, with an EXIF orientation tag if given."""
    rng = np.random.default_rng(seed)
    img = Image.fromarray(rng.integers(0, 255, (12, 16, 3), dtype=np.uint8)).resize(size, Image.BICUBIC)
    buf = io.BytesIO()
    kwargs = dict(quality=quality) if fmt == 'JPEG' else {}
    if exif_orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        kwargs['exif'] = exif
    img.convert(mode).save(buf, fmt, **kwargs)
    return buf.getvalue()


def bogus_huffman(data):
    """``data`` (a JPEG) with a Huffman table that does not decode: the header parses (Pillow) and the end marker is
    there, so LoadJpegBytes lets it through; cv2 and torchvision refuse it."""
    i = data.find(b'\xff\xc4')
    return data[:i + 5] + b'\xff' * 16 + data[i + 21:]
