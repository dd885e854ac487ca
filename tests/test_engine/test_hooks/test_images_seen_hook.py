"""Checkpoints named by images seen (epochs ablation) and the pretraining facts the converter passes downstream."""
import os.path as osp

import pytest
import torch

from conftest import MINI_CONFIG, build_runner
from mmjft.engine.hooks import ImagesSeenCheckpointHook, images_tag
from mmjft.downstream.convert import convert_for_downstream


def test_images_tag_and_bad_counts():
    assert [images_tag(n) for n in (384_000_000, 1_500_000, 6_400, 20)] == ['384M', '1500K', '6400', '20']
    with pytest.raises(ValueError, match='positive'):
        ImagesSeenCheckpointHook(at_images=[0])


def test_named_checkpoints_and_meta_reach_the_converter(mini_jft, tmp_path):
    # 4 iterations of 8 images: 16 is reached exactly at iteration 2, 20 inside iteration 3 (16 < 20 <= 24)
    runner = build_runner(MINI_CONFIG, mini_jft['data_root'], tmp_path, {
        'train_dataloader.batch_size': 8, 'train_dataloader.num_workers': 0,
        'train_dataloader.dataset.subset_size': 200, 'train_cfg.max_iters': 32,
        'val_dataloader': None, 'val_cfg': None, 'val_evaluator': None,
        'default_hooks.checkpoint.interval': 32, 'default_hooks.images_seen.at_images': [16, 20],
        'model.backbone.base_channels': 8, 'model.backbone.stem_channels': 8, 'model.head.in_channels': 64})
    runner.train()
    seen = {}
    for name in ('images_16.pth', 'images_20.pth', 'iter_4.pth'):
        ckpt = torch.load(osp.join(tmp_path, name), map_location='cpu', weights_only=False)
        seen[name] = ckpt['meta']['images_seen']
    assert seen == {'images_16.pth': 16, 'images_20.pth': 24, 'iter_4.pth': 32}
    assert 'optimizer' not in torch.load(osp.join(tmp_path, 'images_16.pth'), weights_only=False)

    ckpt = torch.load(osp.join(tmp_path, 'images_20.pth'), map_location='cpu', weights_only=False)
    pre = convert_for_downstream(ckpt, 'mmseg')['meta']['pretraining']
    assert (pre['depth'], pre['subset_size'], pre['subset_seed'], pre['images_seen']) == (18, 200, 0, 24)
    assert pre['classes_subset'] is None and pre['num_classes'] == 73
    # a source without a config (torchvision weights): the facts it lacks are None, nothing fails
    bare = convert_for_downstream({'state_dict': ckpt['state_dict'], 'meta': {'img_norm': ckpt['meta'].get(
        'img_norm', dict(mean=[0, 0, 0], std=[1, 1, 1]))}}, 'mmseg')['meta']['pretraining']
    assert bare['depth'] is None and bare['images_seen'] is None
