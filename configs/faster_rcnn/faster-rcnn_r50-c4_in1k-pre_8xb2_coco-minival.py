"""Faster R-CNN ResNet-50 C4 on COCO from ImageNet weights (capacity study, paper Fig. 5).

Needs torchvision's IMAGENET1K_V1 ResNet-50 (resnet50-0676ba61.pth, 76.1% top-1; not V2's 80.9%) converted twice:
    python tools/model_converters/torchvision_to_mmpretrain.py resnet50-0676ba61.pth \\
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
