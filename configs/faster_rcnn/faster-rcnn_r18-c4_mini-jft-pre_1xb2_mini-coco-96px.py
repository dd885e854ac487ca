"""The detection recipe scaled down: a narrow ResNet-18 C4 Faster R-CNN on generated mini-COCO, from the mini-JFT
pretraining's weights (configs/jft/resnet18-w16_1xb32_mini-jft-64px.py as it is: 16 base channels), on CPU.

Weights:  python tools/dataset_converters/make_mini_jft.py data/mini_jft
          python tools/train.py configs/jft/resnet18-w16_1xb32_mini-jft-64px.py
          python tools/model_converters/mmjft_to_downstream.py \\
              work_dirs/resnet18-w16_1xb32_mini-jft-64px/iter_600.pth checkpoints/resnet18-w16_mini-jft_mmdet-c4.pth
Data:     python tools/dataset_converters/make_mini_detection.py data/mini_coco --format coco
Command:  python tools/train.py configs/faster_rcnn/faster-rcnn_r18-c4_mini-jft-pre_1xb2_mini-coco-96px.py
Evaluate: python tools/test.py configs/faster_rcnn/faster-rcnn_r18-c4_mini-jft-pre_1xb2_mini-coco-96px.py CKPT \\
              --out-prefix work_dirs/mini_coco/results
Cost:     600 iterations x 2 images at 96 px: 0.23 s per iteration with torch's 2 threads (median of 10; min 0.22),
          0.36 s on one thread, on the 2-core AMD EPYC at load average 0.7-1.0 (2026-12-01; tools/benchmarks/
          faster_rcnn.py ... --height 96 --width 96 --boxes 4 --iters 10 --warmup 2): ~2.5 min of training. The
          full-width 128 px, 64-RoI config it replaces: 4.5 s (6.5 s on one thread), same machine and hour.
The paper's model, data and schedule bases with sizes for the mini scenes: the 128 px images at 96 px input (no
up-scaling), anchors of 24-96 px (the 128 px config's 32-128 px scaled with the image), 32 RoIs per image in
training and 50 proposals at test (conv5 on every RoI is the CPU's main cost), and a short run at a higher lr
without its per-image scaling. The network is the pretraining's: 16 base channels, so conv4 (the RPN's and RoIAlign's
input) has 64 channels and conv5 (mmjft.ResLayer, mmdet's C4 head with the backbone's width) 128.
"""
_base_ = [
    '../_base_/models/faster-rcnn_r101-c4_jft.py',
    '../_base_/datasets/mini_coco_96px.py',
    '../_base_/schedules/faster-rcnn_coco_3m-steps.py',
    'mmdet::_base_/default_runtime.py',
]
init_source = 'configs/jft/resnet18-w16_1xb32_mini-jft-64px.py'
base_channels = 16  # the mini-JFT pretraining's ResNet-18 width (stem and first stage)

model = dict(
    init_cfg=dict(checkpoint='checkpoints/resnet18-w16_mini-jft_mmdet-c4.pth'),
    backbone=dict(depth=18, stem_channels=base_channels, base_channels=base_channels),
    rpn_head=dict(
        in_channels=base_channels * 4, feat_channels=base_channels * 4,  # conv4: 64 channels
        anchor_generator=dict(scales=[1.5, 3, 6], ratios=[0.5, 1.0, 2.0], strides=[16])),
    roi_head=dict(
        shared_head=dict(type='mmjft.ResLayer', depth=18, base_channels=base_channels),
        bbox_roi_extractor=dict(out_channels=base_channels * 4),
        bbox_head=dict(in_channels=base_channels * 8, num_classes=len(_base_.classes))),  # conv5: 128; 8 classes
    train_cfg=dict(rpn_proposal=dict(nms_pre=2000, max_per_img=300), rcnn=dict(sampler=dict(num=32))),
    test_cfg=dict(rpn=dict(nms_pre=1000, max_per_img=50)))

optim_wrapper = dict(optimizer=dict(lr=0.02))
auto_scale_lr = dict(enable=False)
# counts in images (auto_scale_schedule): on 1 process x 2 images, 600 iterations, decay at 450, val at 300
param_scheduler = [dict(type='MultiStepLR', by_epoch=False, begin=0, end=1_200, milestones=[900], gamma=0.1)]
train_cfg = dict(max_iters=1_200, val_interval=600)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    invalid_loss=dict(type='mmjft.StopOnInvalidLossHook'),  # a NaN / inf loss stops the run
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=600, max_keep_ckpts=2))
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)
