"""Decode and augment a batch of JPEG bytes on the model's device (nvJPEG on a GPU): the input side of the fast
training step.

CPU decoding runs ~365 img/s per core (PIL / cv2, 500x375 photos, resize and crop included) while ResNet-101 at
299 px trains at ~2,000 img/s per GPU, so the CPU pipeline needs 6+ cores per GPU; nvJPEG decodes ~7,600 img/s on an
H200. With ``LoadJpegBytes`` + ``PackJpegInputs`` in the pipeline the workers only read bytes and this data
preprocessor does the rest of the CPU pipeline (``Resize(keep_ratio=False) -> RandomCrop -> RandomFlip`` in
training, ``Resize -> CenterCrop`` in evaluation) on the device, then everything mmpretrain's
``ClsDataPreprocessor`` does (channel order, normalisation, batch augments, labels) unchanged.
"""
import warnings
from numbers import Number
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.logging import print_log
from mmpretrain.models.utils import ClsDataPreprocessor
from torchvision.io import ImageReadMode, decode_jpeg

from mmjft.registry import MODELS
from mmjft.structures import BAD_IMAGES_KEY, EXIF_ORIENTATION_KEY, SAMPLE_SEED_KEY

_SEED_MASK = (1 << 64) - 1


def _pair(value, name: str) -> Tuple[int, int]:
    """``(w, h)`` from an int or a ``(w, h)`` pair (mmcv's ``Resize`` / ``CenterCrop`` convention)."""
    if isinstance(value, Number):
        value = (value, value)
    if (not isinstance(value, Sequence) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)):
        raise ValueError(f'{name} must be a positive int or a (w, h) pair of them, got {value!r}')
    return int(value[0]), int(value[1])


def apply_exif_orientation(img: torch.Tensor, orientation: int) -> torch.Tensor:
    """``img`` (C, H, W) as displayed under EXIF ``orientation`` (1..8), as cv2's and Pillow's
    ``exif_transpose`` give it (nvJPEG ignores the tag)."""
    if orientation == 2:
        return img.flip(-1)
    if orientation == 3:
        return img.flip(-2, -1)
    if orientation == 4:
        return img.flip(-2)
    if orientation == 5:
        return img.transpose(-2, -1)
    if orientation == 6:
        return img.transpose(-2, -1).flip(-1)
    if orientation == 7:
        return img.transpose(-2, -1).flip(-2, -1)
    if orientation == 8:
        return img.transpose(-2, -1).flip(-2)
    return img


def resize(img: torch.Tensor, size: Tuple[int, int], antialias: bool = False) -> torch.Tensor:
    """``img`` (C, H, W) resized to ``size`` (h, w), bilinear with half-pixel centres as cv2's ``INTER_LINEAR``.
    A uint8 image on the CPU goes through torch's uint8 kernel (3x the float one, one core) and stays uint8;
    otherwise (CUDA's kernel takes floating point only) the result is float, not rounded."""
    x = img[None]
    if not (x.dtype == torch.uint8 and x.device.type == 'cpu'):
        x = x.float()
    return F.interpolate(x, size=size, mode='bilinear', align_corners=False, antialias=antialias)[0]


def _decode(data, device: torch.device):
    with warnings.catch_warnings():  # torchvision 0.29 deprecates its image I/O (for TorchCodec) in every call
        warnings.simplefilter('ignore', UserWarning)
        warnings.simplefilter('ignore', DeprecationWarning)
        return decode_jpeg(data, mode=ImageReadMode.RGB, device=device)


@MODELS.register_module()
class JpegDecodeDataPreprocessor(ClsDataPreprocessor):
    """mmpretrain's ``ClsDataPreprocessor`` for batches of encoded JPEGs (``LoadJpegBytes`` + ``PackJpegInputs``).

    1. Decodes the batch with one ``torchvision.io.decode_jpeg`` call on the model's device (nvJPEG on CUDA,
       libjpeg-turbo on CPU), as RGB (grayscale and CMYK JPEGs give 3 channels), and applies the EXIF orientation
       the loader read (cv2, hence the CPU pipeline, applies it too).
    2. Per sample, on the device: resize to ``scale`` (aspect not kept, bilinear; ``antialias=False`` is what cv2's
       ``INTER_LINEAR`` of mmcv's ``Resize`` does, within one grey level; :func:`resize`), to uint8 values as the CPU
       pipeline's images; then in training a random ``crop_size`` crop and a horizontal flip with ``flip_prob``, drawn
       from a ``torch.Generator`` seeded with the sample's ``sample_seed`` (so a resumed run sees the same crops;
       samples without one draw their seed from torch's global generator, with a warning); in evaluation
       (``training=False``) resize to ``test_scale`` and a centre ``test_crop_size`` crop (mmcv's ``CenterCrop``
       offsets). The data samples' metainfo gets ``img_shape``, ``scale_factor``, ``crop_bbox`` and ``flip``.
    3. Hands ``ClsDataPreprocessor`` the batch as the CPU pipeline would (BGR uint8 values, ``(N, 3, h, w)``), so
       ``to_rgb``, ``mean`` / ``std``, batch augments and the labels behave exactly as with the CPU pipeline.
       The batch in ``torch.channels_last``: mmjft's Runner's ``channels_last=True`` (on in the JFT configs) hooks
       this module's output as any data preprocessor's.

    Runs eagerly and in float32 even inside a compiled train step (``compile=dict(modules=['train_step'])``;
    mmjft's default ``compile=True`` compiles only the backbone and the optimizer step) and an autocast
    (``AmpOptimWrapper``) one: Dynamo does not trace the decoder and the per-sample draws (tracing ``decode_jpeg``
    crashes the process), and the resize is not done in bf16 (a whole grey level per step between 128 and 255).

    A batch whose decode fails is decoded one image at a time (on CUDA an image nvJPEG rejects is retried on the
    CPU); an image that decodes nowhere is dropped with its data sample in training, counted
    (``num_decode_failures``, and in ``data['bad_images']`` so :class:`~mmjft.engine.hooks.BadImageHook` adds it
    to the run's totals and ceiling) and logged with its path; in evaluation, or when no image of the batch
    decodes, it raises naming the files.

    Args:
        scale (int | tuple): resize target ``(w, h)`` (mmcv's ``Resize(scale=..., keep_ratio=False)``).
        crop_size (int | tuple): training crop ``(w, h)``.
        flip_prob (float): probability of a horizontal flip in training. Defaults to 0.5.
        test_scale, test_crop_size: for ``training=False``; default ``scale`` and ``crop_size``.
        antialias (bool): antialiased resize (Pillow-like) instead of cv2's plain bilinear. Defaults to False.
        **kwargs: ``ClsDataPreprocessor``'s (``mean``, ``std``, ``to_rgb``, ``to_onehot``, ``num_classes``,
            ``batch_augments``, ...): ``to_rgb=True`` gives the model RGB as with the CPU pipeline's BGR images.
    """

    def __init__(self,
                 scale: Union[int, Sequence[int]],
                 crop_size: Union[int, Sequence[int]],
                 flip_prob: float = 0.5,
                 test_scale: Union[int, Sequence[int], None] = None,
                 test_crop_size: Union[int, Sequence[int], None] = None,
                 antialias: bool = False,
                 **kwargs):
        super().__init__(**kwargs)
        self.scale = _pair(scale, 'scale')
        self.crop_size = _pair(crop_size, 'crop_size')
        self.test_scale = _pair(test_scale, 'test_scale') if test_scale is not None else self.scale
        self.test_crop_size = _pair(test_crop_size, 'test_crop_size') if test_crop_size is not None else self.crop_size
        for crop_name, crop, scale_name, scale_ in (('crop_size', self.crop_size, 'scale', self.scale),
                                                    ('test_crop_size', self.test_crop_size, 'test_scale',
                                                     self.test_scale)):
            if crop[0] > scale_[0] or crop[1] > scale_[1]:
                raise ValueError(f'{crop_name} {crop} (w, h) is larger than {scale_name} {scale_}')
        if not 0.0 <= flip_prob <= 1.0:
            raise ValueError(f'flip_prob must lie in [0, 1], got {flip_prob}')
        self.flip_prob = float(flip_prob)
        self.antialias = antialias
        self.num_decode_failures = 0
        self._warned_no_seed = False

    # ------------------------------------------------------------------ decoding
    def decode(self, inputs: List[torch.Tensor], paths: Sequence[str]) -> Tuple[list, list]:
        """Decoded RGB images (uint8 (3, H, W) on the model's device) of ``inputs``; ``None`` for those that do not
        decode, listed in the second value as ``(index, path, error)``."""
        device = self.device
        try:
            return list(_decode(inputs, device)), []
        except RuntimeError:
            pass  # one bad image fails the whole call: find it
        images, failed = [], []
        for i, data in enumerate(inputs):
            try:
                images.append(_decode(data, device))
                continue
            except RuntimeError as e:
                error = e
            if device.type != 'cpu':  # what nvJPEG rejects (some CMYK / arithmetic-coded files), libjpeg may not
                try:
                    images.append(_decode(data, torch.device('cpu')).to(device))
                    print_log(f'{type(self).__name__}: {paths[i]} decoded on the CPU ({device} failed: '
                              f'{_first_line(error)})', logger='current', level=20)
                    continue
                except RuntimeError as e:
                    error = e
            images.append(None)
            failed.append((i, paths[i], _first_line(error)))
        return images, failed

    # ------------------------------------------------------------------ augmentation
    def augment(self, images: List[torch.Tensor], seeds: Sequence[Optional[int]], training: bool,
                orientations: Optional[Sequence[int]] = None) -> Tuple[torch.Tensor, List[dict]]:
        """The batch ``(N, 3, h, w)`` (uint8, on the images' device) of decoded ``images`` (``(3, H, W)``, any
        sizes), and each sample's metainfo (``img_shape``, ``scale_factor``, ``crop_bbox``, ``flip``). In training
        the crop offsets and flips are drawn from a CPU ``torch.Generator`` seeded with ``seeds[i]``; no data is
        read on the host, so this also runs on the ``meta`` device."""
        scale_w, scale_h = self.scale if training else self.test_scale
        crop_w, crop_h = self.crop_size if training else self.test_crop_size
        crops, metas = [], []
        for i, img in enumerate(images):
            if orientations is not None:
                img = apply_exif_orientation(img, orientations[i])
            height, width = img.shape[-2:]
            resized = resize(img, (scale_h, scale_w), self.antialias)
            if training:
                gen = torch.Generator().manual_seed(int(seeds[i]) & _SEED_MASK)
                y = int(torch.randint(0, scale_h - crop_h + 1, (1, ), generator=gen))
                x = int(torch.randint(0, scale_w - crop_w + 1, (1, ), generator=gen))
                flip = bool(torch.rand((), generator=gen) < self.flip_prob)
            else:  # mmcv's CenterCrop
                y = max(0, int(round((scale_h - crop_h) / 2.)))
                x = max(0, int(round((scale_w - crop_w) / 2.)))
                flip = False
            crop = resized[:, y:y + crop_h, x:x + crop_w]
            crops.append(crop.flip(-1) if flip else crop)
            metas.append(dict(img_shape=(crop_h, crop_w), scale_factor=(scale_w / width, scale_h / height),
                              crop_bbox=np.array([x, y, x + crop_w - 1, y + crop_h - 1]), flip=flip,
                              flip_direction='horizontal' if flip else None))
        batch = torch.stack(crops)
        if batch.is_floating_point():  # uint8 as the CPU pipeline's images
            batch = batch.round_().clamp_(0, 255)
        return batch.to(torch.uint8), metas

    # ------------------------------------------------------------------ forward
    @torch.compiler.disable  # a compiled train_step runs this part (decode, per-sample draws) eagerly
    def forward(self, data: dict, training: bool = False) -> dict:
        inputs = data['inputs']
        samples = data.get('data_samples')
        if isinstance(inputs, torch.Tensor):
            inputs = list(inputs) if inputs.dim() == 2 else [inputs]
        if samples is None or len(samples) != len(inputs):
            raise ValueError(f'{type(self).__name__} needs one data sample per encoded image (img_path, seed); got '
                             f'{len(inputs)} inputs and {None if samples is None else len(samples)} data samples')
        paths = [s.metainfo.get('img_path', f'<sample {i}>') for i, s in enumerate(samples)]
        for x, path in zip(inputs, paths):
            if not (isinstance(x, torch.Tensor) and x.dtype == torch.uint8 and x.dim() == 1):
                what = f'{tuple(x.shape)} {x.dtype} tensor' if isinstance(x, torch.Tensor) else type(x).__name__
                raise TypeError(f'{type(self).__name__} decodes encoded JPEGs (1-D uint8 tensors), got a {what} for '
                                f'{path}: the pipeline must end with LoadJpegBytes + PackJpegInputs')
        inputs = [x if x.device.type == 'cpu' else x.cpu() for x in inputs]  # decode_jpeg reads host memory
        with torch.autocast(self.device.type, enabled=False):
            images, failed = self.decode(inputs, paths)
            if failed:
                self._fail(data, failed, len(inputs), training)
                keep = [i for i, img in enumerate(images) if img is not None]
                images, samples = [images[i] for i in keep], [samples[i] for i in keep]
            seeds = [self._seed(s) for s in samples] if training else [None] * len(samples)
            orientations = [int(s.metainfo.get(EXIF_ORIENTATION_KEY, 1)) for s in samples]
            batch, metas = self.augment(images, seeds, training, orientations)
        for sample, meta in zip(samples, metas):
            sample.set_metainfo(meta)
        # RGB -> BGR: the parent gets what the CPU pipeline's cv2 images give (and flips it back if to_rgb)
        batch = batch.flip(1)
        return super().forward(dict(inputs=batch, data_samples=samples), training)

    def _seed(self, sample) -> int:
        seed = sample.metainfo.get(SAMPLE_SEED_KEY)
        if seed is not None:
            return int(seed)
        if not self._warned_no_seed:
            self._warned_no_seed = True
            print_log(f'{type(self).__name__}: data samples carry no {SAMPLE_SEED_KEY!r} (e.g. '
                      f'{sample.metainfo.get("img_path")}); crops and flips are drawn from torch\'s global generator, '
                      'so a resumed run does not see the same ones', logger='current', level=30)
        return int(torch.randint(0, 2**62, (1, )))

    def _fail(self, data: dict, failed: list, total: int, training: bool) -> None:
        messages = [f'{path} ({error})' for _, path, error in failed]
        shown = '; '.join(messages[:10]) + (' ...' if len(messages) > 10 else '')
        if not training:
            raise RuntimeError(f'{type(self).__name__}: {len(failed)} evaluation image(s) do not decode: {shown}')
        if len(failed) == total:
            raise RuntimeError(f'{type(self).__name__}: no image of the batch decodes on {self.device}: {shown}')
        self.num_decode_failures += len(failed)
        print_log(f'{type(self).__name__}: {len(failed)} of {total} images do not decode on {self.device} and are '
                  f'left out of the batch with their labels ({self.num_decode_failures} so far): {shown}',
                  logger='current', level=30)
        entries = data.get(BAD_IMAGES_KEY)
        if isinstance(entries, list) and len(entries) == total:
            # BadImageHook counts len(entries) good reads + the paths listed as failed: drop the failed samples'
            # entries and list them (with what their workers reported before them) on a kept one
            bad = {i for i, _, _ in failed}
            moved = [e for i, e in enumerate(entries) if i in bad and e] + [path for _, path, _ in failed]
            kept = [e for i, e in enumerate(entries) if i not in bad]
            kept[0] = '\n'.join([kept[0]] + moved if kept[0] else moved)
            data[BAD_IMAGES_KEY] = kept


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
