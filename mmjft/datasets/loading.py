"""Running a dataset's pipeline so that a missing or corrupt image is skipped and counted instead of killing training:
the pipeline is split after its last image loader, and only the loading part's errors are caught (see
:mod:`.bad_images` for who counts them and when a run stops)."""
from typing import Optional

import cv2
from mmcv.transforms import LoadImageFromFile
from mmengine.dataset import Compose

from mmjft.structures import BAD_IMAGES_KEY
from .bad_images import ConsecutiveBadImages

# What a missing or undecodable file raises inside mmcv's LoadImageFromFile (FileNotFoundError, PIL's
# UnidentifiedImageError and truncated files: OSError; cv2 returning None for a truncated or corrupt JPEG:
# AssertionError 'failed to load image'; cv2.error; PIL's ValueError on some headers). Caught around the loading
# transforms only: the same exceptions raised by a later transform are bugs and propagate.
IMAGE_ERRORS = (OSError, AssertionError, ValueError, cv2.error)


def split_loading(pipeline: Compose):
    """The pipeline's transforms up to the last image loader (mmcv's ``LoadImageFromFile`` or a subclass), and the
    rest as a :class:`Compose`. No loader: nothing is treated as loading."""
    transforms = list(pipeline.transforms)
    loaders = [i for i, t in enumerate(transforms) if isinstance(t, LoadImageFromFile)]
    cut = loaders[-1] + 1 if loaders else 0
    return transforms[:cut], Compose(transforms[cut:])


def run_loading(loading, info: dict) -> dict:
    """Run the loading transforms of :func:`split_loading` on ``info``; a loader that returns nothing (mmcv's
    ``ignore_empty``) is a failed read (OSError)."""
    data = info
    for transform in loading:
        data = transform(data)
        if data is None:
            raise OSError(f'{type(transform).__name__} returned nothing')
    return data


def load_or_skip(loading, after_loading: Compose, info: dict, bad: ConsecutiveBadImages, test_mode: bool,
                 name: Optional[str] = None):
    """Run a pipeline split by :func:`split_loading` on ``info``. An error of the loading transforms
    (:data:`IMAGE_ERRORS`) raises a RuntimeError naming the image in ``test_mode``; in training the image is counted
    bad (as ``name``, default its ``img_path``) and None is returned (another sample takes its place). A good
    training sample gets the failed paths since the last good one under :data:`BAD_IMAGES_KEY`."""
    name = info['img_path'] if name is None else name
    try:
        data = run_loading(loading, info)
    except IMAGE_ERRORS as e:
        if test_mode:
            raise RuntimeError(f'cannot read evaluation image {name}: {e}') from e
        bad.bad(name, e)
        return None
    data = after_loading(data)
    if data is not None and not test_mode:
        data[BAD_IMAGES_KEY] = bad.take()
    return data
