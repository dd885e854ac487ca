"""Faster R-CNN ResNet-101 C4 on PASCAL VOC 07+12 from JFT-300M weights (paper Table 3 '300M': 81.4 mAP@.5).

Checkpoint: as configs/faster_rcnn/faster-rcnn_r101-c4_jft300m-pre_8xb2_coco-minival.py
(checkpoints/resnet101_jft300m_mmdet-c4.pth). Data: data/VOCdevkit/VOC2007 and VOC2012 as distributed.
Command:  bash tools/dist_train.sh configs/faster_rcnn/faster-rcnn_r101-c4_jft300m-pre_8xb2_voc0712.py 8
Evaluate: python tools/test.py configs/faster_rcnn/faster-rcnn_r101-c4_jft300m-pre_8xb2_voc0712.py CKPT
              (VOC2007 test, mAP@.5 with 11-point AP: 'pascal_voc/mAP')
Cost:     43,750 iterations x 16 images = 700K images (~42 epochs of 16,551), the paper's 700K steps.
"""
_base_ = [
    '../_base_/models/faster-rcnn_r101-c4_jft.py',
    '../_base_/datasets/voc0712_600px.py',
    '../_base_/schedules/faster-rcnn_voc_700k-steps.py',
    'mmdet::_base_/default_runtime.py',
]
init_source = 'configs/jft/resnet101_8xb32_jft300m-299px.py'

model = dict(
    init_cfg=dict(checkpoint='checkpoints/resnet101_jft300m_mmdet-c4.pth'),
    roi_head=dict(bbox_head=dict(num_classes=20)))

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    invalid_loss=dict(type='mmjft.StopOnInvalidLossHook'),  # a NaN / inf loss stops the run
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=80_000, max_keep_ckpts=3))  # images
log_processor = dict(by_epoch=False)
