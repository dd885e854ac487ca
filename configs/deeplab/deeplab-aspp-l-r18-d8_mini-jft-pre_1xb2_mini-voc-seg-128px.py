"""The segmentation recipe scaled down: DeepLab-ASPP-L on a narrow ResNet-18 on generated mini-VOC segmentation (the
mini detection scenes), from the mini-JFT pretraining's weights (configs/jft/resnet18-w16_1xb32_mini-jft-64px.py as it
is: 16 base channels, conv5 128 channels), on CPU.

Weights:  python tools/dataset_converters/make_mini_jft.py data/mini_jft
          python tools/train.py configs/jft/resnet18-w16_1xb32_mini-jft-64px.py
          python tools/model_converters/mmjft_to_downstream.py --target mmseg \\
              work_dirs/resnet18-w16_1xb32_mini-jft-64px/iter_600.pth checkpoints/resnet18-w16_mini-jft_mmseg.pth
Data:     python tools/dataset_converters/make_mini_detection.py data/mini_voc_seg --format voc-seg
Command:  python tools/train.py configs/deeplab/deeplab-aspp-l-r18-d8_mini-jft-pre_1xb2_mini-voc-seg-128px.py
Evaluate: python tools/test.py configs/deeplab/deeplab-aspp-l-r18-d8_mini-jft-pre_1xb2_mini-voc-seg-128px.py CKPT \\
              --cfg-options test_evaluator.output_dir=work_dirs/mini_voc_seg/pred_png
Cost:     1,000 iterations x 2 images of 128 px: 0.067 s per iteration with torch's 2 threads (mean of 10), 0.079 s on
          one thread, on the 2-core AMD EPYC at load average 0.7-1.0 (2026-12-01; tools/benchmarks/deeplab.py CONFIG
          --batch 2 --size 128 --iters 10): ~1-2 min with data loading and the two evaluations. The full-width
          ResNet-18 it replaces: 0.45 s (0.67 s on one thread), same machine and hour.
The paper's model, data and schedule bases with sizes for 128 px images and 9 classes (background + the 8 mini
categories), and the paper's lr 1e-3 (with the full-width network, at 3e-3 the loss on 2 fixed scenes jumps back
up after a few iterations; at 1e-3 from 20-iteration mini-JFT weights of this narrow network it falls from 1.98 to
0.09 in 40 iterations, mIoU 84.8 on those scenes: tests/test_downstream/test_segmentation/test_deeplab_e2e.py).
"""
_base_ = [
    '../_base_/models/deeplab-aspp-l_r101-d8_jft.py',
    '../_base_/datasets/mini_voc-seg_128px.py',
    '../_base_/schedules/deeplab_voc_180k-images.py',
    'mmseg::_base_/default_runtime.py',
]
init_source = 'configs/jft/resnet18-w16_1xb32_mini-jft-64px.py'
base_channels = 16  # the mini-JFT pretraining's ResNet-18 width (stem and first stage)

model = dict(
    data_preprocessor=dict(size=_base_.crop_size),
    init_cfg=dict(checkpoint='checkpoints/resnet18-w16_mini-jft_mmseg.pth'),
    backbone=dict(depth=18, stem_channels=base_channels, base_channels=base_channels),
    decode_head=dict(in_channels=base_channels * 8, num_classes=len(_base_.classes)))  # conv5: 128; 9 classes

optim_wrapper = dict(optimizer=dict(lr=0.001))
# counts in images (auto_scale_schedule): on 1 process x 2 images, 1,000 iterations, evaluation at 500 and 1,000
param_scheduler = [dict(type='PolyLR', power=0.9, eta_min=0.0, begin=0, end=2_000, by_epoch=False)]
train_cfg = dict(max_iters=2_000, val_interval=1_000)
default_hooks = dict(logger=dict(interval=20), checkpoint=dict(interval=1_000, max_keep_ckpts=2))
randomness = dict(seed=0)
