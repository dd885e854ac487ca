"""Faster R-CNN ResNet-101 C4 on COCO from ImageNet weights (paper 'ImageNet', mAP@.5 / mAP@[.5,.95]: 54.0 / 34.5
on minival*, Table 9, the split this config evaluates; 53.6 / 34.3 on test-dev, Table 2).

Needs an ImageNet ResNet-101 in mmdet's C4 layout. Default, a shortcut: torchvision's IMAGENET1K_V1 weights
(resnet101-63fe2227.pth, 77.4% top-1, close to the paper's 77.5%; not IMAGENET1K_V2's 81.9%), converted twice:
    python tools/model_converters/torchvision_to_mmpretrain.py resnet101-63fe2227.pth \\
        checkpoints/resnet101_torchvision-in1k_mmpretrain.pth
    python tools/model_converters/mmjft_to_downstream.py \\
        checkpoints/resnet101_torchvision-in1k_mmpretrain.pth checkpoints/resnet101_in1k_mmdet-c4.pth
The faithful baseline is the paper's own model, configs/imagenet/resnet101_8xb32_in1k-scratch.py, converted once:
    python tools/model_converters/mmjft_to_downstream.py \\
        work_dirs/resnet101_8xb32_in1k-scratch/epoch_125.pth checkpoints/resnet101_in1k_mmdet-c4.pth
A result of this config says which of the two it started from.
Command:  bash tools/dist_train.sh configs/faster_rcnn/faster-rcnn_r101-c4_in1k-pre_8xb2_coco-minival.py 8
Cost:     as the JFT-300M run: 187,500 iterations x 16 images = 3M images.
torchvision's weights were trained on RGB input normalised by ImageNet's mean and std, so the detector is too.
"""
_base_ = './faster-rcnn_r101-c4_jft300m-pre_8xb2_coco-minival.py'
init_source = 'torchvision'

model = dict(
    data_preprocessor=dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    init_cfg=dict(checkpoint='checkpoints/resnet101_in1k_mmdet-c4.pth'))
