"""Faster R-CNN ResNet-101 C4 on PASCAL VOC 07+12 from ImageNet weights (paper Table 3 'ImageNet': 76.3 mAP@.5).

Checkpoint: as configs/faster_rcnn/faster-rcnn_r101-c4_in1k-pre_8xb2_coco-minival.py
(checkpoints/resnet101_in1k_mmdet-c4.pth: torchvision's IMAGENET1K_V1 weights, resnet101-63fe2227.pth, converted
twice, or the faithful configs/imagenet/resnet101_8xb32_in1k-scratch.py run; a result says which).
Command:  bash tools/dist_train.sh configs/faster_rcnn/faster-rcnn_r101-c4_in1k-pre_8xb2_voc0712.py 8
Cost:     43,750 iterations x 16 images = 700K images.
torchvision's weights were trained on RGB input normalised by ImageNet's mean and std, so the detector is too.
"""
_base_ = './faster-rcnn_r101-c4_jft300m-pre_8xb2_voc0712.py'
init_source = 'torchvision'

model = dict(
    data_preprocessor=dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    init_cfg=dict(checkpoint='checkpoints/resnet101_in1k_mmdet-c4.pth'))
