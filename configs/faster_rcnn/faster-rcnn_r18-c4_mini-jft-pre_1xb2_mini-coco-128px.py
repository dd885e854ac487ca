"""The detection recipe scaled down: a ResNet-18 C4 Faster R-CNN on generated mini-COCO, from mini-JFT weights, on CPU.

mmdet's C4 RoI head has ResNet's standard widths, so the mini-JFT run uses a full-width ResNet-18:
    python tools/dataset_converters/make_mini_jft.py data/mini_jft
    python tools/train.py configs/jft/resnet18-w16_1xb32_mini-jft-64px.py --work-dir work_dirs/mini-jft_r18 \\
        --cfg-options model.backbone.stem_channels=64 model.backbone.base_channels=64 model.head.in_channels=512
    python tools/model_converters/mmjft_to_downstream.py work_dirs/mini-jft_r18/iter_600.pth \\
        checkpoints/resnet18_mini-jft_mmdet-c4.pth
Data:     python tools/dataset_converters/make_mini_detection.py data/mini_coco --format coco
Command:  python tools/train.py configs/faster_rcnn/faster-rcnn_r18-c4_mini-jft-pre_1xb2_mini-coco-128px.py
Evaluate: python tools/test.py configs/faster_rcnn/faster-rcnn_r18-c4_mini-jft-pre_1xb2_mini-coco-128px.py CKPT \\
              --out-prefix work_dirs/mini_coco/results
Cost:     600 iterations x 2 images of 128 px: 4.3 s per iteration on 2 CPU cores (tools/benchmarks/faster_rcnn.py), about
          45 min; the full-width mini-JFT pretraining above ~0.7 s per iteration, ~7 min.
The paper's model, data and schedule bases with sizes for 128 px images: 128 px input (no up-scaling), anchors of
32-128 px, 64 RoIs per image in training and 100 proposals at test (conv5 on every RoI is the CPU's main cost),
and a short run at a higher lr without its per-image scaling.
"""
_base_ = [
    '../_base_/models/faster-rcnn_r101-c4_jft.py',
    '../_base_/datasets/mini_coco_128px.py',
    '../_base_/schedules/faster-rcnn_coco_3m-steps.py',
    'mmdet::_base_/default_runtime.py',
]
init_source = 'configs/jft/resnet18-w16_1xb32_mini-jft-64px.py'

model = dict(
    init_cfg=dict(checkpoint='checkpoints/resnet18_mini-jft_mmdet-c4.pth'),
    backbone=dict(depth=18),
    rpn_head=dict(
        in_channels=256, feat_channels=256,
        anchor_generator=dict(scales=[2, 4, 8], ratios=[0.5, 1.0, 2.0], strides=[16])),
    roi_head=dict(
        shared_head=dict(depth=18),
        bbox_roi_extractor=dict(out_channels=256),
        bbox_head=dict(in_channels=512, num_classes=len(_base_.classes))),  # the data base's 8 classes
    train_cfg=dict(rpn_proposal=dict(nms_pre=2000, max_per_img=300), rcnn=dict(sampler=dict(num=64))),
    test_cfg=dict(rpn=dict(nms_pre=1000, max_per_img=100)))

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
