"""Faster R-CNN ResNet-50 C4 on COCO from ImageNet weights (capacity study, paper Fig. 5).

Needs torchvision's ImageNet ResNet-50 converted twice:
    python tools/model_converters/torchvision_to_mmpretrain.py resnet50-torchvision.pth \\
        checkpoints/resnet50_torchvision-in1k_mmpretrain.pth
    python tools/model_converters/mmjft_to_downstream.py \\
        checkpoints/resnet50_torchvision-in1k_mmpretrain.pth checkpoints/resnet50_in1k_mmdet-c4.pth
Command:  bash tools/dist_train.sh configs/faster_rcnn/faster-rcnn_r50-c4_in1k-pre_8xb2_coco-minival.py 8
Cost:     187,500 iterations x 16 images = 3M images, as ResNet-101.
"""
_base_ = './faster-rcnn_r101-c4_in1k-pre_8xb2_coco-minival.py'
init_source = 'torchvision'

model = dict(
    init_cfg=dict(checkpoint='checkpoints/resnet50_in1k_mmdet-c4.pth'),
    backbone=dict(depth=50),
    roi_head=dict(shared_head=dict(depth=50)))
