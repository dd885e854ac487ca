"""Segmentation transfer end to end through the tools' main(argv), in-process, on CPU:

mini-JFT pretraining (tools/train.py, the mini config's narrow ResNet-18: 16 base channels, 20 iterations;
conftest.mini_jft_pretrained, shared with the detection test) ->
tools/model_converters/mmjft_to_downstream.py --target mmseg -> DeepLab-ASPP-L overfitting 2 fixed generated VOC
segmentation scenes (tools/train.py, the mini config) -> tools/test.py with the predictions written as PNGs; the mIoU
it prints equals a numpy confusion-matrix mIoU of those PNGs against the ground-truth PNGs.

Measured on 2 cores (2026-12-01, load average ~1): 40 iterations 0.07 s each (median), the whole file 72 s wall,
most of it imports and Runner builds (with the full-width ResNet-18: 99 s in the same hour). The loss falls from 1.98
to ~0.09 in 40 iterations (lr 1e-3, 1e-2 on the branches; batches mix the 2 scenes, so windows of 8 are compared)
and the 2 scenes are segmented again: mIoU 84.82, aAcc 96.2 (predicting background everywhere scores mIoU ~16,
aAcc ~80; the full-width network: mIoU 88.97).
"""
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from PIL import Image

from conftest import ROOT, load_in_process, per_iteration_losses, run_log, run_tool_main
from mmjft.mini import make_mini_voc_seg

SEG_MINI = osp.join(ROOT, 'configs/deeplab/deeplab-aspp-l-r18-d8_mini-jft-pre_1xb2_mini-voc-seg-128px.py')
ITERS = 40


def confusion_miou(pred_dir, gt_dir, ids, num_classes, ignore=255):
    """mIoU over the classes present in ground truth or prediction (mmseg's IoUMetric: NaN classes left out)."""
    conf = np.zeros((num_classes, num_classes), dtype=np.int64)
    for i in ids:
        gt = np.array(Image.open(osp.join(gt_dir, f'{i}.png')))
        pred = np.array(Image.open(osp.join(pred_dir, f'{i}.png')))
        assert pred.shape == gt.shape
        keep = gt != ignore
        conf += np.bincount(gt[keep].astype(np.int64) * num_classes + pred[keep], minlength=num_classes ** 2
                            ).reshape(num_classes, num_classes)
    inter = np.diag(conf)
    union = conf.sum(0) + conf.sum(1) - inter
    with np.errstate(invalid='ignore', divide='ignore'):
        iou = inter / union
    return float(np.nanmean(iou) * 100), conf


@pytest.mark.heavy
def test_deeplab_from_mmjft_weights_overfits_and_is_evaluated(mini_jft_pretrained, tmp_path, capsys):
    converted = tmp_path / 'r18_mini-jft_mmseg.pth'
    run_tool_main('tools/model_converters/mmjft_to_downstream.py', ['--target', 'mmseg', mini_jft_pretrained, converted])
    assert 'for mmseg (backbone.)' in capsys.readouterr().out

    data = make_mini_voc_seg(str(tmp_path / 'seg'), fixed_images=2, img_size=128, seed=0)
    cfg = Config.fromfile(SEG_MINI)
    load_in_process(cfg, data['voc_root'])
    # the 2 training images repeated: mmengine's loop sleeps 2 s whenever a data loader runs out
    cfg.train_dataloader.dataset = dict(type='RepeatDataset', times=1000, dataset=cfg.train_dataloader.dataset)
    config = str(tmp_path / 'seg_mini.py')
    cfg.dump(config)

    work = tmp_path / 'seg_work'
    run_tool_main('tools/train.py', [config, '--work-dir', work, '--no-validate', '--cfg-options',
                                     f'model.init_cfg.checkpoint={converted}', f'train_cfg.max_iters={ITERS * 2}',
                                     f'param_scheduler.0.end={ITERS * 2}',  # images
                                     f'default_hooks.checkpoint.interval={ITERS * 2}',
                                     'default_hooks.logger.interval=1', 'log_processor.window_size=1'])
    assert 'ConvertedCheckpointInit: ' in run_log(work)  # the strict initializer filled the backbone
    losses = per_iteration_losses(str(work))
    assert len(losses) == ITERS
    print('loss per iteration:', ' '.join(f'{v:.3f}' for v in losses))
    assert np.mean(losses[-8:]) < 0.6 * np.mean(losses[:8]), losses  # batches mix the 2 images: averaged

    pred_dir = tmp_path / 'pred_png'
    metrics = run_tool_main('tools/test.py', [config, work / f'iter_{ITERS}.pth', '--work-dir', work / 'test',
                                              '--cfg-options', f'test_evaluator.output_dir={pred_dir}'])
    ids = open(data['val_ann']).read().split()
    assert sorted(p.name for p in pred_dir.iterdir()) == sorted(f'{i}.png' for i in ids)
    miou, conf = confusion_miou(str(pred_dir), data['seg_dir'], ids, len(data['classes']))
    print(f'after {ITERS} iterations: {metrics}; numpy mIoU {miou:.2f}; confusion diagonal {np.diag(conf)}')
    assert metrics['mIoU'] == pytest.approx(miou, abs=0.006)  # mmseg rounds to 2 decimals
    assert metrics['mIoU'] > 50  # the objects are found, not only the background (~16)
    assert metrics['aAcc'] == pytest.approx(100 * np.diag(conf).sum() / conf.sum(), abs=0.006)
