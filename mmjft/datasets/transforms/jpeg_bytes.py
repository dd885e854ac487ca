"""Keep images encoded: the data loader reads JPEG bytes, the model's data preprocessor decodes them on its device.

``LoadJpegBytes`` + ``PackJpegInputs`` replace ``LoadImageFromFile -> Resize -> crop -> flip -> PackInputs`` when
:class:`~mmjft.models.JpegDecodeDataPreprocessor` decodes (nvJPEG on a GPU) and augments the batch. The workers only
read files and check headers, so a few of them feed a GPU that would need 6+ cores of CPU decoding.

What the loader checks, in the worker (so a broken file is skipped and counted there, as with ``LoadImageFromFile``):
the bytes parse as a JPEG header (Pillow, no decode) and hold an end-of-image marker after the start of the scan
(a file cut short, the common breakage, has none). Anything else that does not decode is caught by the data
preprocessor, which drops the sample and logs it.
"""
import io
import struct
from typing import Optional

import mmengine.fileio as fileio
import numpy as np
import torch
from mmcv.transforms import LoadImageFromFile
from mmpretrain.datasets.transforms import PackInputs
from PIL import Image

from mmjft.registry import TRANSFORMS
from mmjft.structures import EXIF_ORIENTATION_KEY, SAMPLE_SEED_KEY

_EXIF_ORIENTATION_TAG = 0x0112
_SOI, _SOS, _EOI = 0xD8, 0xDA, b'\xff\xd9'
_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # markers without a length field (TEM, RST0..7)


def jpeg_scan_start(data: bytes) -> int:
    """Offset of the first top-level start-of-scan marker of a JPEG, walking the header segments (an EXIF thumbnail
    inside APP1 is skipped as part of its segment). OSError if the bytes are not a JPEG or end inside the header."""
    if len(data) < 4 or data[0] != 0xFF or data[1] != _SOI:
        raise OSError('not a JPEG (no start-of-image marker)')
    i, n = 2, len(data)
    while i + 1 < n:
        if data[i] != 0xFF:
            raise OSError(f'corrupt JPEG header (no marker at byte {i})')
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
        elif marker == _SOS:
            return i
        elif marker in _STANDALONE:
            i += 2
        else:
            if i + 4 > n:
                break
            i += 2 + int.from_bytes(data[i + 2:i + 4], 'big')
    raise OSError('truncated JPEG (the header ends before the image data)')


def check_jpeg(data: bytes) -> tuple:
    """``(height, width, exif orientation)`` of a JPEG as a decoder applying EXIF orientation (cv2, mmcv's
    ``LoadImageFromFile``) returns it, from the header only; OSError for bytes that are not a JPEG, a header Pillow
    cannot parse, or no end-of-image marker after the scan start (a truncated file)."""
    scan = jpeg_scan_start(data)
    if data.rfind(_EOI, scan) < 0:  # searched from the end: found at once in a whole file
        raise OSError('truncated JPEG (no end-of-image marker after the image data)')
    try:
        with Image.open(io.BytesIO(data)) as im:
            if im.format != 'JPEG':
                raise OSError(f'not a JPEG ({im.format})')
            width, height = im.size
            orientation = im.getexif().get(_EXIF_ORIENTATION_TAG, 1)
    except (ValueError, SyntaxError, struct.error) as e:  # Pillow's header parse errors besides OSError
        raise OSError(f'corrupt JPEG header ({type(e).__name__}: {e})') from e
    if not isinstance(orientation, int) or not 1 <= orientation <= 8:
        orientation = 1  # an invalid tag: decoders ignore it
    if orientation >= 5:  # transposed: width and height swap
        width, height = height, width
    return height, width, orientation


@TRANSFORMS.register_module()
class LoadJpegBytes(LoadImageFromFile):
    """Read an image's encoded JPEG bytes without decoding them (``results['img_bytes']``).

    A subclass of mmcv's ``LoadImageFromFile``: :class:`~mmjft.datasets.JFTDataset` treats it as the pipeline's
    loader, so a file that is missing, not a JPEG or cut short raises OSError here and is skipped, counted and
    logged as a bad image in the data loader worker (in ``test_mode``: an error naming the file). Bytes already in
    the results (``img_bytes``, from tar shards) are used as they are; otherwise ``img_path`` is read with
    mmengine's fileio (``backend_args`` as in ``LoadImageFromFile``).

    Added keys: ``img_bytes`` (bytes), ``ori_shape`` and ``img_shape`` (the decoded ``(h, w)`` after EXIF
    orientation, as cv2 gives it), ``exif_orientation`` (1..8, applied by the data preprocessor after decoding).

    Args:
        ignore_empty (bool): a file that cannot be read returns None instead of raising (mmcv's meaning).
        backend_args (dict, optional): mmengine fileio backend.
        color_type (str): only ``'color'`` (3 channels; grayscale and CMYK JPEGs are converted when decoded).
    """

    takes_img_bytes = True  # JFTShardDataset hands it the shard's bytes instead of decoding them itself

    def __init__(self, ignore_empty: bool = False, backend_args: Optional[dict] = None, color_type: str = 'color'):
        if color_type != 'color':
            raise ValueError(f"{type(self).__name__}: the batch is decoded to 3-channel colour; color_type="
                             f"{color_type!r} is not supported (use LoadImageFromFile to decode in the workers)")
        super().__init__(color_type=color_type, ignore_empty=ignore_empty, backend_args=backend_args)

    def transform(self, results: dict) -> Optional[dict]:
        data = results.get('img_bytes')
        if data is None:
            filename = results['img_path']
            try:
                data = fileio.get(filename, backend_args=self.backend_args)
            except Exception:
                if self.ignore_empty:
                    return None
                raise
        elif not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"{type(self).__name__}: results['img_bytes'] of {results.get('img_path')} must be bytes, "
                            f'got {type(data).__name__}')
        data = bytes(data)
        height, width, orientation = check_jpeg(data)  # OSError: counted as a bad image by the dataset
        results.update(img_bytes=data, ori_shape=(height, width), img_shape=(height, width))
        results[EXIF_ORIENTATION_KEY] = orientation
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(ignore_empty={self.ignore_empty}, backend_args={self.backend_args})')


@TRANSFORMS.register_module()
class PackJpegInputs(PackInputs):
    """``PackInputs`` for :class:`LoadJpegBytes`: ``inputs`` is the encoded JPEG as a 1-D uint8 tensor; the data
    sample carries the labels as ``PackInputs`` packs them and, in its metainfo, ``img_path``, ``ori_shape``, the
    EXIF orientation and the per-sample augmentation seed (``sample_seed``, see :mod:`mmjft.datasets.sample_seed`)
    that the data preprocessor draws the crop and flip from."""

    DEFAULT_META_KEYS = PackInputs.DEFAULT_META_KEYS + (SAMPLE_SEED_KEY, EXIF_ORIENTATION_KEY)

    def __init__(self, algorithm_keys=(), meta_keys=DEFAULT_META_KEYS):
        super().__init__(input_key='img_bytes', algorithm_keys=algorithm_keys, meta_keys=meta_keys)

    @staticmethod
    def format_input(input_):
        if isinstance(input_, (bytes, bytearray, memoryview)):
            return torch.from_numpy(np.frombuffer(input_, dtype=np.uint8).copy())
        raise TypeError(f'PackJpegInputs packs encoded bytes (LoadJpegBytes), got {type(input_).__name__}')

    def transform(self, results: dict) -> dict:
        if 'img_bytes' not in results:
            raise KeyError(f"PackJpegInputs: no 'img_bytes' in the results of {results.get('img_path')} "
                           '(put LoadJpegBytes before it)')
        return super().transform(results)
