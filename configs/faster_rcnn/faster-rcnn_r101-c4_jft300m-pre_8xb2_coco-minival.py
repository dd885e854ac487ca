"""Faster R-CNN ResNet-101 C4 on COCO from JFT-300M weights (paper '300M', mAP@.5 / mAP@[.5,.95]: 57.1 / 36.8 on
minival*, Table 9, the split this config evaluates; 56.9 / 36.7 on test-dev, Table 2).

Needs the JFT checkpoint converted for mmdet's C4 layout (conv5 into the RoI head):
    python tools/model_converters/mmjft_to_downstream.py \\
        work_dirs/resnet101_8xb32_jft300m-299px/iter_4500000.pth checkpoints/resnet101_jft300m_mmdet-c4.pth
and COCO 2014 split into train + valminusminival / minival*
(see configs/_base_/datasets/coco2014_minival-split_600px.py).
Command:  bash tools/dist_train.sh configs/faster_rcnn/faster-rcnn_r101-c4_jft300m-pre_8xb2_coco-minival.py 8
Evaluate: python tools/test.py configs/faster_rcnn/faster-rcnn_r101-c4_jft300m-pre_8xb2_coco-minival.py CKPT \\
              --out-prefix work_dirs/r101-c4_jft300m/minival   (mAP@[.5,.95], mAP@.5; writes minival.bbox.json)
Cost:     187,500 iterations x 16 images = 3M images (the paper's 3M steps). One iteration (2 images per GPU at
          ~600x1000) is ~3 TFLOP forward + backward per GPU, mostly conv5 on 512 RoIs; not yet timed on a GPU.
          2 CPU cores: see configs/faster_rcnn/README.md (tools/benchmarks/faster_rcnn.py).
Paper §5.2 settings live in the bases: model (C4 split, RPN 64 / RoI 256 per image, 300 test proposals, input
normalised as in JFT pretraining), data (shortest side 600, longest <= 1024, flip only), schedule (async steps ->
synchronous iterations, arithmetic in its comments).
"""
_base_ = [
    '../_base_/models/faster-rcnn_r101-c4_jft.py',
    '../_base_/datasets/coco2014_minival-split_600px.py',
    '../_base_/schedules/faster-rcnn_coco_3m-steps.py',
    'mmdet::_base_/default_runtime.py',
]
# the pretraining run the checkpoint comes from (its config fixes the input normalisation; tests check they agree)
init_source = 'configs/jft/resnet101_8xb32_jft300m-299px.py'

model = dict(init_cfg=dict(checkpoint='checkpoints/resnet101_jft300m_mmdet-c4.pth'))

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    invalid_loss=dict(type='mmjft.StopOnInvalidLossHook'),  # a NaN / inf loss stops the run
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=400_000, max_keep_ckpts=3))  # images
log_processor = dict(by_epoch=False)
