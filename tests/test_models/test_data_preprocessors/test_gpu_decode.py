"""JpegDecodeDataPreprocessor (decode + augment on the model's device), run here on the CPU device: what the model gets
matches the CPU pipeline, crops follow the per-sample seed, undecodable images leave the batch with their labels."""
import io
import json
import os
import warnings

import numpy as np
import pytest
import torch
from mmcv.transforms import Compose
from mmengine.dataset import pseudo_collate
from mmpretrain.models.utils import ClsDataPreprocessor
from PIL import Image

import mmjft.models.data_preprocessors.gpu_decode as gpu_decode
from conftest import ROOT, build_runner
from jpeg_samples import bogus_huffman, photo
from mmjft.datasets import BAD_IMAGES_KEY
from mmjft.datasets.transforms import LoadJpegBytes, PackJpegInputs
from mmjft.models import JpegDecodeDataPreprocessor
from mmjft.registry import TRANSFORMS

NORM = dict(mean=[127.5] * 3, std=[127.5] * 3)
GPU_CONFIG = os.path.join(ROOT, 'configs/jft/resnet18-w16_1xb32_mini-jft-gpu-decode-64px.py')
RN101_CONFIG = os.path.join(ROOT, 'configs/jft/resnet101_8xb32_jft300m-gpu-decode-299px.py')
RN101_CPU_CONFIG = os.path.join(ROOT, 'configs/jft/resnet101_8xb32_jft300m-299px.py')


def write(tmp_path, name, data):
    (tmp_path / name).write_bytes(data)
    return str(tmp_path / name)


def gpu_batch(paths, labels=None, seeds=None):
    """The collated batch the data loader gives the preprocessor (LoadJpegBytes + PackJpegInputs)."""
    pipeline = Compose([LoadJpegBytes(), PackJpegInputs()])
    samples = []
    for i, path in enumerate(paths):
        results = dict(img_path=path, gt_label=np.array(labels[i] if labels else [i]), sample_idx=i)
        if seeds is not None:
            results['sample_seed'] = seeds[i]
        samples.append(pipeline(results))
    return pseudo_collate(samples)


def cpu_inputs(paths, scale, crop, to_rgb=True):
    """What the CPU pipeline (LoadImageFromFile -> Resize -> CenterCrop -> PackInputs) + ClsDataPreprocessor give."""
    pipeline = Compose([TRANSFORMS.build(t) for t in [
        dict(type='LoadImageFromFile'), dict(type='Resize', scale=(scale, scale), keep_ratio=False),
        dict(type='CenterCrop', crop_size=crop), dict(type='PackInputs')]])
    data = pseudo_collate([pipeline(dict(img_path=p, gt_label=np.array([0]))) for p in paths])
    return ClsDataPreprocessor(**NORM, to_rgb=to_rgb)(data, False)['inputs']


@pytest.mark.parametrize('scale, crop', [(72, 64), (340, 299)])
def test_centre_crop_matches_the_cpu_pipeline(tmp_path, scale, crop):
    paths = [write(tmp_path, 'rgb.jpg', photo()),
             write(tmp_path, 'odd.jpg', photo((333, 517), seed=1)),
             write(tmp_path, 'gray.jpg', photo(seed=2, mode='L')),  # 1 channel -> 3, as cv2's 'color'
             write(tmp_path, 'rot.jpg', photo((320, 240), seed=3, exif_orientation=6)),  # cv2 applies EXIF rotation
             write(tmp_path, 'cmyk.jpg', photo(seed=4, mode='CMYK'))]
    ref = cpu_inputs(paths, scale, crop)
    pre = JpegDecodeDataPreprocessor(scale=scale, crop_size=crop, **NORM, to_rgb=True)
    out = pre(gpu_batch(paths), False)
    got = out['inputs']
    assert got.shape == ref.shape == (5, 3, crop, crop) and got.dtype == torch.float32
    # The decoders agree exactly (torchvision and cv2 both use libjpeg-turbo's IDCT: 0 difference measured);
    # the resize does not: cv2's INTER_LINEAR and torch's uint8 bilinear kernel (the CPU path) sum with different
    # fixed-point precisions, so a pixel can differ by one grey level (1 / 127.5 after normalisation; measured:
    # 20-30% of the pixels; ~12% with torch's float kernel, the CUDA path). The two libraries' CMYK -> RGB
    # conversions round differently: one more level, on most pixels of a CMYK JPEG.
    levels = ((got - ref) * 127.5).abs()
    assert levels[:4].max() <= 1.0 + 1e-4 and levels[:4].mean() < 0.35
    assert levels[4].max() <= 2.0 + 1e-4 and levels[4].mean() < 1.0
    assert [s.img_shape for s in out['data_samples']] == [(crop, crop)] * 5
    assert out['data_samples'][3].ori_shape == (320, 240)  # (h, w) as displayed


def test_channel_order_follows_to_rgb_as_in_the_cpu_pipeline(tmp_path):
    buf = io.BytesIO()
    Image.new('RGB', (80, 80), (230, 20, 20)).save(buf, 'JPEG', quality=95)  # red
    paths = [write(tmp_path, 'red.jpg', buf.getvalue())]
    for to_rgb, red_channel in ((True, 0), (False, 2)):
        got = JpegDecodeDataPreprocessor(scale=72, crop_size=64, **NORM, to_rgb=to_rgb)(gpu_batch(paths), False)
        ref = cpu_inputs(paths, 72, 64, to_rgb=to_rgb)
        assert got['inputs'][0, red_channel].mean() > 0.7 and got['inputs'][0, 2 - red_channel].mean() < -0.7
        assert torch.allclose(got['inputs'], ref, atol=1.01 / 127.5)


def test_training_crops_follow_the_sample_seed(tmp_path):
    paths = [write(tmp_path, f'{i}.jpg', photo((160, 120), seed=i)) for i in range(3)]
    pre = JpegDecodeDataPreprocessor(scale=72, crop_size=64, **NORM, to_rgb=True)

    def run(order, seeds):
        out = pre(gpu_batch([paths[i] for i in order], seeds=seeds), True)
        return {s.img_path: (tuple(s.crop_bbox), s.flip, x) for s, x in zip(out['data_samples'], out['inputs'])}

    first = run([0, 1, 2], [11, 22, 33])
    again = run([2, 0, 1], [33, 11, 22])  # same seeds, other batch positions (a resumed run's batches)
    for path in paths:
        assert first[path][:2] == again[path][:2] and torch.equal(first[path][2], again[path][2])
    # different seeds: different crops and both flip outcomes, all inside the 72 x 72 resize
    draws = [pre.augment([torch.zeros(3, 120, 160, dtype=torch.uint8)], [seed], True)[1][0] for seed in range(40)]
    boxes = {tuple(m['crop_bbox']) for m in draws}
    assert len(boxes) > 20 and {m['flip'] for m in draws} == {True, False}
    assert all(0 <= b[0] and b[2] <= 71 and b[2] - b[0] == 63 and b[3] - b[1] == 63 for b in boxes)
    # a crop of seed s is the resized image's window, mirrored when flipped
    img = torch.arange(120 * 160).reshape(1, 120, 160).expand(3, -1, -1).remainder(251).to(torch.uint8)
    for seed in range(4):
        batch, (meta, ) = pre.augment([img], [seed], True)
        x1, y1, x2, y2 = meta['crop_bbox']
        window = gpu_decode.resize(img, (72, 72))[:, y1:y2 + 1, x1:x2 + 1]
        assert torch.equal(batch[0], window.flip(-1) if meta['flip'] else window)


def test_float_resize_of_the_gpu_agrees_with_the_uint8_one_of_the_cpu():
    # CUDA's bilinear kernel takes floats (then rounded); the CPU's uint8 kernel rounds its fixed-point sums
    img = gpu_decode._decode(torch.from_numpy(np.frombuffer(photo(), np.uint8).copy()), torch.device('cpu'))
    for size in ((340, 340), (72, 72)):
        as_uint8 = gpu_decode.resize(img, size)
        as_float = gpu_decode.resize(img.float(), size)
        assert as_uint8.dtype == torch.uint8 and as_float.dtype == torch.float32
        assert (as_float.round() - as_uint8.float()).abs().max() <= 1


def test_samples_without_a_seed_warn_once_and_still_train(tmp_path, monkeypatch):
    logged = []
    monkeypatch.setattr(gpu_decode, 'print_log', lambda msg, **kw: logged.append(msg))
    paths = [write(tmp_path, f'{i}.jpg', photo((100, 90), seed=i)) for i in range(2)]
    pre = JpegDecodeDataPreprocessor(scale=72, crop_size=64, **NORM, to_rgb=True)
    assert pre(gpu_batch(paths), True)['inputs'].shape == (2, 3, 64, 64)
    pre(gpu_batch(paths), True)
    assert len(logged) == 1 and "no 'sample_seed'" in logged[0] and '0.jpg' in logged[0]


def test_undecodable_image_leaves_the_batch_with_its_label_and_is_counted(tmp_path, monkeypatch):
    logged = []
    monkeypatch.setattr(gpu_decode, 'print_log', lambda msg, **kw: logged.append(msg))
    good = [write(tmp_path, f'{i}.jpg', photo((100, 90), seed=i)) for i in range(3)]
    bad = write(tmp_path, 'bad.jpg', bogus_huffman(photo((100, 90), seed=9)))
    paths = [good[0], bad, good[1], good[2]]
    data = gpu_batch(paths, labels=[[0], [1], [2], [3]], seeds=[1, 2, 3, 4])
    # a truncated JPEG in the batch (what a loader without the end-marker check would let through)
    cut = photo((100, 90), seed=8)
    data['inputs'][3] = torch.from_numpy(np.frombuffer(cut[:len(cut) // 2], np.uint8).copy())
    data[BAD_IMAGES_KEY] = ['', 'earlier.jpg', '', '']  # what the workers handed on (BadImageHook counts these)
    pre = JpegDecodeDataPreprocessor(scale=72, crop_size=64, **NORM, to_rgb=True)
    out = pre(data, True)
    assert out['inputs'].shape == (2, 3, 64, 64)
    assert [s.img_path for s in out['data_samples']] == [good[0], good[1]]
    assert [s.gt_label.tolist() for s in out['data_samples']] == [[0], [2]]
    assert pre.num_decode_failures == 2
    assert len(logged) == 1 and bad in logged[0] and good[2] in logged[0] and '2 of 4 images' in logged[0]
    assert 'Huffman' in logged[0] and 'truncated' in logged[0]
    # BadImageHook's count: 2 entries (good reads) + 3 listed failures = 5 reads, 3 bad
    entries = data[BAD_IMAGES_KEY]
    assert len(entries) == 2 and sorted(p for e in entries for p in e.split('\n') if p) == sorted(
        ['earlier.jpg', bad, good[2]])
    # the kept samples are the same images as in a batch without the bad ones
    clean = pre(gpu_batch([good[0], good[1]], seeds=[1, 3]), True)
    assert torch.equal(clean['inputs'], out['inputs'])


def test_undecodable_image_in_evaluation_or_a_whole_bad_batch_is_an_error(tmp_path):
    good = write(tmp_path, 'good.jpg', photo((100, 90)))
    bad = write(tmp_path, 'bad.jpg', bogus_huffman(photo((100, 90), seed=1)))
    pre = JpegDecodeDataPreprocessor(scale=72, crop_size=64, **NORM, to_rgb=True)
    with pytest.raises(RuntimeError, match=r'1 evaluation image\(s\) do not decode: .*bad\.jpg'):
        pre(gpu_batch([good, bad]), False)
    with pytest.raises(RuntimeError, match=r'no image of the batch decodes on cpu: .*bad\.jpg'):
        pre(gpu_batch([bad], seeds=[0]), True)


def test_decoded_images_are_refused_with_the_pipeline_to_use(tmp_path):
    pre = JpegDecodeDataPreprocessor(scale=72, crop_size=64, **NORM)
    data = dict(inputs=[torch.zeros(3, 64, 64, dtype=torch.uint8)], data_samples=gpu_batch(
        [write(tmp_path, 'a.jpg', photo((80, 80)))])['data_samples'])
    with pytest.raises(TypeError, match=r'\(3, 64, 64\) torch.uint8 tensor for .*a\.jpg: .*LoadJpegBytes'):
        pre(data, True)
    with pytest.raises(ValueError, match=r'crop_size \(80, 80\) \(w, h\) is larger than scale \(72, 72\)'):
        JpegDecodeDataPreprocessor(scale=72, crop_size=80)


def test_exif_orientations_match_torchvision_and_cv2():
    from torchvision.io import decode_jpeg
    for orientation in range(1, 9):
        data = torch.from_numpy(np.frombuffer(photo((40, 24), exif_orientation=orientation), np.uint8).copy())
        raw = gpu_decode._decode(data, torch.device('cpu'))
        with warnings.catch_warnings():  # torchvision 0.29 deprecates its image I/O (TorchCodec)
            warnings.simplefilter('ignore')
            ref = decode_jpeg(data, apply_exif_orientation=True)
        assert torch.equal(gpu_decode.apply_exif_orientation(raw, orientation), ref), orientation


def test_runs_eagerly_inside_a_compiled_train_step(tmp_path):
    # compile=True (the JFT configs) compiles model.train_step, preprocessor included; Dynamo tracing decode_jpeg
    # kills the process (segmentation fault), so the forward is excluded from compilation
    pre = JpegDecodeDataPreprocessor(scale=72, crop_size=64, **NORM, to_rgb=True)
    compiled = torch.compile(lambda data: pre(data, True)['inputs'] * 2, backend='eager')
    for k, sizes in enumerate([[(100, 90), (120, 80)], [(97, 91), (130, 70)]]):  # other sizes: no recompilation
        paths = [write(tmp_path, f'{k}_{i}.jpg', photo(size, seed=i)) for i, size in enumerate(sizes)]
        assert torch.equal(compiled(gpu_batch(paths, seeds=[k, k + 1])), pre(gpu_batch(paths, seeds=[k, k + 1]),
                                                                              True)['inputs'] * 2)


def test_augmentation_math_runs_on_the_meta_device():
    pre = JpegDecodeDataPreprocessor(scale=(340, 340), crop_size=299, **NORM, to_rgb=True)
    images = [torch.empty(3, 375, 500, dtype=torch.uint8, device='meta'),
              torch.empty(3, 500, 333, dtype=torch.uint8, device='meta')]
    for training in (True, False):
        batch, metas = pre.augment(images, [7, 8], training, orientations=[1, 6])
        assert batch.device.type == 'meta' and batch.shape == (2, 3, 299, 299) and batch.dtype == torch.uint8
        cpu_batch, cpu_metas = pre.augment([torch.zeros(x.shape, dtype=torch.uint8) for x in images], [7, 8], training,
                                           orientations=[1, 6])
        assert [tuple(m['crop_bbox']) for m in metas] == [tuple(m['crop_bbox']) for m in cpu_metas]
        assert metas[1]['scale_factor'] == (340 / 500, 340 / 333)  # orientation 6: 333 x 500 displayed as 500 x 333
    assert [tuple(m['crop_bbox']) for m in pre.augment(images, [0, 0], False)[1]] == [(20, 20, 318, 318)] * 2


def test_configs_switch_the_decode_and_keep_the_recipe():
    from mmengine.config import Config
    from mmjft.registry import MODELS
    gpu, cpu = Config.fromfile(RN101_CONFIG), Config.fromfile(RN101_CPU_CONFIG)
    pre = MODELS.build(gpu.model.data_preprocessor)
    cpu_steps = {t['type']: t for t in cpu.train_dataloader.dataset.pipeline}
    cpu_test = {t['type']: t for t in cpu.val_dataloader.dataset.pipeline}
    assert isinstance(pre, JpegDecodeDataPreprocessor) and pre.to_rgb
    assert pre.scale == cpu_steps['Resize']['scale'] == pre.test_scale == cpu_test['Resize']['scale']
    assert pre.crop_size == (cpu_steps['RandomCrop']['crop_size'], ) * 2 == (cpu_test['CenterCrop']['crop_size'], ) * 2
    assert pre.flip_prob == cpu_steps['RandomFlip']['prob']
    assert torch.equal(pre.mean, torch.full((3, 1, 1), 127.5)) and torch.equal(pre.std, pre.mean)
    for cfg in (gpu, Config.fromfile(GPU_CONFIG)):
        for split in ('train', 'val', 'test'):
            steps = [t['type'] for t in cfg[f'{split}_dataloader'].dataset.pipeline]
            assert steps == ['LoadJpegBytes', 'PackJpegInputs'], (split, steps)
    assert gpu.train_cfg == cpu.train_cfg and gpu.optim_wrapper == cpu.optim_wrapper


def test_two_training_iterations_with_the_gpu_decode_config(tmp_path, monkeypatch):
    from mmjft.mini import make_mini_jft
    world = make_mini_jft(str(tmp_path / 'data'), num_train=40, num_val=8, seed=0)
    bad = os.path.join(world['data_root'], json.loads(open(world['train_ann']).readline())['img_path'])
    with open(bad, 'rb') as f:
        data = f.read()
    with open(bad, 'wb') as f:  # passes the worker's checks, fails the batch decode
        f.write(bogus_huffman(data))
    runner = build_runner(GPU_CONFIG, world['data_root'], tmp_path / 'work', {
        'train_dataloader.batch_size': 16, 'train_dataloader.num_workers': 0,
        'train_dataloader.sampler.shuffle': False,
        'train_cfg.max_iters': 2 * 16, 'train_cfg.val_interval': 10**6, 'default_hooks.logger.interval': 1,
        'default_hooks.checkpoint.interval': 10**6, 'channels_last': True})
    pre = runner.model.data_preprocessor
    layouts = []
    pre.register_forward_hook(lambda m, args, out: layouts.append(
        (tuple(out['inputs'].shape), out['inputs'].is_contiguous(memory_format=torch.channels_last))))
    runner.train()
    # 2 training batches (one image dropped), then the evaluation at the end (8 images, centre crops); all in
    # channels_last by the Runner's hook
    assert layouts == [((15, 3, 64, 64), True), ((16, 3, 64, 64), True), ((8, 3, 64, 64), True)]
    assert isinstance(pre, JpegDecodeDataPreprocessor) and pre.num_decode_failures == 1
    hook = next(h for h in runner.hooks if type(h).__name__ == 'BadImageHook')
    assert hook.totals.bad_paths == [bad] and hook.totals.reads == 2 * 16 - 1 + hook.totals.num_bad
    with open(os.path.join(runner.log_dir, 'vis_data', 'scalars.json')) as f:
        losses = [json.loads(line)['loss'] for line in f if 'loss' in line]
    assert len(losses) == 2 and all(np.isfinite(losses))
