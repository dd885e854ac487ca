"""Detection transfer end to end through the tools' main(argv), in-process, on CPU:

mini-JFT pretraining (tools/train.py, the mini config's narrow ResNet-18: 16 base channels) ->
tools/model_converters/mmjft_to_downstream.py -> the mini C4 Faster R-CNN (narrow conv5 head, mmjft.ResLayer; 96 px
input, 32 RoIs per image) overfitting 2 fixed generated COCO images (tools/train.py) -> tools/test.py (COCO mAP,
results file).

Measured on 2 cores (2026-12-01, load average ~1): 20 pretraining iterations ~0.1 s each, 30 detector iterations
0.22 s each (median); the whole file 53 s wall, most of it imports, Runner builds, data and the pretraining fixture
(with the full-width ResNet-18 at 128 px and 16 RoIs: 142 s in the same hour). After them the loss is 0.43x the
first (3.78 -> 1.64) and the detector finds the objects again: bbox mAP@.5 0.75 on the 2 images (mAP 0.17). With
only 2 pretraining iterations BN's running statistics are still their initial values and the detector learns far
slower (measured with the full-width network). The same detections scored on the scenes written as PASCAL VOC
(VOC07 11-point mAP@.5): 0.69.
"""
import json
import os.path as osp

import pytest
from mmengine.config import Config

from conftest import ROOT, load_in_process, per_iteration_losses, run_log, run_tool_main
from mmjft.mini import make_mini_coco, make_mini_voc
from coco_box_ap import coco_box_ap

DET_MINI = osp.join(ROOT, 'configs/faster_rcnn/faster-rcnn_r18-c4_mini-jft-pre_1xb2_mini-coco-96px.py')
ITERS = 30


def mini_config(data, path):
    """DET_MINI on ``data`` (its model and its 32 RoIs per image as they are), in-process loading, the 2 training
    images repeated (mmengine's iteration loop sleeps 2 s whenever its data loader runs out, which a 2-image epoch
    would do at every iteration)."""
    cfg = Config.fromfile(DET_MINI)
    load_in_process(cfg, data['data_root'])
    for split in ('val', 'test'):
        cfg[f'{split}_evaluator'].ann_file = data['val_ann']
    cfg.train_dataloader.dataset = dict(type='RepeatDataset', times=1000, dataset=cfg.train_dataloader.dataset)
    cfg.dump(path)
    return path


def voc_test_config(det_config, voc, path):
    """The same model evaluated on the same scenes written as PASCAL VOC, with the VOC configs' metric."""
    cfg = Config.fromfile(det_config)
    voc_base = Config.fromfile(osp.join(ROOT, 'configs/_base_/datasets/voc0712_600px.py'))
    test_set = dict(voc['test_dataset'], pipeline=cfg.test_dataloader.dataset.pipeline)
    cfg.test_dataloader.dataset = test_set
    cfg.test_evaluator = voc_base.test_evaluator
    cfg.dump(path)
    return path


@pytest.mark.heavy
def test_c4_detector_from_mmjft_weights_overfits_and_is_evaluated(mini_jft_pretrained, tmp_path, capsys):
    # 1. an mmjft pretraining checkpoint, as the Runner writes it (conftest.mini_jft_pretrained: tools/train.py)
    # 2. converted for mmdet's C4 layout
    converted = tmp_path / 'r18_mini-jft_mmdet-c4.pth'
    run_tool_main('tools/model_converters/mmjft_to_downstream.py', [mini_jft_pretrained, converted])
    assert 'roi_head.shared_head.' in capsys.readouterr().out

    # 3. 2 fixed images in COCO format (val = the same pictures), and 30 iterations on them
    data = make_mini_coco(str(tmp_path / 'coco'), fixed_images=2, img_size=128, seed=0, with_masks=False)
    config = mini_config(data, str(tmp_path / 'det_mini.py'))
    work = tmp_path / 'det'
    run_tool_main('tools/train.py', [config, '--work-dir', work, '--no-validate', '--cfg-options',
                                     f'model.init_cfg.checkpoint={converted}', f'train_cfg.max_iters={ITERS * 2}',
                                     f'default_hooks.checkpoint.interval={ITERS * 2}',  # images
                                     'default_hooks.logger.interval=1', 'log_processor.window_size=1'])
    assert 'ConvertedCheckpointInit' in run_log(work)  # the strict initializer loaded the weights
    losses = per_iteration_losses(str(work))
    assert len(losses) == ITERS
    print('loss per iteration:', ' '.join(f'{v:.3f}' for v in losses))
    assert losses[-1] < 0.7 * losses[0], losses

    # 4. evaluated by tools/test.py, which also writes the detections as a COCO results file
    prefix = tmp_path / 'results' / 'minicoco'
    metrics = run_tool_main('tools/test.py', [config, work / f'iter_{ITERS}.pth', '--work-dir', work / 'test',
                                              '--out-prefix', prefix])
    assert {'coco/bbox_mAP', 'coco/bbox_mAP_50'} <= set(metrics)
    assert all(isinstance(v, float) for v in metrics.values())
    results = json.loads((tmp_path / 'results' / 'minicoco.bbox.json').read_text())
    assert isinstance(results, list)
    assert {r['category_id'] for r in results} <= {c['id'] for c in data['categories']}
    print(f'after {ITERS} iterations: {metrics}; {len(results)} detections')
    # the overfitted detector finds the objects it was trained on
    assert results and metrics['coco/bbox_mAP_50'] > 0.05
    # the results file scores as tools/test.py reported (mmdet rounds to 3 decimals)
    ap = coco_box_ap(data['val_ann'], results)
    assert abs(ap['mAP'] - metrics['coco/bbox_mAP']) < 1.5e-3
    assert abs(ap['mAP_50'] - metrics['coco/bbox_mAP_50']) < 1.5e-3

    # 5. the same detector and scenes in VOC's format, scored by the VOC configs' metric (VOC07 11-point mAP@.5)
    voc = make_mini_voc(str(tmp_path / 'voc'), fixed_images=2, img_size=128, seed=0)
    voc_config = voc_test_config(config, voc, str(tmp_path / 'det_mini_voc.py'))
    voc_metrics = run_tool_main('tools/test.py', [voc_config, work / f'iter_{ITERS}.pth', '--work-dir', work / 'voc'])
    print('VOC:', voc_metrics)
    assert voc_metrics['pascal_voc/mAP'] > 0.05
